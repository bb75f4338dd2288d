import hashlib

from django import forms

from programs.control_characters import QueryTextField
from programs.fiscal_years import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, FiscalYearError, parse_fiscal_year
from programs.models import PlanPeriod, SheetLayout
from programs.periods import NAME_MAX_LENGTH

from .imports.entry import entry_read
from .imports.plan_sheet import plan_sheet_read
from .imports.upload import MAX_UPLOAD_BYTES, UploadRejected, read_upload
from .services import plan_sheet_name_problems


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
