"""Issue 18 item 10: the rollover preview of a 600-item plan posts its decisions, not every field.

Django refuses a POST of more than 1,000 fields (DATA_UPLOAD_MAX_NUMBER_FIELDS). Each row
control carries its default; rollover.js leaves controls at their default out of the POST, and
the view reads a missing control as its default. The browser's part is simulated here the way
the script does it (a control is posted unless it is still at its data-default).
"""

from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from accounts.roles import SYSTEM_ADMIN
from programs.models import Item, PlanPeriod
from tests import factories
from tests.workflow_world import PASSWORD, make_user

PREVIEW = reverse("evaluations:rollover_preview")
PERIOD = {"source": "第30期", "name": "第31期", "ordinal": "", "first_fiscal_year": "2033", "last_fiscal_year": "2035"}


class _Controls(HTMLParser):
    """Collect the rollover form's named controls: (name, value, data-default or None)."""

    def __init__(self):
        super().__init__()
        self.controls: list[list] = []
        self._open: list | None = None  # the select or textarea being read

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        name = attributes.get("name")
        if tag == "input" and name and attributes.get("type") not in ("submit", "button"):
            self.controls.append([name, attributes.get("value") or "", attributes.get("data-default")])
        elif tag in ("select", "textarea") and name:
            self._open = [name, "", attributes.get("data-default")]
            self.controls.append(self._open)
        elif tag == "option" and self._open is not None and "selected" in attributes:
            self._open[1] = attributes.get("value")

    def handle_data(self, data):
        if self._open is not None and self.lasttag == "textarea":
            self._open[1] += data

    def handle_endtag(self, tag):
        if tag in ("select", "textarea"):
            self._open = None


def _controls(html: str) -> list[list]:
    form = html[html.index('id="rollover-form"') :]
    parser = _Controls()
    parser.feed(form[: form.index("</form>")])
    return parser.controls


def _posted_by_the_script(controls, changes: dict[str, str]) -> dict[str, str]:
    """Return what the browser posts after rollover.js: every control not at its default, with ``changes`` applied."""
    posted = {}
    for name, value, default in controls:
        value = changes.get(name, value)
        if default is None or value.replace("\r\n", "\n") != default.replace("\r\n", "\n"):
            posted[name] = value
    return posted


@pytest.fixture
def admin_client(db):
    make_user("large-admin", role=SYSTEM_ADMIN)
    client = Client()
    assert client.login(username="large-admin", password=PASSWORD)
    return client


def test_a_600_item_plan_is_previewed_and_confirmed_within_the_field_limit(admin_client):
    factories.synthetic_plan(items=600, name="第30期", ordinal=30, first_fiscal_year=2030)
    response = admin_client.post(PREVIEW, {**PERIOD, "action": "preview"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "js/rollover.js" in html
    controls = _controls(html)
    assert len(controls) > settings.DATA_UPLOAD_MAX_NUMBER_FIELDS  # every field posted back: Django refuses

    ended = Item.objects.get(area__plan__name="第30期", area__number=1, number=2)
    posted = _posted_by_the_script(controls, {f"choice-item-{ended.id}": "end", "action": "confirm"})
    posted["action"] = "confirm"
    assert len(posted) < 20

    confirmed = admin_client.post(PREVIEW, posted)
    assert confirmed.status_code == 302
    new = PlanPeriod.objects.get(name="第31期")
    assert Item.objects.filter(area__plan=new).count() == 599
    assert Item.objects.get(area__plan=new, area__number=1, number=2).title == "事項3"  # renumbered after the end


def test_a_missing_control_is_read_as_its_default_and_a_posted_blank_title_is_still_refused(admin_client):
    plan = factories.synthetic_plan(items=3, name="第30期", ordinal=30, first_fiscal_year=2030)
    area = plan.areas.get()
    # 変更して継続 without a new title posted: the old title stands (the script left it out, unchanged).
    response = admin_client.post(PREVIEW, {**PERIOD, "action": "preview", f"choice-area-{area.id}": "change"})
    assert response.status_code == 200
    # A title the administrator blanked is posted blank: the preview asks for one.
    response = admin_client.post(
        PREVIEW, {**PERIOD, "action": "preview", f"choice-area-{area.id}": "change", f"title-area-{area.id}": ""}
    )
    assert response.status_code == 400
    assert "変更後の名称を入力してください" in response.content.decode()
