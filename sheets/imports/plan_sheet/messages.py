"""The plan sheet import's limits, Japanese messages and the patterns its cells are read by."""

import re

from evaluations.models import SelfEvaluation
from programs.models import Item

MAX_TEXT = 4000
NARRATIVE_MAX_LENGTH = SelfEvaluation.NARRATIVE_MAX_LENGTH
FIELD_SELF_ASSESSMENT = SelfEvaluation._meta.get_field("self_assessment").verbose_name
FIELD_NEXT_STEPS = SelfEvaluation._meta.get_field("next_steps").verbose_name
# The 参考資料 cell is stored whole in Item.reference: one limit, the model's, so the export's own cell
# (the stored text and the 別紙 titles it appends) is read back as written.
REFERENCE_MAX_LENGTH = Item._meta.get_field("reference").max_length
HEADER_SEARCH_ROWS = 12
# A heading is short: longer cells are never compared with the layout's headings (a page's text is).
MAX_HEADING_LENGTH = 100

ERROR_NO_SHEET = "ブックにシートがありません。"
ERROR_LAYOUT_UNKNOWN = (
    "見出しの行から様式を判別できませんでした（{layouts}のどれとも一致しません）。"
    "見出しを様式どおりにするか、様式を指定してください。"
)
ERROR_LAYOUT_NAMED_UNKNOWN = "様式「{name}」が見つかりません。"
ERROR_NO_YEARS = "年度の見出し（例: 令和３年度）が見つかりません。"
ERROR_YEAR_HEADING = "年度の見出し「{text}」を読み取れません（例: 令和３年度、30年度、R3）。"
ERROR_YEARS_NOT_CONSECUTIVE = "年度の見出しが連続していません（{years}）。"
ERROR_COLUMN_MISSING = (
    "様式「{layout}」の列「{heading}」{year}が見つかりません。見出しの行にこの見出しの列を入れてください"
    "（空の列でもかまいません）。"
)
ERROR_COLUMN_UNKNOWN = (
    "見出し「{heading}」は様式「{layout}」にない列です（この列は読みません）。"
    "様式の見出しに直すか、列ごと削除してください。"
)
ERROR_FORMULA = "数式は取り込めません。値（文字）を入力してください。"
ERROR_NO_AREA_ABOVE = (
    "この欄より上に分野の見出しの行（例:「１　保険者による地域分析…」）がないため、どの分野の欄か分かりません。"
    "分野の見出しを１つのセルに書いた行を、この欄より上に入れてください。"
)
ERROR_NO_ITEM_ON_ROW = (
    "「{heading}」の欄ですが、この行にもこの行を含む結合セルにも事項（「事項１」など）がないため、どの事項の欄か分かりません。"
    "事項の行に移すか、事項の欄を結合してこの行まで広げてください。"
)
ERROR_NO_COLUMN = (
    "この列には様式「{layout}」の見出しがないため、どの欄か分かりません（読み取った文字:「{text}」）。"
    "見出しのある列に移すか、不要なら消してください。"
)
ERROR_HEADING_ROW_WITH_CELLS = (
    "この行は分野の見出し（「{heading}」）として読みましたが、同じ行のほかの列にも文字があります。"
    "見出しの行には見出しだけを書き、ほかの欄は事項の行に入れてください。"
)
ERROR_BANNER = (
    "この行（「{text}」）は横に結合した１つのセルだけの行ですが、分野の見出し（例:「１　保険者による…」"
    "「【（１）地域ケア会議】」）とも、様式の表題・注記とも読めません。"
    "分野の見出しならその形に直し、表題や注記ならこの行を削除してください。"
)
ERROR_SUB_AREA_WITHOUT_PARENT = (
    "この行は小分野の見出し（「{heading}」）として読みましたが、"
    "その上に分野の見出し（例:「２　地域ケア会議…」）がありません。"
    "小分野の見出しの上に、分野の見出しの行を入れてください。"
)
ERROR_SHEET_YEARS_DIFFER = (
    "このシートの年度の見出し（{years}）が、シート「{first}」の年度（{first_years}）と違います。"
    "同じ計画期間の年度にそろえてください。"
)
REASON_NO_HEADER = "様式「{layout}」の見出しの行（「{headings}」など）がないため読みませんでした"
REASON_EMPTY = "空のシートのため読みませんでした"
REASON_NO_LAYOUT = "どの様式の見出しの行もないため読みませんでした"
ERROR_CELL_TWICE = "同じ事項の「{heading}」が２つのセルにあります。１つのセルにまとめてください（改行は使えます）。"
ERROR_AREA_TWICE = "同じ分野の「{heading}」が２か所にあります（最初の欄と違う内容です）。"
ERROR_ITEM_NUMBER_TWICE = (
    "{item}が同じ分野に２つあります。別の事項なら番号を直し、前の事項の続きの行なら"
    "事項の欄を結合して１つにしてください。"
)
ERROR_AREA_TWICE_NUMBER = (
    "この行は分野の見出し（「{label}」）として読みましたが、同じ番号の分野が別の名称ですでにあります。"
    "ページごとに繰り返した見出しなら同じ名称に、別の分野なら番号を直してください。"
)
ERROR_NO_ITEMS = "事項の行が見つかりません（「事項１」で始まる欄が必要です）。"
ERROR_TARGET_UNREAD = (
    "目標「{text}」を読み取れませんでした（{described}）。「153人（各年度）」「年１回以上」"
    "「1,350人（H30～32）」のように書き直してください。"
)
ERROR_ACTUAL_LINES = "実績の行数（{lines}行）が目標の数（{targets}）と合いません。目標ごとに１行で書いてください。"
ERROR_ACTUAL_NO_TARGET = "目標のない事項の実績は取り込めません。"
ERROR_TOO_LONG = "{limit}文字以内にしてください（{length}文字）。"
ERROR_FIELD_TOO_LONG = "「{field}」は{limit}文字以内にしてください（{length}文字）。"
ERROR_PROGRESS_HEADER = "「{sheet}」の見出し「{header}」がありません。"
ERROR_PROGRESS_ITEM = "「{sheet}」の{area} {item}が自己評価シートにありません。"
ERROR_PROGRESS_VALUE = "「{value}」を{what}として読み取れません。"
ERROR_PROGRESS_MISMATCH = (
    "この欄が「{sheet}」（取込用の列）と一致しません。どちらかを直してください（シート: 「{found}」）。"
)
ERROR_KEY = "指標キー「{key}」は英数字・ハイフン・下線で書いてください。"

# Two digits at most: 「2024年度 自己評価シート」 above the header is a title, not area 2024.
_AREA = re.compile(r"^(?P<number>\d{1,2})(?!\d)\s*(?:\((?P<sub>\d+)\))?\s*(?P<title>\S.*)$")
# A sub-area under its parent's heading, as seed 003 prints area 2: 「【（１）地域ケア会議】」.
_SUB_AREA = re.compile(r"^【\s*\((?P<sub>\d+)\)\s*(?P<title>\S.*?)\s*】$")
_ITEM = re.compile(r"^事項\s*(?P<number>\d+)\s*(?P<rest>.*)$")
# A 事項 label alone in its cell (「事項１」), beside the cell holding the item's text.
_ITEM_LABEL = re.compile(r"^事項\s*(?P<number>\d+)$")
_RELATED = re.compile(r"^\s*[（(]関連する取組[）)]")
_KEY = re.compile(r"^[-a-zA-Z0-9_]+$")
