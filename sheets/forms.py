import hashlib
import re

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from programs.control_characters import QueryTextField
from programs.fiscal_years import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, FiscalYearError, parse_fiscal_year
from programs.models import PlanPeriod, Section, SheetLayout
from programs.periods import NAME_MAX_LENGTH
from programs.sheet_layouts import PER_YEAR_SOURCES, Source

from .imports.entry import entry_read
from .imports.mapping import ERROR_NO_HEADINGS, HEADER_SEARCH_ROWS, SheetHeadings, mapped_layout, sheet_headings
from .imports.plan_sheet import PlanSheetRows, plan_sheet_parse, plan_sheet_read
from .imports.upload import MAX_UPLOAD_BYTES, UploadRejected, read_upload
from .services import Owners, area_key, item_key, plan_sheet_name_problems, sheet_layout_name_problem


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="入力済みの入力用ブック（.xlsx）",
        help_text=(
            f"上限 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB。"
            "ダウンロードした入力用ブックに入力して保存したものを選んでください。"
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )

    def clean_file(self):
        """Read the upload into the template's rows; any file that cannot be read is a form error."""
        upload = self.cleaned_data["file"]
        try:
            data = read_upload(upload, name=upload.name, size=upload.size)
            self.rows = entry_read(data)
        except UploadRejected as error:
            raise forms.ValidationError(str(error), code="rejected") from error
        self.digest = hashlib.sha256(data).hexdigest()
        return upload


ERROR_FILE_REQUIRED = "自己評価シートのファイルを選んでください。"
CONFIRM_OVERLAP_LABEL = "既存の計画期間と年度が重なることを確認しました（このまま作成します）"


