"""One length limit for the narratives, declared by the model, read by the entry form and the import."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from evaluations.forms import ItemEntryForm
from evaluations.models import SelfEvaluation
from programs.models import Item
from sheets.exports.entry_template import (
    EVALUATIONS_SHEET,
    HEADER_ACTIVITIES,
    HEADER_NEXT_STEPS,
    HEADER_SELF_ASSESSMENT,
)
from sheets.imports import entry

from .helpers import download_template, fill, history_count

LIMIT = SelfEvaluation.NARRATIVE_MAX_LENGTH


def _text(length: int) -> str:
    """Japanese text with line breaks, exactly ``length`` characters once newlines are one character."""
    line = "地域包括支援センターとの連絡会議を開催した。" * 2 + "\n"
    return (line * (length // len(line) + 1))[: length - 1] + "。"


def _upload(client, data: bytes):
    return client.post(reverse("sheets:import_upload"), {"file": SimpleUploadedFile("入力.xlsx", data)})


def test_the_form_and_the_import_read_the_models_limit():
    assert LIMIT == 4000
    form = ItemEntryForm(indicators=[], targets_by_indicator={}, ratings=None, requires_reason=False)
    for name in SelfEvaluation.NARRATIVE_FIELDS:
        assert form.fields[name].max_length == LIMIT
    assert entry.MAX_TEXT == LIMIT


@pytest.mark.django_db
@pytest.mark.parametrize("header", [HEADER_ACTIVITIES, HEADER_SELF_ASSESSMENT, HEADER_NEXT_STEPS])
def test_an_import_one_character_over_the_limit_is_refused_naming_the_field(client, staff_user, header):
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    client.force_login(staff_user)
    data = fill(download_template(client), evaluations={item.id: {header: _text(LIMIT + 1)}})
    before = history_count()
    response = _upload(client, data)
    errors = response.context["preview"].errors
    assert [(e.sheet, e.column, e.message) for e in errors] == [
        (EVALUATIONS_SHEET, errors[0].column, f"「{header}」は{LIMIT}文字以内で入力してください（{LIMIT + 1}文字）。")
    ]
    assert header in errors[0].column
    assert response.context["token"] == ""
    assert history_count() == before


@pytest.mark.django_db
def test_an_import_at_the_limit_is_accepted_and_the_entry_screen_can_save_it_again(client, staff_user):
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    client.force_login(staff_user)
    texts = {HEADER_ACTIVITIES: _text(LIMIT), HEADER_SELF_ASSESSMENT: _text(LIMIT), HEADER_NEXT_STEPS: _text(LIMIT)}
    response = _upload(client, fill(download_template(client), evaluations={item.id: texts}))
    assert response.context["preview"].errors == ()
    page = client.post(reverse("sheets:import_confirm"), {"token": response.context["token"]}, follow=True)
    assert "1件の事項を更新しました" in page.content.decode()
    record = SelfEvaluation.objects.get(item=item, fiscal_year=2022)
    assert len(record.activities) == LIMIT and "\n" in record.activities

    # The entry screen shows the texts and saves them back as a browser sends them (CRLF line breaks).
    url = reverse("evaluations:entry", args=[item.id, 2022])
    html = client.get(url).content.decode()
    assert f'maxlength="{LIMIT}"' in html
    assert re.search(r'name="version" value="(\d+)"', html).group(1) == str(record.version)
    posted = {
        "activities": record.activities.replace("\n", "\r\n"),
        "self_assessment": record.self_assessment.replace("\n", "\r\n"),
        "next_steps": record.next_steps.replace("\n", "\r\n") + "追記",
        "version": record.version,
        "action": "save",
    }
    response = client.post(url, posted)
    assert response.status_code == 200  # one character over the limit: refused with the field's error
    assert f"{LIMIT}" in response.content.decode()
    posted["next_steps"] = record.next_steps.replace("\n", "\r\n")[:-2] + "追記"
    response = client.post(url, posted)
    assert response.status_code == 302, response.content.decode()[:3000]
    record.refresh_from_db()
    assert record.next_steps.endswith("追記") and len(record.next_steps) == LIMIT
    assert "\r" not in record.next_steps
