"""The administrator's status rule, read once per computation (``StatusRule``, a singleton row)."""

from ..models import SINGLETON_ID, StatusRule


def status_rule_get() -> StatusRule:
    """Return the administrator's status rule, or the default rule when none was saved."""
    return StatusRule.objects.filter(id=SINGLETON_ID).first() or StatusRule(id=SINGLETON_ID)


def status_labels() -> dict[str, str]:
    """Return the display name of every status under the administrator's rule."""
    return status_rule_get().labels
