import unicodedata

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from programs.fiscal_years import fiscal_year_choices

from . import services
from .file_types import FileRejected, format_size
from .models import Comment, DefaultReminderSchedule

ERROR_TITLE_EMPTY = "表題を入力してください（例: 別紙7-12）。"
ACCEPT = ".pdf,.xlsx,.docx,.png,.jpg,.jpeg"


class AttachmentForm(forms.Form):
    title = forms.CharField(
        label="表題",
        max_length=100,
        help_text="シートの参考資料欄に載る名前です（例: 別紙7-12）。",
    )
    file = forms.FileField(label="ファイル", allow_empty_file=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = format_size(settings.ATTACHMENT_MAX_BYTES)
        self.fields["file"].help_text = f"PDF、Excel（.xlsx）、Word（.docx）、PNG、JPEG。{limit}まで。"
        self.fields["file"].widget.attrs["accept"] = ACCEPT
        self._describe_fields()

    def add_error(self, field, error):
        # Errors may come from validation or from the service after it; either way the
        # input must point at its message for screen readers.
        super().add_error(field, error)
        self._describe_fields()

    def _describe_fields(self) -> None:
        errors = self._errors or {}
        for name, field in self.fields.items():
            described = [f"{name}-help"]
            if name in errors:
                described.append(f"{name}-error")
                field.widget.attrs["aria-invalid"] = "true"
            field.widget.attrs["aria-describedby"] = " ".join(described)

    def clean_title(self) -> str:
        # Direction overrides and invisible characters (format category Cf) would make a title
        # read differently from how it is stored (「別紙\u202e1-7」 shows as 「別紙7-1」).
        visible = "".join(char for char in self.cleaned_data["title"] if unicodedata.category(char) != "Cf")
        title = " ".join(visible.split())
        if not title:
            raise forms.ValidationError(ERROR_TITLE_EMPTY)
        return title

    def upload(self, *, item, fiscal_year: int, by):
        """Store the file as the item-year's 別紙 and return it; None (errors on the form) if refused."""
        if not self.is_valid():
            return None
        try:
            return services.attachment_upload(
                item=item,
                fiscal_year=fiscal_year,
                title=self.cleaned_data["title"],
                upload=self.cleaned_data["file"],
                by=by,
            )
        except FileRejected as error:
            self.add_error("title" if error.args[0] == services.ERROR_TITLE_TAKEN else "file", str(error))
            return None


class CommentForm(forms.Form):
    """A remark for an item-year's thread; the year is one of the item's plan years."""

    fiscal_year = forms.TypedChoiceField(label="年度", coerce=int)
    body = forms.CharField(label="コメント", max_length=Comment.BODY_MAX_LENGTH, strip=False, widget=forms.Textarea)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, fiscal_years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = fiscal_year_choices(fiscal_years)

    def post(self, *, item, by) -> str:
        """Write the remark; return "" when written, else the reasons in one line (nothing written)."""
        if not self.is_valid():
            return " ".join(error for field_errors in self.errors.values() for error in field_errors)
        try:
            services.comment_post(
                item=item, fiscal_year=self.cleaned_data["fiscal_year"], body=self.cleaned_data["body"], by=by
            )
        except ValidationError as error:
            return " ".join(error.messages)
        return ""

    def next_url(self) -> str:
        """Return the page the form was sent from, as typed (the view checks it is on this site)."""
        return self.cleaned_data.get("next", "") if self.is_valid() else self.data.get("next", "")


class DefaultReminderScheduleForm(forms.ModelForm):
    """The default schedule as the reminder screen edits it (the model validates the days)."""

    class Meta:
        model = DefaultReminderSchedule
        fields = ["days_before", "repeat_after_days", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            described = [f"{name}-help"]
            if self.is_bound and name in self.errors:
                described.append(f"{name}-error")
                field.widget.attrs["aria-invalid"] = "true"
            field.widget.attrs["aria-describedby"] = " ".join(described)
        self.fields["days_before"].widget.attrs["inputmode"] = "numeric"
