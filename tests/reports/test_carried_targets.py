"""Targets 第7期 writes for 令和３年度 link to the 第8期 items that carry them (issue 21 item 17).

Seed 003, 2（1）事項1's 令和２年度 self-evaluation (lines 392-397): 「・令和3年度以降は、地域づくり・資源開発、
政策形成につながりやすい地域ケア会議の実現のため、地域や組織の実情に合った独自の研修を行えるよう、講師養成研修を
実施する。」; seed 000, 第8期 7 事項1: 「自立支援・介護予防に向けた地域ケア会議の実践者養成研修の講師を育成するため
の研修を実施」, 153人（各年度）. The seeds hold no 第8期 item for the other 令和３年度 targets (areas 4–8).
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programs.models import CarriedTarget, Item, PlanPeriod, PolicyArea
from reports.selectors import period_comparison

pytestmark = pytest.mark.django_db

SENTENCE = (
    "令和3年度以降は、地域づくり・資源開発、政策形成につながりやすい地域ケア会議の実現のため、"
    "地域や組織の実情に合った独自の研修を行えるよう、講師養成研修を実施する。"
)


def _item(plan: str, area: int, sub: int | None, number: int) -> Item:
    return Item.objects.get(area__plan__name=plan, area__number=area, area__sub_number=sub, number=number)


def test_the_7th_plans_next_year_target_is_carried_by_the_8th_plans_training(tokyo_data):
    carried = CarriedTarget.objects.get()
    assert (carried.item, carried.fiscal_year, carried.text) == (_item("第7期", 2, 1, 1), 2021, SENTENCE)
    assert carried.carried_by == _item("第8期", 7, None, 1)


def test_the_comparison_page_shows_the_sentence_and_links_the_carrier(manager_client, tokyo_data):
    response = manager_client.get(reverse("reports:compare"))
    assert response.status_code == 200
    html = response.content.decode()
    first = html.split("<tbody>")[1].split("</tr>")[0]
    carrier = _item("第8期", 7, None, 1)
    assert f"令和3年度の目標（第7期に記載）</strong>「{SENTENCE}」" in first
    assert (
        f'<a href="{reverse("reports:item", args=[carrier.id])}">第8期 7 地域ケア会議の推進 事項1</a>が引き継ぐ'
        in first
    )
    assert "第7期に記載の次期の目標を引き継いで継続" in first
    # 事項2 continues by programme lineage, not by a carried target.
    second = html.split("<tbody>")[1].split("</tr>")[1]
    assert "令和3年度の目標" not in second and "事業を引き継いで継続" in second


def test_the_link_pairs_the_items_whatever_their_wording(tokyo_data):
    carrier = _item("第8期", 7, None, 1)
    carrier.title = "まったく別の文言"
    carrier.save(update_fields=["title"])
    later = PlanPeriod.objects.get(name="第8期")
    comparison = period_comparison(
        earlier=PlanPeriod.objects.get(name="第7期"),
        later=later,
        later_area=PolicyArea.objects.get(plan=later, number=7),
    )
    row = next(row for row in comparison.rows if row.later and row.later.id == carrier.id)
    assert row.earlier.id == _item("第7期", 2, 1, 1).id and row.by_carried and not row.by_programme


@pytest.mark.parametrize(
    ("fiscal_year", "carrier", "field"),
    [
        (2020, ("第8期", 7, None, 1), "fiscal_year"),  # a year of the writing item's own period
        (2021, ("第7期", 2, 1, 2), "carried_by"),  # a carrier in the same period
        (2024, ("第8期", 7, None, 1), "fiscal_year"),  # a year outside the carrier's period
    ],
)
def test_a_carried_target_outside_the_next_period_is_refused(tokyo_data, fiscal_year, carrier, field):
    target = CarriedTarget(item=_item("第7期", 2, 1, 1), fiscal_year=fiscal_year, text="x", carried_by=_item(*carrier))
    with pytest.raises(ValidationError) as error:
        target.full_clean()
    assert field in error.value.message_dict
