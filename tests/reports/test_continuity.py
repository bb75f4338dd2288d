"""The period comparison's matching rule, without the database."""

from dataclasses import dataclass

from reports import continuity


@dataclass
class Area:
    id: int
    number: int
    title: str


def test_normalise_drops_spaces_brackets_and_punctuation_after_nfkc():
    assert continuity.normalise("【（１）地域ケア会議】　の推進、") == "1地域ケア会議の推進"


def test_similarity_equal_contained_and_unrelated():
    assert continuity.similarity("地域ケア会議", "地域ケア会議") == 1.0
    assert continuity.similarity("地域ケア会議", "地域ケア会議の推進") == 0.9
    assert continuity.similarity("介護予防", "認知症施策に関する支援") < 0.3
    assert continuity.similarity("", "何か") == 0.0


def test_area_match_follows_the_title_not_the_number():
    earlier = [
        Area(1, 2, "地域ケア会議及び介護予防の効果的な実施に向けた支援"),
        Area(2, 2, "地域ケア会議"),
        Area(3, 7, "介護給付の適正化に関する支援"),
    ]
    assert continuity.area_match(Area(9, 7, "地域ケア会議の推進"), earlier).id == 2
    assert continuity.area_match(Area(9, 7, "まったく新しい分野"), earlier) is None


def test_area_match_breaks_ties_by_the_same_number():
    earlier = [Area(1, 3, "介護予防"), Area(2, 5, "介護予防")]
    assert continuity.area_match(Area(9, 5, "介護予防"), earlier).id == 2


def test_item_pairs_are_greedy_one_to_one_and_keep_leftovers():
    earlier = ["地域ケア会議実践者養成研修の修了者数", "モデル事業で支援した区市町村数"]
    later = ["地域ケア会議の講師養成研修の受講者数", "実務者連絡会議の開催回数"]
    pairs = continuity.item_pairs(earlier, later, text_of=str)
    assert [(p.earlier, p.later) for p in pairs] == [
        (earlier[0], later[0]),
        (None, later[1]),
        (earlier[1], None),
    ]
    assert pairs[0].score >= continuity.ITEM_THRESHOLD


@dataclass
class Row:
    title: str
    programs: tuple[str, ...]


def test_programme_lineage_pairs_items_whatever_their_wording():
    ancestors = continuity.ancestors_of(
        {"区市町村実務者連絡会議": "体制構築支援モデル事業", "体制構築支援モデル事業": "旧事業"}
    )
    assert ancestors["区市町村実務者連絡会議"] == {"体制構築支援モデル事業", "旧事業"}
    umbrella = "自立支援・介護予防に向けた地域ケア会議推進事業"
    earlier = [
        Row("地域ケア会議において適切な支援方法を提案できる人材の養成", (umbrella,)),
        Row("モデル事業を通じ、区市町村の取組を支援", (umbrella, "体制構築支援モデル事業")),
    ]
    later = [
        Row("地域ケア会議の実践者養成研修の講師を育成するための研修を実施", (umbrella,)),
        Row("区市町村の連携強化・課題解決支援のため、実務者連絡会議を開催", (umbrella, "区市町村実務者連絡会議")),
    ]
    pairs = continuity.item_pairs(
        earlier,
        later,
        text_of=lambda row: row.title,
        linked=lambda old, new: continuity.continues_programme(old.programs, new.programs, ancestors),
    )
    assert [(p.earlier, p.later, p.by_programme) for p in pairs][1] == (earlier[1], later[1], True)
    # The umbrella programme both share links nothing by itself.
    assert not continuity.continues_programme((umbrella,), (umbrella,), ancestors)
