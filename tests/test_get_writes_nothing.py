"""A GET writes nothing: every URL of the URLconf, for every role (issue 18 item 11).

Opening お知らせ used to mark every notice read. docs/security.md says writes are POST only;
this walk holds every view to it. Only the login and session machinery may write on a GET
(the session is renewed on every request, SESSION_SAVE_EVERY_REQUEST; django-axes logs logins).
"""

import re

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cycle.models import Notice
from cycle.services import attachment_upload, comment_post
from tests.cycle import samples
from tests.urlconf import route_paths
from tests.workflow_world import OPEN_YEAR, evaluation

pytestmark = pytest.mark.django_db

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
# The login and session machinery may write on any request; nothing else may.
MACHINERY = re.compile(r'"?(django_session|axes_\w+)"?', re.IGNORECASE)


@pytest.fixture
def busy_world(world, settings, tmp_path):
    """The workflow world with something behind every kind of id: an entry, a file, a thread, notices."""
    settings.MEDIA_ROOT = tmp_path / "media"
    record = evaluation(world.own_item, OPEN_YEAR, submitted_by=world.users["staff_own"])
    attachment = attachment_upload(
        item=world.own_item,
        fiscal_year=OPEN_YEAR,
        title="別紙7-1",
        upload=SimpleUploadedFile("a.pdf", samples.PDF),
        by=world.users["staff_own"],
    )
    comment_post(item=world.own_item, fiscal_year=OPEN_YEAR, body="確認してください", by=world.users["manager"])
    for user in world.users.values():
        Notice.objects.create(recipient=user, kind=Notice.Kind.RETURNED, item=world.own_item, fiscal_year=OPEN_YEAR)
    return world, {
        "item_id": str(world.own_item.pk),
        "fiscal_year": str(OPEN_YEAR),
        "evaluation_id": str(record.pk),
        "attachment_id": str(attachment.pk),
        "plan_id": str(world.plan.pk),
        "object_id": str(attachment.pk),
        "notice_id": str(Notice.objects.first().pk),
    }


@pytest.mark.parametrize("role", ["staff_own", "staff_other", "manager", "admin", "no_role", None])
def test_no_get_writes_to_the_database(busy_world, role):
    world, ids = busy_world
    paths = route_paths(ids, app_label="cycle")
    assert len(paths) > 40
    client = Client(raise_request_exception=False)
    if role:
        client.force_login(world.users[role], backend="django.contrib.auth.backends.ModelBackend")
    written = {}
    for path in paths:
        if path.startswith(f"/{settings.ADMIN_PATH}") and role != "admin":
            continue  # the admin sends everyone else to its login page
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        writes = [
            query["sql"]
            for query in queries.captured_queries
            if WRITES.match(query["sql"]) and not MACHINERY.search(query["sql"].split("(")[0])
        ]
        if writes:
            written[path] = writes
    assert not written, "\n".join(f"{path}: {sql}" for path, sqls in written.items() for sql in sqls)
