import hashlib

from django import forms

from .imports.entry import entry_read
from .imports.upload import MAX_UPLOAD_BYTES, UploadRejected, read_upload


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
