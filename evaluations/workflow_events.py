"""Who else must act when an entry is submitted, returned or approved: an explicit listener list.

Apps above this one (the reporting cycle's thread and notices) need to know of each
transition, but ``evaluations`` may not import them. Rather than Django signals fired from
``save()``, the three workflow services call ``publish`` by name, inside their transaction,
and each listener is registered once at start-up by the app that wants it
(``workflow_events.subscribe(...)`` in its ``AppConfig.ready``). A listener that fails rolls
the transition back with it, so a return never exists without its comment and notices.

Listeners registered today: ``cycle.services.workflow_event_record`` (the thread entry, the
in-app notices, and the mails to the section's managers or the submitter, queued once the
transaction commits; a mail that fails never rolls the transition back).
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.utils import timezone

from .models import SelfEvaluation


class Transition(models.TextChoices):
    SUBMITTED = "submitted", "提出"
    RETURNED = "returned", "差戻し"
    APPROVED = "approved", "承認"


@dataclass(frozen=True)
class WorkflowEvent:
    """One transition of a self-evaluation, as the service that made it saw it."""

    transition: Transition
    evaluation: SelfEvaluation
    by: object  # the user who acted
    comment: str = ""  # the return's reason or the approval's comment, stripped
    at: datetime.datetime = field(default_factory=timezone.now)


Listener = Callable[[WorkflowEvent], None]
_listeners: list[Listener] = []


def subscribe(listener: Listener) -> None:
    """Register ``listener`` to be called on every transition (once, however often ready() runs)."""
    if listener not in _listeners:
        _listeners.append(listener)


def listeners() -> tuple[Listener, ...]:
    return tuple(_listeners)


def publish(event: WorkflowEvent) -> None:
    """Call every listener with ``event``, in registration order, inside the caller's transaction."""
    for listener in _listeners:
        listener(event)
