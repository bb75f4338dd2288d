"""Staff record the officials' verdict on a target judged in words, on the entry screen (issue 11 §3)."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from evaluations import selectors, services
from evaluations.models import Verdict, YearlyResult
from evaluations.progress import plan_progress
from programs.kinds import Status
from tests.workflow_world import OPEN_YEAR, PASSWORD

pytestmark = pytest.mark.django_db

SENTENCE = "年1回開催するという目標は達成できている。"


def _cell(world, *, include_unapproved=False):
    row = plan_progress(plan=world.plan, item_ids=[world.own_item.id], include_unapproved=include_unapproved).items[0]
    return row.indicators[0].years[world.plan.fiscal_years.index(OPEN_YEAR)]


def test_the_screen_records_a_verdict_with_its_sentence_and_the_status_follows_it(world):
    client = Client()
    assert client.login(username=world.users["staff_own"].username, password=PASSWORD)
    url = reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])
    html = client.get(url).content.decode()
    assert "達成の判断" in html and "判断の根拠（自己評価の文）" in html
    page = selectors.entry_page(item=world.own_item, fiscal_year=OPEN_YEAR)
    data = {key: value for key, value in selectors.entry_initial(page).items() if value not in (None, [])}
    data |= {
        "action": "save",
        f"verdict_{world.indicator_id}": Verdict.ACHIEVED,
        f"verdict_text_{world.indicator_id}": SENTENCE,
    }
    assert client.post(url, data).status_code == 302
    result = YearlyResult.objects.get(indicator_id=world.indicator_id, fiscal_year=OPEN_YEAR)
    assert (result.value, result.verdict, result.verdict_text) == (None, Verdict.ACHIEVED, SENTENCE)
    assert result.history.count() == 1  # audited like every result
    # As typed (the entry screen, the 「未承認の実績を含める」 filter) the status follows the verdict;
    # managers' views count it only once approved (issue 12 §2) and show it labelled 下書き meanwhile.
    cell = _cell(world, include_unapproved=True)
    assert (cell.status, cell.verdict_text, cell.state_label) == (Status.ACHIEVED, SENTENCE, "下書き")
    cell = _cell(world)
    assert (cell.status, cell.pending.verdict_text, cell.pending.state_label) == (
        Status.NOT_ENTERED,
        SENTENCE,
        "下書き",
    )


def test_a_verdict_without_its_sentence_is_refused_and_nothing_is_written(world):
    with pytest.raises(ValidationError) as error:
        services.item_entry_save(
            item=world.own_item,
            fiscal_year=OPEN_YEAR,
            user=world.users["staff_own"],
            values={},
            verdicts={world.indicator_id: (Verdict.NOT_ACHIEVED, "  ")},
            expected_version=0,
        )
    assert services.ERROR_VERDICT_TEXT_REQUIRED in str(error.value)
    assert not YearlyResult.objects.filter(indicator_id=world.indicator_id).exists()
    assert _cell(world).status == Status.NOT_ENTERED
