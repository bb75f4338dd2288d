"""Every entry view × every role × own section / other section / locked year, from one table.

A view added to evaluations/urls.py without a row here fails ``test_every_view_is_in_the_matrix``.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse

from evaluations import urls as evaluation_urls
from evaluations.models import SelfEvaluation
from tests.workflow_world import LOCKED_YEAR, OPEN_YEAR, PASSWORD, evaluation

pytestmark = pytest.mark.django_db
Status = SelfEvaluation.Status
ROLES = ("anonymous", "no_role", "staff_own", "staff_other", "manager", "admin")
SITUATIONS = ("open", "locked")
OK, REDIRECT, FORBIDDEN = 200, 302, 403
REFUSED = 409  # the entry page, read-only, with the reason and what the user typed


@dataclass(frozen=True)
class Case:
    method: str
    prepare: Callable  # (world, year) -> (url, data)
    expected: dict  # role -> {situation: status}; anonymous always redirects to the login page


def _every(code):
    return dict.fromkeys(SITUATIONS, code)


def _readers():
    return {"no_role": _every(FORBIDDEN), **{role: _every(OK) for role in ROLES[2:]}}


def _year(situation):
    return OPEN_YEAR if situation == "open" else LOCKED_YEAR


def _entry(world, year):
    return reverse("evaluations:entry", args=[world.own_item.id, year]), {
        f"value_{world.indicator_id}": "１５０",
        "activities": "研修を実施",
        "action": "save",
    }


def _submit(world, year):
    record = evaluation(world.own_item, year, status=Status.DRAFT)
    return reverse("evaluations:submit", args=[world.own_item.id, year]), {"version": record.version}


def _review(world, year):
    record = evaluation(world.own_item, year, status=Status.SUBMITTED)
    return reverse("evaluations:review", args=[record.id]), {"action": "approve", "version": record.version}


def _approve_confirm(world, year):
    url, data = _review(world, year)
    return reverse("evaluations:approve_confirm", args=[url.split("/")[-3]]), data


def _lock_confirm(world, year):
    _lock(world, year)
    return reverse("evaluations:lock_confirm", args=[world.plan.id, year]), {}


def _reopen(world, year):
    record = evaluation(world.own_item, year, status=Status.APPROVED)
    return reverse("evaluations:reopen", args=[record.id]), {"reason": "誤記の訂正"}


def _copy_forward(world, year):
    evaluation(world.own_item, year - 1, status=Status.APPROVED, next_steps="前年の方針")
    return reverse("evaluations:copy_forward", args=[world.own_item.id, year]), {}


def _lock(world, year):
    for item in (world.own_item, world.other_item):
        evaluation(item, year, status=Status.APPROVED)
    return reverse("evaluations:lock_year", args=[world.plan.id, year]), {}


def _unlock(world, year):
    return reverse("evaluations:unlock_year", args=[world.plan.id, year]), {"reason": "訂正のため"}


WRITERS_OF_OWN_ITEM = {
    "no_role": _every(FORBIDDEN),
    "staff_own": {"open": REDIRECT, "locked": FORBIDDEN},
    "staff_other": _every(FORBIDDEN),
    "manager": _every(FORBIDDEN),
    "admin": {"open": REDIRECT, "locked": FORBIDDEN},
}

# A save reaching a locked year is a save that lost the race to the lock: the typed text is
# shown back, not dropped behind a 403.
ENTRY_SAVERS = {
    **WRITERS_OF_OWN_ITEM,
    "staff_own": {"open": REDIRECT, "locked": REFUSED},
    "admin": {"open": REDIRECT, "locked": REFUSED},
}

SYSTEM_ADMINS_ONLY = {**{role: _every(FORBIDDEN) for role in ROLES[1:5]}, "admin": _every(OK)}
ROLLOVER_PREVIEW = {
    "source": "第8期", "name": "第9期", "first_fiscal_year": "2024", "last_fiscal_year": "2026", "action": "preview",
}  # fmt: skip

MANAGERS_IN_OPEN_YEARS = {
    "no_role": _every(FORBIDDEN),
    "staff_own": _every(FORBIDDEN),
    "staff_other": _every(FORBIDDEN),
    "manager": {"open": REDIRECT, "locked": FORBIDDEN},
    "admin": {"open": REDIRECT, "locked": FORBIDDEN},
}

# The confirmations of issue 20 item 5 write nothing: the same people as the write, answered 200.
MANAGERS_CONFIRM_IN_OPEN_YEARS = {
    **MANAGERS_IN_OPEN_YEARS,
    "manager": {"open": OK, "locked": FORBIDDEN},
    "admin": {"open": OK, "locked": FORBIDDEN},
}

MATRIX = {
    "my_work": Case(
        "get", lambda w, y: (reverse("evaluations:my_work") + f"?plan=第8期&fiscal_year={y}", None), _readers()
    ),
    "entry": Case("get", lambda w, y: (reverse("evaluations:entry", args=[w.own_item.id, y]), None), _readers()),
    "entry (save)": Case("post", _entry, ENTRY_SAVERS),
    "submit": Case("post", _submit, WRITERS_OF_OWN_ITEM),
    "copy_forward": Case("post", _copy_forward, WRITERS_OF_OWN_ITEM),
    "preview": Case(
        "get",
        lambda w, y: (
            reverse("evaluations:preview", args=[w.own_item.id, y]) + f"?indicator={w.indicator_id}&value=150",
            None,
        ),
        _readers(),
    ),
    "item_history": Case(
        "get", lambda w, y: (reverse("evaluations:item_history", args=[w.own_item.id]), None), _readers()
    ),
    "review": Case(
        "post",
        _review,
        MANAGERS_IN_OPEN_YEARS,
    ),
    "approve_confirm": Case("post", _approve_confirm, MANAGERS_CONFIRM_IN_OPEN_YEARS),
    "lock_confirm": Case("post", _lock_confirm, MANAGERS_CONFIRM_IN_OPEN_YEARS),
    "reopen": Case(
        "post",
        _reopen,
        {**{role: _every(FORBIDDEN) for role in ROLES[1:5]}, "admin": {"open": REDIRECT, "locked": FORBIDDEN}},
    ),
    "lock_year": Case(
        "post",
        _lock,
        MANAGERS_IN_OPEN_YEARS,
    ),
    "unlock_year": Case(
        "post",
        _unlock,
        {**{role: _every(FORBIDDEN) for role in ROLES[1:5]}, "admin": {"open": FORBIDDEN, "locked": REDIRECT}},
    ),
    # 次期計画の作成: the preview writes nothing; confirming is covered in test_rollover_views.
    "rollover_start": Case("get", lambda w, y: (reverse("evaluations:rollover_start"), None), SYSTEM_ADMINS_ONLY),
    "rollover_preview": Case(
        "post", lambda w, y: (reverse("evaluations:rollover_preview"), ROLLOVER_PREVIEW), SYSTEM_ADMINS_ONLY
    ),
    # 実績の一括入力: a POST without the page's inputs changes nothing (saving is covered in test_period_figures).
    "period_figures": Case(
        "get",
        lambda w, y: (reverse("evaluations:period_figures", args=[w.own_item.area.plan_id]), None),
        SYSTEM_ADMINS_ONLY,
    ),
    "period_figures (save)": Case(
        "post",
        lambda w, y: (reverse("evaluations:period_figures", args=[w.own_item.area.plan_id]), {}),
        {**{role: _every(FORBIDDEN) for role in ROLES[1:5]}, "admin": _every(REDIRECT)},
    ),
}

PARAMS = [(view, role, situation) for view in MATRIX for role in ROLES for situation in SITUATIONS]


def test_every_view_is_in_the_matrix():
    names = {pattern.name for pattern in evaluation_urls.urlpatterns}
    covered = {view.split(" ")[0] for view in MATRIX}
    assert names == covered


@pytest.mark.parametrize(("view", "role", "situation"), PARAMS)
def test_permission_matrix(client, world, view, role, situation):
    case = MATRIX[view]
    url, data = case.prepare(world, _year(situation))
    if role != "anonymous":
        assert client.login(username=world.users[role].username, password=PASSWORD)
    response = client.post(url, data) if case.method == "post" else client.get(url)
    if role == "anonymous":
        assert response.status_code == REDIRECT
        assert response["Location"].startswith(reverse("login"))
        return
    expected = case.expected[role][situation]
    assert response.status_code == expected, response.content.decode()[:500]
    if expected == FORBIDDEN:
        assert "許可されていません" in response.content.decode()
    if expected == REFUSED:
        assert "保存できませんでした" in response.content.decode()
