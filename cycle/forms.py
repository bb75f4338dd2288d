import unicodedata

from django import forms
from django.conf import settings

from programs.fiscal_years import fiscal_year_choices

from .file_types import format_size
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


class CommentForm(forms.Form):
    """A remark for an item-year's thread; the year is one of the item's plan years."""

    fiscal_year = forms.TypedChoiceField(label="年度", coerce=int)
    body = forms.CharField(label="コメント", max_length=Comment.BODY_MAX_LENGTH, strip=False, widget=forms.Textarea)
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, fiscal_years, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fiscal_year"].choices = fiscal_year_choices(fiscal_years)


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
