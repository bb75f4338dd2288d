"""The numbers an item-year's own narrative states, offered beside an indicator's 実績 input.

Pure and database-free. A layout without a 実績 column (第7期's published sheet) leaves the
figures in the narrative: 「・修了者352人（募集規模360人）」. The figures screen offers each
number the narrative states in the indicator's unit as a one-click suggestion; it never fills
an input by itself, because a narrative often states several numbers (352 修了者 and 360 募集規模)
and only the administrator knows which one the indicator counts.

Rules, in order:

- The text is read after NFKC normalisation, so 「３５２人」 and 「１，２３４人」 are 352 and 1234.
- A number counts when the indicator's unit follows it, directly or after spaces: 「352人」 for 人,
  「4日間」 for 日. A few units are written in more than one way on the sheets and are read as the
  same (``UNIT_SPELLINGS``): 人 and 名, 所 and か所, 区市町村 and 区市町. An indicator without a unit
  takes a number followed by no unit at all (a blank, punctuation or the end of the line).
- A number that is part of a date or a code (「R1.7.23」, 「H31.1.31」, a number glued to letters)
  is not a figure; a thousands separator is only one between groups of three digits.
- Each value is offered once, in the order the narrative states it, at most ``SUGGESTIONS_MAX``.

Example (第7期 2（1）事項1, 平成30年度): 「・修了者352人（募集規模360人）」, unit 人 → 352, 360.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from programs.quantities import format_quantity

SUGGESTIONS_MAX = 5
# How many characters before the number the suggestion quotes, so the administrator sees what it counted.
CONTEXT_CHARS = 10

# Units the sheets spell in more than one way; each spelling is read as the indicator's unit.
UNIT_SPELLINGS: dict[str, tuple[str, ...]] = {
    "人": ("人", "名"),
    "名": ("名", "人"),
    "所": ("か所", "ヶ所", "カ所", "箇所", "ケ所", "所"),
    "か所": ("か所", "ヶ所", "カ所", "箇所", "ケ所", "所"),
    "区市町村": ("区市町村", "区市町", "区市", "市町村"),
}

_NUMBER = re.compile(r"(?<![A-Za-z0-9.,])(?P<number>\d{1,3}(?:,\d{3})+|\d+)(?P<fraction>\.\d+)?")
_DATE_TAIL = re.compile(r"^\.\d")  # 「7.23」 after 「R1.」: a date, never a figure
# The quote starts after the last break before the number, within CONTEXT_CHARS.
_QUOTE_START = re.compile(r"[\n、。,()「」【】\[\] \u3000]")
_NO_UNIT_END = re.compile(r"^(?:\s|[、。，．,)）」』】\]・]|$)")


@dataclass(frozen=True)
class FigureSuggestion:
    value: Decimal
    quote: str  # the words the number stands in: 「修了者352人」

    @property
    def text(self) -> str:
        """Return the number as the input takes it: 「1,234」, 「12.5」."""
        return format_quantity(self.value)


def _spellings(unit: str) -> tuple[str, ...]:
    normalised = unicodedata.normalize("NFKC", unit or "").strip()
    return UNIT_SPELLINGS.get(normalised, (normalised,)) if normalised else ()


def figure_suggestions(text: str, *, unit: str) -> tuple[FigureSuggestion, ...]:
    """Return the numbers ``text`` states in ``unit`` (the rules in the module docstring)."""
    normalised = unicodedata.normalize("NFKC", text or "")
    spellings = sorted(_spellings(unit), key=len, reverse=True)
    found: dict[Decimal, FigureSuggestion] = {}
    for match in _NUMBER.finditer(normalised):
        after = normalised[match.end() :]
        if _DATE_TAIL.match(after) or (match.group("number").startswith("0") and len(match.group("number")) > 1):
            continue
        rest = after.lstrip(" \u3000")
        if spellings:
            spelled = next((spelling for spelling in spellings if rest.startswith(spelling)), None)
            if spelled is None:
                continue
            end = match.end() + (len(after) - len(rest)) + len(spelled)
        else:
            if not _NO_UNIT_END.match(after):
                continue
            end = match.end()
        value = Decimal(match.group("number").replace(",", "") + (match.group("fraction") or ""))
        if value in found:
            continue
        before = normalised[max(0, match.start() - CONTEXT_CHARS) : match.start()]
        start = match.start() - len(_QUOTE_START.split(before)[-1])
        quote = normalised[start:end].strip(" \u3000・〇○")
        found[value] = FigureSuggestion(value=value, quote=quote)
        if len(found) == SUGGESTIONS_MAX:
            break
    return tuple(found.values())


VERDICT_SENTENCES_MAX = 2
VERDICT_SENTENCE_MAX_LENGTH = 500  # what the verdict's sentence holds on the screens
# The words a sentence judging the target uses (「年１回開催するという目標は達成できている」).
_VERDICT_WORDS = ("達成", "目標")
# A sentence ends at 「。」 or where a new bullet starts; a line break inside it is the cell's wrapping.
_SENTENCE_END = re.compile(r"(?<=。)|\n(?=\s*[・〇○◯●■□※＜<【])")


def verdict_sentences(text: str) -> tuple[str, ...]:
    """Return the sentences of a self-assessment that judge the target, as written, for the verdict's 根拠.

    第7期 1 事項1, 平成30年度: 「年１回開催するという目標は達成できているが、今後以下の課題に対応していく。」.
    """
    found = []
    for sentence in _SENTENCE_END.split(text or ""):
        sentence = sentence.replace("\n", "").strip(" \u3000・")
        if sentence and any(word in sentence for word in _VERDICT_WORDS) and sentence not in found:
            found.append(sentence[:VERDICT_SENTENCE_MAX_LENGTH])
        if len(found) == VERDICT_SENTENCES_MAX:
            break
    return tuple(found)
