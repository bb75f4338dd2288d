"""The 評価指標 import screen (システム管理者): upload a results workbook, map its columns, import.

Step 1 reads the file and keeps its cells, as text, under a random token in a private temporary
folder (never in the session: a national file has ~100,000 rows); step 2 shows the columns with
a first guess of which holds what, and on confirmation checks every row before writing any.
"""

import json
import re
import secrets
import tempfile
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from accounts.decorators import system_admin_required
from programs.models import GrantIndicator
from programs.services import GrantImportRefused, grant_scores_import

from .imports.grant_scores import TARGETS, UploadedTable, score_lines, table_of
from .imports.upload import MAX_UPLOAD_BYTES, UploadRejected, read_upload

ERROR_EXPIRED = "読み込んだファイルの有効期限が切れました。もう一度ファイルを選んでください。"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")


def _folder() -> Path:
    folder = Path(tempfile.gettempdir()) / "kaigo_grant_import"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def _keep(table: UploadedTable, name: str) -> str:
    token = secrets.token_urlsafe(24)
    data = {"headers": table.headers, "rows": table.rows, "name": name, "kept_at": time.time()}
    (_folder() / f"{token}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return token


def _take(token: str) -> tuple[UploadedTable, str] | None:
    path = _folder() / f"{token}.json"
    if not _TOKEN.match(token or "") or not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if time.time() - data["kept_at"] > settings.PENDING_UPLOAD_MAX_AGE_SECONDS:
        path.unlink(missing_ok=True)
        return None
    table = UploadedTable(headers=tuple(data["headers"]), rows=tuple(tuple(row) for row in data["rows"]))
    return table, data["name"]


class GrantUploadForm(forms.Form):
    grant = forms.ChoiceField(label="交付金", choices=GrantIndicator.Grant.choices)
    fiscal_year = forms.IntegerField(label="年度（西暦の開始年。例: 2024）", min_value=1989, max_value=2100)
    file = forms.FileField(
        label="結果のファイル（.xlsx または .csv）",
        help_text=f"上限 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB。1行目が見出しで、区市町村×指標ごとに1行のもの。",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            data = (
                read_upload(upload, name=upload.name, size=upload.size)
                if not upload.name.lower().endswith(".csv")
                else upload.read(MAX_UPLOAD_BYTES + 1)
            )
            if len(data) > MAX_UPLOAD_BYTES:
                raise UploadRejected(f"ファイルが大きすぎます（上限 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB）。")
            self.table = table_of(data, name=upload.name)
        except UploadRejected as error:
            raise forms.ValidationError(str(error)) from error
        return upload


class GrantMappingForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=40)
    grant = forms.ChoiceField(choices=GrantIndicator.Grant.choices, widget=forms.HiddenInput)
    fiscal_year = forms.IntegerField(min_value=1989, max_value=2100, widget=forms.HiddenInput)

    def __init__(self, *args, headers: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "（使わない）")] + [(str(index), header) for index, header in enumerate(headers)]
        for key, label, required in TARGETS:
            self.fields[key] = forms.TypedChoiceField(
                label=label + ("" if required else "（任意）"),
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
            )

    def mapping(self) -> dict[str, int | None]:
        return {key: self.cleaned_data.get(key) for key, _, _ in TARGETS}


@system_admin_required
@require_http_methods(["GET", "POST"])
def grant_import(request):
    """Upload (step 1) or map and import (step 2, ``token`` posted)."""
    if request.method == "POST" and "token" in request.POST:
        return _mapping_step(request)
    form = GrantUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        token = _keep(form.table, form.cleaned_data["file"].name)
        initial = {"token": token, "grant": form.cleaned_data["grant"], "fiscal_year": form.cleaned_data["fiscal_year"]}
        mapping = GrantMappingForm(initial=initial | form.table.guess(), headers=form.table.headers)
        return _render_mapping(request, mapping, form.table, problems=[])
    return render(request, "sheets/grant_import.html", {"form": form})


def _mapping_step(request):
    kept = _take(request.POST.get("token", ""))
    if kept is None:
        messages.error(request, ERROR_EXPIRED)
        return redirect("sheets:grant_import")
    table, name = kept
    form = GrantMappingForm(request.POST, headers=table.headers)
    if not form.is_valid():
        return _render_mapping(request, form, table, problems=["指定が正しくありません。"])
    lines, problems = score_lines(table, form.mapping())
    if not problems:
        try:
            counts = grant_scores_import(
                grant=form.cleaned_data["grant"], fiscal_year=form.cleaned_data["fiscal_year"], lines=lines, source=name
            )
        except GrantImportRefused as refused:
            problems = refused.problems
    if problems:
        return _render_mapping(request, form, table, problems=problems)
    (_folder() / f"{form.cleaned_data['token']}.json").unlink(missing_ok=True)
    messages.success(
        request,
        f"評価指標の得点を取り込みました: 追加 {counts['created']:,}件、更新 {counts['updated']:,}件、"
        f"新しい指標 {counts['indicators']}件。",
    )
    year = form.cleaned_data["fiscal_year"]
    return redirect(f"{reverse('reports:grant_scores')}?grant_year={form.cleaned_data['grant']}:{year}")


def _render_mapping(request, form, table: UploadedTable, *, problems: list[str]):
    context = {"mapping": form, "headers": table.headers, "sample": table.rows[:5], "rows": len(table.rows)}
    return render(request, "sheets/grant_import.html", context | {"problems": problems})