class PlanSheetUploadForm(forms.Form):
    """Upload a prefecture's own self-evaluation sheet and name the period it sets up (システム管理者).

    The name comes first and is checked by the period rule before the file is read. ``kept`` is
    the file of an earlier attempt refused only for its name or an unconfirmed overlap: it stands
    in for the file, so the administrator corrects the name without choosing the file again.
    """

    plan = forms.CharField(label="作成する計画期間の名称", max_length=NAME_MAX_LENGTH, help_text="例: 第9期")
    file = forms.FileField(
        label="自己評価シート（.xlsx）",
        required=False,
        help_text=(
            f"上限 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB。このアプリで出力した自己評価シート、"
            "または都道府県が公表している様式で作成したシート（１枚に全ページ、またはページごとに１シート）を選んでください。"
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
    first_year = forms.IntegerField(
        label="最初の年度（西暦・任意）",
        required=False,
        min_value=FIRST_FISCAL_YEAR,
        max_value=LAST_FISCAL_YEAR,
        help_text="空欄ならシートの年度の見出し（令和３年度など）から読み取ります。",
    )
    layout = forms.ChoiceField(
        label="シート様式（任意）",
        required=False,
        help_text="空欄なら見出しの行から判別します。",
    )
    confirm_overlap = forms.BooleanField(label=CONFIRM_OVERLAP_LABEL, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, kept=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept = kept
        names = SheetLayout.objects.order_by("name").values_list("name", flat=True)
        self.fields["layout"].choices = [("", "見出しから判別する"), *((name, name) for name in names)]
        if kept is not None:
            self.fields[
                "file"
            ].help_text = (
                f"「{kept.file_name}」を使います（選び直す必要はありません）。別のファイルを選ぶとそちらを使います。"
            )

    def clean_plan(self):
        """Refuse a name no sheet can make acceptable before the file is read (the one period rule)."""
        plan = self.cleaned_data["plan"]
        problems = plan_sheet_name_problems(plan_name=plan)
        if problems:
            raise forms.ValidationError(problems, code="name")
        return plan

    def clean_file(self):
        """Read the upload within bounds, or the kept file; any file that cannot be read is a form error."""
        upload = self.cleaned_data.get("file")
        if upload:
            name = upload.name
            try:
                self.data_bytes = read_upload(upload, name=upload.name, size=upload.size)
            except UploadRejected as error:
                raise forms.ValidationError(str(error), code="rejected") from error
        elif self.kept is not None:
            name, self.data_bytes = self.kept.file_name, self.kept.data
        else:
            raise forms.ValidationError(ERROR_FILE_REQUIRED, code="required")
        try:
            self.rows = plan_sheet_read(self.data_bytes)
        except UploadRejected as error:
            raise forms.ValidationError(str(error), code="rejected") from error
        self.digest = hashlib.sha256(self.data_bytes).hexdigest()
        self.file_name = name
        return upload


class PlanNameCheckForm(forms.Form):
    """The name typed on the upload page, asked about before any file is sent (its rule: the period rule)."""

    plan = forms.CharField(required=False, strip=False, max_length=100)


# -- The downloads' query string ------------------------------------------------------------

ERROR_AREA_NOT_NUMBER = "取組分野（area）は数値で指定してください。"
ERROR_ITEM_NOT_NUMBER = "事項（item）は数値で指定してください。"
# The largest id a lookup may carry (PostgreSQL's bigint); a longer number is refused, not sent.
ID_MAX = 2**63 - 1


class IdListField(forms.Field):
    """Repeated ids in the query string (``?item=3&item=5``): each a positive whole number."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": ERROR_ITEM_NOT_NUMBER}

    def to_python(self, value) -> set[int]:
        ids = set()
        for text in value or []:
            # isascii first: "²".isdigit() is true and int("²") fails.
            if not (text.isascii() and text.isdigit() and 1 <= int(text) <= ID_MAX):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            ids.add(int(text))
        return ids


class DownloadQueryForm(forms.Form):
    """Read the plan, area, items and fiscal year of a workbook or PDF download from the query string.

    Every value reaches a lookup, so each is checked here first (no control characters, ids as
    bounded whole numbers); a refusal is the Japanese 400 page, never a 500.
    """

    plan = QueryTextField(max_length=PlanPeriod._meta.get_field("name").max_length)
    area = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=ID_MAX,
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), ERROR_AREA_NOT_NUMBER),
    )
    item = IdListField(required=False)
    fiscal_year = QueryTextField()

    @property
    def error_message(self) -> str:
        """Return the Japanese reason for the 400 page (the first field's first error)."""
        return next(iter(self.errors.values()))[0]


class EntryTemplateQueryForm(DownloadQueryForm):
    """The entry workbook's query: a plan and one fiscal year, read as 令和6 or 2024."""

    def clean_fiscal_year(self) -> int:
        try:
            return parse_fiscal_year(self.cleaned_data["fiscal_year"])
        except FiscalYearError as error:
            raise forms.ValidationError(str(error)) from None


# -- Mapping an unknown layout and choosing the owners (issue 19 items 3 and 5) -------------------

UNUSED_LABEL = "使わない"
ERROR_COLUMN_OUT_OF_RANGE = "シートにない列（{columns}）の指定が送られました。画面を開き直して選び直してください。"
ERROR_CHOICE = "選べない内容です。一覧から選んでください。"
ERROR_SECTION_CHOICE = "担当課が見つかりません。一覧から選んでください。"
ERROR_MAPPING_UNREAD = (
    "この対応づけではシートの見出しを読み取れません（{reason}）。見出しの行と選んだ内容を確かめてください。"
)
MAPPING_TRIAL = "（対応づけ中の様式）"
_COLUMN_FIELD = re.compile(r"^column_(.*)$")


def mapping_choices(*, yearly: bool) -> list[tuple[str, str]]:
    """Return the fields a column may hold: the yearly ones under a year heading, the others elsewhere."""
    sources = [(value, label) for value, label in Source.choices if value != Source.UNUSED]
    if yearly:
        return [(value, label) for value, label in sources if value in PER_YEAR_SOURCES]
    return [
        (Source.UNUSED.value, UNUSED_LABEL),
        *((value, label) for value, label in sources if value not in PER_YEAR_SOURCES),
    ]


class LayoutMappingForm(forms.Form):
    """Name a new layout and choose, per column of the uploaded sheet, what it holds (システム管理者)."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=100)
    # Checked whole by the layout name rule (sheet_layout_name_problem): a NUL, an empty name and a taken
    # one get its Japanese message, not Django's generic ones.
    name = forms.CharField(
        label="様式の名称",
        max_length=200,
        required=False,
        strip=False,
        help_text="例: 〇〇県第9期様式。次回から、同じ見出しのシートはこの様式として自動で判別します。",
    )

    def __init__(self, read: PlanSheetRows, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.headings: SheetHeadings | None = sheet_headings(read.sheet) if read.sheet else None
        self.read = read
        headings = self.headings
        self.fields["name"].validators = [
            v for v in self.fields["name"].validators if not isinstance(v, ProhibitNullCharactersValidator)
        ]
        for column in headings.columns if headings else ():
            label = f"{column.letter}列「{column.shown}」" + (f"（{column.year}）" if column.year else "")
            self.fields[f"column_{column.column}"] = forms.ChoiceField(
                label=label,
                choices=mapping_choices(yearly=bool(column.year)),
                initial=_guess(column),
                error_messages={"invalid_choice": ERROR_CHOICE, "required": ERROR_CHOICE},
            )

    @property
    def no_headings(self) -> str:
        """Return why nothing can be mapped (no header row found), or ""."""
        return "" if self.headings else ERROR_NO_HEADINGS.format(rows=HEADER_SEARCH_ROWS)

    @property
    def column_fields(self):
        return [self[f"column_{c.column}"] for c in self.headings.columns] if self.headings else []

    def clean_name(self):
        name = self.cleaned_data["name"]
        if message := sheet_layout_name_problem(name):
            raise forms.ValidationError(message)
        return name.strip()

    def clean(self):
        cleaned = super().clean()
        if self.headings is None:
            raise forms.ValidationError(ERROR_NO_HEADINGS.format(rows=HEADER_SEARCH_ROWS))
        known = {f"column_{c.column}" for c in self.headings.columns}
        forged = sorted(key for key in self.data if _COLUMN_FIELD.match(key) and key not in known)
        if forged:
            columns = "、".join(key.removeprefix("column_")[:10] for key in forged[:5])
            raise forms.ValidationError(ERROR_COLUMN_OUT_OF_RANGE.format(columns=columns))
        if self.errors:
            return cleaned
        choices = {c.column: cleaned[f"column_{c.column}"] for c in self.headings.columns}
        mapped = mapped_layout(self.headings, choices)
        if mapped.errors:
            raise forms.ValidationError(list(mapped.errors))
        # Kept only if the reader finds the headings again with it: what recognises the next workbook.
        draft = plan_sheet_parse(self.read, layouts={MAPPING_TRIAL: mapped.spec})
        if draft.layout_name != MAPPING_TRIAL:
            reason = draft.problems[0].message if draft.problems else "見出しの行が見つかりません"
            raise forms.ValidationError(ERROR_MAPPING_UNREAD.format(reason=reason))
        # A column the reader places otherwise than the screen showed it: the layout would not fit the sheet.
        trial = f"様式「{MAPPING_TRIAL}」"
        misfits = [
            f"{p.place}: {p.message.replace(trial, 'この対応づけ')}" for p in draft.problems if trial in p.message
        ]
        if misfits:
            raise forms.ValidationError([ERROR_MAPPING_UNREAD.format(reason=m) for m in misfits[:5]])
        self.spec = mapped.spec
        return cleaned


_GUESSES = (
    ("参考資料", Source.REFERENCE),
    ("現状", Source.BACKGROUND),
    ("課題", Source.BACKGROUND),
    ("指標", Source.OUTCOME_INDICATOR),
    ("ビジョン", Source.ITEM_VISION),
    ("目標", Source.TARGET),
    ("事項", Source.ITEM),
    ("取組", Source.ITEM),
)
_YEARLY_GUESSES = (
    ("評定", Source.RATING),
    ("評価", Source.ASSESSMENT),
    ("実績", Source.ACTUAL),
    ("取組", Source.ACTIVITIES),
)


def _guess(column) -> str:
    """Return a first suggestion for a column from its heading; the administrator confirms or changes it."""
    text = column.shown
    for word, source in _YEARLY_GUESSES if column.year else _GUESSES:
        if word in text:
            return source.value
    return Source.ACTUAL.value if column.year else Source.UNUSED.value


_OWNER_FIELD = re.compile(r"^(area_[0-9]{1,5}(-[0-9]{1,5})?|item_[0-9]{1,5}(-[0-9]{1,5})?/[0-9]{1,5})$")
MAX_OWNER_FIELDS = 5000
MAX_ITEM_OWNER_CHOICES = 300  # beyond it, owners are chosen per area (then per item in 管理画面)


class PlanSheetOwnersForm(forms.Form):
    """Choose the 担当課 of the imported items: one for the whole import, overridden per area or item.

    The sections are read once (one query) and offered as plain choices, so a 60-item preview
    renders without a query per select; an id not among them (a forged POST) is refused.
    """

    def __init__(self, draft, *args, unowned: bool | None = None, **kwargs):
        """Offer a select per area and item of ``draft``; without one (the confirm), check what was posted.

        The default is required where sections exist and an item has none of its own (a sheet typed
        by hand; an export's items carry theirs): ``unowned`` says so for the confirm, which has no draft.
        """
        super().__init__(*args, **kwargs)
        sections = [(str(pk), name) for pk, name in Section.objects.order_by("order", "name").values_list("pk", "name")]
        self.has_sections = bool(sections)
        if unowned is None:
            names = {name for _, name in sections}
            unowned = any(item.section not in names for item in draft.items) if draft is not None else True
        self.unowned = unowned
        messages = {"invalid_choice": ERROR_SECTION_CHOICE}
        self.fields["default"] = forms.ChoiceField(
            label="担当課（取り込む事項すべての既定）",
            choices=[("", "選んでください" if unowned else "シートの担当課のまま"), *sections],
            required=self.has_sections and unowned,
            error_messages={**messages, "required": "担当課を選んでください。"},
        )
        self.rows = []
        # One select per item up to a limit: Django refuses a POST of more than 1,000 fields.
        self.per_item = draft is None or len(draft.items) <= MAX_ITEM_OWNER_CHOICES
        if draft is None:
            self._posted_fields(sections, messages)
            return
        for area in draft.areas:
            name = f"area_{area_key(area)}"
            self.fields[name] = forms.ChoiceField(
                label=f"分野 {area.label}",
                choices=[("", "既定の担当課"), *sections],
                required=False,
                error_messages=messages,
            )
            items = []
            for item in area.items if self.per_item else ():
                item_name = f"item_{item_key(area, item)}"
                self.fields[item_name] = forms.ChoiceField(
                    label=f"{item.label} {item.short_title}",
                    choices=[("", "分野の担当課"), *sections],
                    required=False,
                    error_messages=messages,
                )
                items.append(self[item_name])
            self.rows.append((self[name], items))

    def _posted_fields(self, sections, messages) -> None:
        """Check each posted area and item choice (the preview wrote them) without reading the sheet again."""
        keys = [key for key in self.data if _OWNER_FIELD.match(key)][:MAX_OWNER_FIELDS]
        for key in keys:
            self.fields[key] = forms.ChoiceField(choices=[("", ""), *sections], required=False, error_messages=messages)

    def owners(self) -> Owners:
        data = self.cleaned_data

        def chosen(prefix: str) -> dict[str, int]:
            return {n.removeprefix(prefix): int(v) for n, v in data.items() if n.startswith(prefix) and v}

        return Owners(
            default=int(data["default"]) if data.get("default") else None, areas=chosen("area_"), items=chosen("item_")
        )
