"""Who gets which reminder: a pure function from the year's facts to the mails to send.

Staff of a section get the list of their section's items not yet submitted (no record,
入力中 or 差戻し); managers, once the deadline has passed, get the sections that are late.
A person who is both gets one mail with both parts. Nobody gets the same step twice, and a
person without a mail address is reported, not mailed.
"""

import datetime
from dataclasses import dataclass

from .reminder_steps import Step

NO_SECTION = "担当課未設定"


@dataclass(frozen=True)
class PendingItem:
    item_id: int
    label: str  # 「7 地域ケア会議の推進 › 事項1 講師養成研修」
    status_label: str  # 「未入力」「入力中」「差戻し」


@dataclass(frozen=True)
class SectionPending:
    section_id: int | None
    name: str
    items: tuple[PendingItem, ...]


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    email: str


@dataclass(frozen=True)
class YearFacts:
    """What the reminders of one reporting year are computed from (read once by a selector)."""

    reporting_year_id: int
    title: str  # 「第8期 令和5年度」
    fiscal_year: int
    deadline: datetime.date
    pending: tuple[SectionPending, ...]  # only sections with something pending
    staff_by_section: dict[int, tuple[Person, ...]]
    managers: tuple[Person, ...]
    already_sent: frozenset[tuple[int, int]]  # (user_id, step offset)


@dataclass(frozen=True)
class PlannedReminder:
    reporting_year_id: int
    step: Step
    recipient: Person
    own_sections: tuple[SectionPending, ...]  # as staff: their sections' pending items
    late_sections: tuple[SectionPending, ...]  # as manager: every late section

    @property
    def section_ids(self) -> set[int]:
        return {s.section_id for s in (*self.own_sections, *self.late_sections) if s.section_id is not None}


def plan_reminders(facts: YearFacts, step: Step) -> tuple[list[PlannedReminder], list[Person]]:
    """Return the reminders due for ``step`` and the people left out for want of an address."""
    own: dict[int, list[SectionPending]] = {}
    people: dict[int, Person] = {}
    for pending in facts.pending:
        if pending.section_id is None:
            continue
        for person in facts.staff_by_section.get(pending.section_id, ()):
            own.setdefault(person.user_id, []).append(pending)
            people[person.user_id] = person
    late = facts.pending if step.is_after_deadline else ()
    if late:
        for person in facts.managers:
            people[person.user_id] = person

    planned, unreachable = [], []
    for user_id, person in sorted(people.items(), key=lambda entry: entry[1].name):
        if (user_id, step.offset) in facts.already_sent:
            continue
        if not person.email:
            unreachable.append(person)
            continue
        is_manager = any(manager.user_id == user_id for manager in facts.managers)
        planned.append(
            PlannedReminder(
                reporting_year_id=facts.reporting_year_id,
                step=step,
                recipient=person,
                own_sections=tuple(own.get(user_id, ())),
                late_sections=tuple(late) if is_manager else (),
            )
        )
    return planned, unreachable
