"""The three roles of the application, as Django groups with model permissions.

Ownership by section is separate from the role: a staff member edits only the items of the
sections they belong to (``Section.members``).
"""

from dataclasses import dataclass

STAFF = "担当者"
MANAGER = "管理職"
SYSTEM_ADMIN = "システム管理者"


@dataclass(frozen=True)
class Role:
    name: str
    permissions: tuple[str, ...]  # "app_label.codename"


_VIEW_ALL = tuple(
    f"{app}.view_{model}"
    for app, model in [
        ("programs", "planperiod"),
        ("programs", "vision"),
        ("programs", "section"),
        ("programs", "municipality"),
        ("programs", "program"),
        ("programs", "programbudget"),
        ("programs", "policyarea"),
        ("programs", "item"),
        ("programs", "indicator"),
        ("programs", "target"),
        ("evaluations", "yearlyresult"),
        ("evaluations", "selfevaluation"),
        ("evaluations", "ratingscale"),
        ("evaluations", "rating"),
        ("evaluations", "reportingyear"),
    ]
)

ROLES = (
    Role(
        STAFF,
        (
            *_VIEW_ALL,
            "evaluations.add_yearlyresult",
            "evaluations.change_yearlyresult",
            "evaluations.add_selfevaluation",
            "evaluations.change_selfevaluation",
        ),
    ),
    Role(MANAGER, _VIEW_ALL),
    Role(SYSTEM_ADMIN, ()),  # system administrators are superusers
)
