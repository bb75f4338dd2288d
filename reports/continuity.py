"""Which items of one plan period continue in the next: the rule the period comparison uses.

Plans renumber their areas (第7期 2（1）地域ケア会議 became 第8期 7 地域ケア会議の推進) and reword
their items, so nothing is matched by number alone. The rule, pure and database-free:

1. Texts are compared after Unicode NFKC, with spaces, brackets and punctuation removed.
2. Areas: equal titles score 1.0; a title contained in the other (「地域ケア会議」 in
   「地域ケア会議の推進」) scores 0.9; otherwise difflib's similarity ratio. The earlier area
   with the highest score of at least ``AREA_THRESHOLD`` continues the later one; on a tie the
   same area number wins, then the earlier-numbered area.
3. Items of two matched areas: each is read as its title followed by its indicators' names;
   pairs are taken greedily, highest similarity first, each item at most once, while the
   similarity reaches ``ITEM_THRESHOLD``. Items left over are shown as ended (earlier) or new
   (later).
4. Programme lineage comes first: a later item one of whose programmes descends (through
   ``Program.predecessor``, renames and restructurings) from a programme of an earlier item
   continues it, whatever their wording. 第8期 7 事項2 (区市町村実務者連絡会議, whose predecessor is
   the 体制構築支援モデル事業) continues 第7期 2（1）事項2 (the モデル事業) though their texts differ.
   A programme both items merely share (the umbrella 地域ケア会議推進事業) links nothing.
5. A target the earlier item wrote for the next period, recorded as carried by a later item
   (``CarriedTarget``: 第7期 2（1）事項1's 「令和3年度以降は、…講師養成研修を実施する。」, carried by 第8期
   7 事項1), links the two as lineage does; the caller passes both links as ``linked``.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Generic, Protocol, TypeVar

AREA_THRESHOLD = 0.6
ITEM_THRESHOLD = 0.3
CONTAINED_SCORE = 0.9
_NOISE = re.compile(r"[\s　「」『』（）()【】\[\]・、。，．,.:：;；\-－ー～〜]+")


class AreaLike(Protocol):
    id: int
    number: int
    title: str


class ItemLike(Protocol):
    id: int
    title: str


A = TypeVar("A", bound=AreaLike)
T = TypeVar("T")


def normalise(text: str) -> str:
    """Return the text as compared: NFKC, without spaces, brackets or punctuation."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or ""))


def similarity(a: str, b: str) -> float:
    """Return how alike two texts are, 0 to 1: 1 when equal, 0.9 when one contains the other."""
    left, right = normalise(a), normalise(b)
    if not left or not right:
        return 0.0
    if left == right:
        return 1.0
    if left in right or right in left:
        return CONTAINED_SCORE
    return SequenceMatcher(None, left, right, autojunk=False).ratio()


def area_match(later: AreaLike, earlier: Sequence[A]) -> A | None:
    """Return the earlier area the later one continues, or None (rule 2)."""
    scored = [
        (score, area.number == later.number, -area.number, area)
        for area in earlier
        if (score := similarity(later.title, area.title)) >= AREA_THRESHOLD
    ]
    if not scored:
        return None
    return max(scored, key=lambda entry: entry[:3])[3]


@dataclass(frozen=True)
class Pair(Generic[T]):
    earlier: T | None
    later: T | None
    score: float
    by_programme: bool = False  # paired by programme lineage (rule 4), not by wording


def ancestors_of(predecessors: Mapping[str, str]) -> dict[str, set[str]]:
    """Return every programme's predecessors, transitively, from a name → predecessor name map."""
    ancestors: dict[str, set[str]] = {}
    for name in predecessors:
        seen: set[str] = set()
        current = predecessors.get(name)
        while current and current not in seen:
            seen.add(current)
            current = predecessors.get(current)
        ancestors[name] = seen
    return ancestors


def continues_programme(earlier: Iterable[str], later: Iterable[str], ancestors: Mapping[str, set[str]]) -> bool:
    """Return whether a later programme descends from one of the earlier programmes (rule 4)."""
    earlier_names = set(earlier)
    return any(ancestors.get(name, set()) & earlier_names for name in later)


def item_pairs(
    earlier: Sequence[T], later: Sequence[T], *, text_of, linked: Callable[[T, T], bool] | None = None
) -> list[Pair[T]]:
    """Pair items of two areas: by programme lineage first (rule 4), then by similarity (rule 3), in the later order."""
    scored = [
        (similarity(text_of(old), text_of(new)), bool(linked and linked(old, new)), i, j)
        for i, old in enumerate(earlier)
        for j, new in enumerate(later)
    ]
    candidates = sorted(scored, key=lambda entry: (not entry[1], -entry[0], entry[3], entry[2]))
    used_old: set[int] = set()
    used_new: dict[int, tuple[int, float, bool]] = {}
    for score, by_programme, i, j in candidates:
        if score < ITEM_THRESHOLD and not by_programme:
            break
        if i in used_old or j in used_new:
            continue
        used_old.add(i)
        used_new[j] = (i, score, by_programme)
    pairs: list[Pair[T]] = []
    for j, new in enumerate(later):
        if j in used_new:
            i, score, by_programme = used_new[j]
            pairs.append(Pair(earlier=earlier[i], later=new, score=score, by_programme=by_programme))
        else:
            pairs.append(Pair(earlier=None, later=new, score=0.0))
    pairs.extend(Pair(earlier=old, later=None, score=0.0) for i, old in enumerate(earlier) if i not in used_old)
    return pairs
