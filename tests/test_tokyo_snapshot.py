"""The `tokyo_data` fixture restores a recorded load: it must leave what the loader itself leaves."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from programs.models import Item, PlanPeriod, Section
from tests import factories
from tests.tokyo_snapshot import _contents, _tables, snapshots, tokyo_load

pytestmark = pytest.mark.django_db


class _RolledBack(Exception):
    pass


def _comparable(contents: dict) -> dict[str, list]:
    """Drop what two equal loads may differ in: ids (PostgreSQL's sequences move on) and clock times."""

    def keep(column: str, value) -> bool:
        return not (column == "id" or column.endswith("_id") or isinstance(value, datetime.datetime))

    comparable = {}
    for table, (columns, rows) in contents.items():
        kept = [
            tuple(value for column, value in zip(columns, row, strict=True) if keep(column, value))
            for row in rows.values()
        ]
        comparable[table] = sorted(kept, key=repr)
    return comparable


def _contents_after(load) -> dict:
    """Return every table's rows after ``load``, then roll the load back."""
    tables = _tables(connection)
    try:
        with transaction.atomic():
            load()
            contents = _contents(connection, tables)
            raise _RolledBack
    except _RolledBack:
        return contents


def test_a_restored_tokyo_holds_the_rows_the_loader_writes_in_every_table(db):
    _contents_after(tokyo_load)  # records the load if no test did before, so the next one restores it
    restores = snapshots.restores
    restored = _contents_after(tokyo_load)
    assert snapshots.restores == restores + 1
    loaded = _contents_after(lambda: call_command("load_tokyo_plan", verbosity=0))
    assert _comparable(restored) == _comparable(loaded)
    assert len(restored[PlanPeriod._meta.db_table][1]) == 3


def test_a_test_without_tokyo_sees_an_empty_plan(db):
    assert not PlanPeriod.objects.exists()
    assert not Section.objects.exists()


def test_rows_written_after_a_restore_get_new_ids(tokyo_data):
    # PostgreSQL: the restore inserts ids itself, so it must move the sequences past them.
    item = Item.objects.first()
    created = factories.item(area=item.area, number=99)
    assert created.id > max(Item.objects.exclude(id=created.id).values_list("id", flat=True))


def test_a_test_that_wrote_first_gets_what_the_loader_makes_of_it(db):
    # Both databases hold one section under the same id; the loader keeps the one named like
    # Tokyo's and adds its own beside the other, so the second must not replay the first's load.
    def section_then_tokyo(name: str):
        def load():
            Section.objects.create(name=name)
            tokyo_load()

        return load

    other = _contents_after(section_then_tokyo("他の課"))
    own = _contents_after(section_then_tokyo("在宅支援課"))
    sections = Section._meta.db_table
    assert len(other[sections][1]) == 5
    assert len(own[sections][1]) == 4


def test_a_user_logged_in_before_tokyo_still_gets_the_recorded_load(db, django_user_model):
    # Most report tests log a manager in first: the loader never reads users, so no reason to load again.
    _contents_after(tokyo_load)  # records the load if no test did before
    django_user_model.objects.create_user("manager-first", password="pw-for-tests")
    restores = snapshots.restores
    tokyo_load()
    assert snapshots.restores == restores + 1
    assert Item.objects.count() == 22
