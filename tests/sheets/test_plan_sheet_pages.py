"""The sheet import's upload page (システム管理者) and the import_sheet command: preview, confirm, refusals."""

import io
import json
import os
import stat
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from programs.models import Item, PlanPeriod
from sheets.imports import upload
from sheets.plan_sheet_preview import SESSION_KEY, pending_paths
from sheets.views import PROBLEMS_SHOWN

from .helpers import rezip
from .test_hostile_workbooks import CONTENT_TYPES, EXTERNAL_LINK, MACRO, REL, WORKBOOK_RELS, _add_override
from .test_hostile_workbooks import _add_relationship as add_relationship
from .test_plan_sheet_import import _bad_cells, export_bytes, hand_typed_eighth, row_counts

UPLOAD = "sheets:plan_sheet_upload"
CONFIRM = "sheets:plan_sheet_confirm"


def _post(client, data: bytes, plan: str = "第8期（取込）", name: str = "自己評価シート.xlsx", *, confirm_overlap=True):
    # 「第8期（取込）」 shares 第8期's years: confirmed here, as the administrator does (issue 19 item 6).
    data = {"file": SimpleUploadedFile(name, data), "plan": plan, "confirm_overlap": "True" if confirm_overlap else ""}
    return client.post(reverse(UPLOAD), data)


@pytest.mark.django_db
def test_an_administrator_previews_then_confirms_and_the_period_is_created(client, admin_user):
    client.force_login(admin_user)
    page = client.get(reverse(UPLOAD))
    assert page.status_code == 200
    assert "シートから計画を作成" in page.content.decode()  # the menu entry beside 次期計画の作成
    before = row_counts()
    response = _post(client, export_bytes("第8期"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "作成するもの:" in html and "事項2" in html and "第8期様式" in html
    assert "153人（各年度）" in html and "各年度 153人" in html  # the wording and what was read from it
    assert "この内容で作成する" in html
    assert row_counts() == before  # nothing written by the preview
    token = response.context["token"]
    confirmed = client.post(reverse(CONFIRM), {"token": token})
    assert confirmed.status_code == 302
    plan = PlanPeriod.objects.get(name="第8期（取込）")
    assert Item.objects.filter(area__plan=plan).count() == Item.objects.filter(area__plan__name="第8期").count()
    assert SESSION_KEY not in client.session
    # The token is spent: a second confirm creates nothing more.
    again = client.post(reverse(CONFIRM), {"token": token}, follow=True)
    assert "取込の内容が見つかりません" in again.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("tamper", ["token", "expired", "file"])
def test_a_tampered_or_expired_confirmation_writes_nothing(client, admin_user, tamper):
    client.force_login(admin_user)
    response = _post(client, export_bytes("第8期"))
    token = response.context["token"]
    data_path, meta_path = pending_paths(token)
    if tamper == "token":
        token = token[:-2] + "xx"
    elif tamper == "expired":
        meta = json.loads(meta_path.read_text())
        meta_path.write_text(json.dumps({**meta, "kept_at": time.time() - 31 * 60}))
    else:
        data_path.write_bytes(data_path.read_bytes()[:-8] + b"AAAAAAAA")
    before = row_counts()
    confirmed = client.post(reverse(CONFIRM), {"token": token}, follow=True)
    assert "何も作成していません" in confirmed.content.decode()
    assert row_counts() == before
    assert not PlanPeriod.objects.filter(name="第8期（取込）").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["staff_user", "manager_user"])
def test_staff_and_managers_get_403(client, role, request):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse(UPLOAD)).status_code == 403
    assert _post(client, b"PK").status_code == 403
    assert client.post(reverse(CONFIRM), {"token": "x"}).status_code == 403


@pytest.mark.django_db
def test_bad_cells_are_listed_with_their_place_and_no_confirm_is_offered(client, admin_user, vision_text):
    client.force_login(admin_user)
    before = row_counts()
    response = _post(client, hand_typed_eighth(vision_text, edit=_bad_cells), plan="第10期")
    html = response.content.decode()
    assert response.status_code == 400
    for place in ("自己評価シート!E6", "自己評価シート!F8", "自己評価シート!N10", "自己評価シート!H6"):
        assert place in html
    assert "この内容で作成する" not in html
    assert SESSION_KEY not in client.session
    assert row_counts() == before


def _zip_bomb(data: bytes) -> bytes:
    return rezip(data, add={"xl/media/zeros.xml": b"<a>" + b"0" * (3 * 1024 * 1024) + b"</a>"})


HOSTILE = {
    "oversize": (lambda d: d + b"\0" * (upload.MAX_UPLOAD_BYTES + 1), "ファイルが大きすぎます"),
    "zip_bomb": (_zip_bomb, "圧縮爆弾"),
    "macro": (
        lambda d: rezip(
            d,
            add={"xl/code.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 200},
            edit={
                CONTENT_TYPES: _add_override("xl/code.bin", MACRO),
                WORKBOOK_RELS: add_relationship(
                    "http://schemas.microsoft.com/office/2006/relationships/vbaProject", "code.bin"
                ),
            },
        ),
        "マクロを含むブック",
    ),
    "external_link": (
        lambda d: rezip(
            d,
            add={
                "xl/links/el1.xml": '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
                "xl/links/_rels/el1.xml.rels": (
                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    f'<Relationship Id="rId1" Type="{REL}/externalLinkPath" Target="file:///C:/secret.xlsx" '
                    'TargetMode="External"/></Relationships>'
                ),
            },
            edit={
                CONTENT_TYPES: _add_override("xl/links/el1.xml", EXTERNAL_LINK),
                WORKBOOK_RELS: add_relationship(f"{REL}/externalLink", "links/el1.xml"),
            },
        ),
        "外部のブックやファイルへのリンク",
    ),
    "not_a_workbook": (lambda d: b"not a zip at all", "Excel ブック（.xlsx）ではありません"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_the_entry_imports_defences_refuse_a_hostile_file_and_nothing_is_written(client, admin_user, case):
    client.force_login(admin_user)
    make, fragment = HOSTILE[case]
    data = make(export_bytes("第8期"))
    before = row_counts()
    response = _post(client, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert fragment in html
    assert "この内容で作成する" not in html
    assert row_counts() == before


def test_the_zip_bomb_case_is_a_bomb_by_the_upload_rule():
    data = _zip_bomb(_minimal_xlsx())
    member = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/media/zeros.xml")
    assert member.file_size / member.compress_size > upload.MAX_MEMBER_RATIO


def _minimal_xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


# -- The command -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_dry_run_prints_the_preview_and_writes_nothing(tokyo_data, tmp_path):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(export_bytes("第8期"))
    before = row_counts()
    out = io.StringIO()
    call_command("import_sheet", str(path), plan="第8期（取込）", dry_run=True, stdout=out)
    printed = out.getvalue()
    assert "何も書き込みません" in printed
    assert "■ 7 地域ケア会議の推進" in printed
    assert "「153人（各年度）」→ 各年度 153人" in printed
    assert row_counts() == before


@pytest.mark.django_db
def test_the_command_creates_the_period_and_refuses_a_period_with_items(tokyo_data, tmp_path):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(export_bytes("第7期"))
    out = io.StringIO()
    call_command("import_sheet", str(path), plan="第7期（取込）", stdout=out)
    assert "作成しました" in out.getvalue()
    plan = PlanPeriod.objects.get(name="第7期（取込）")
    assert Item.objects.filter(area__plan=plan).count() == Item.objects.filter(area__plan__name="第7期").count()
    before = row_counts()
    with pytest.raises(CommandError, match="すでに事項が登録されている"):
        call_command("import_sheet", str(path), plan="第7期（取込）", stdout=io.StringIO())
    assert row_counts() == before


@pytest.mark.django_db
def test_the_command_names_every_bad_cell_and_writes_nothing(vision_text, tmp_path):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(hand_typed_eighth(vision_text, edit=_bad_cells))
    before = row_counts()
    with pytest.raises(CommandError) as raised:
        call_command("import_sheet", str(path), plan="第10期", stdout=io.StringIO())
    assert "自己評価シート!E6" in str(raised.value) and "数式" in str(raised.value)
    assert row_counts() == before
    with pytest.raises(CommandError, match="見つかりません"):
        call_command("import_sheet", str(tmp_path / "none.xlsx"), plan="第10期")


def _huge_figures(sheet):
    sheet["D4"] = "事項99999\n講師を育成する研修を実施"  # beyond the item number's 32767
    sheet["F4"] = "12345678901234567890人"  # a 20-digit 実績: more than 12 whole digits
    sheet["E8"] = "600.125人(総論編) 180人(実践編)"  # three decimals in a target


@pytest.mark.django_db
def test_figures_the_database_cannot_hold_are_problems_in_the_preview_not_a_refusal_at_confirm(
    client, admin_user, vision_text
):
    """A preview that offers 「この内容で作成する」 must not be refused by the confirm that follows."""
    client.force_login(admin_user)
    response = _post(client, hand_typed_eighth(vision_text, edit=_huge_figures), plan="第10期")
    html = response.content.decode()
    assert response.status_code == 400
    assert not response.context["token"] and "この内容で作成する" not in html
    places = " ".join(f"{p.place} {p.message}" for p in response.context["problems"])
    assert "自己評価シート 4行目" in places and "99999" in places  # the item number, at the item's row
    assert "12345678901234567890" in places  # the 実績
    assert "自己評価シート 8行目" in places and "600.125" in places  # the target


@pytest.mark.django_db
def test_a_period_number_beyond_what_the_database_holds_takes_the_next_free_number(client, admin_user):
    client.force_login(admin_user)
    response = _post(client, export_bytes("第8期"), plan="第99999期")
    assert response.status_code == 200
    client.post(reverse(CONFIRM), {"token": response.context["token"]})
    plan = PlanPeriod.objects.get(name="第99999期")  # created, on SQLite and on PostgreSQL alike
    assert plan.ordinal == max(PlanPeriod.objects.exclude(pk=plan.pk).values_list("ordinal", flat=True)) + 1


@pytest.mark.django_db
def test_a_period_another_administrator_creates_meanwhile_is_refused_with_a_message_not_a_500(
    client, admin_user, monkeypatch
):
    """Two administrators confirm 「第10期」 at once: the one whose insert comes second is told, nothing is written."""
    # The number is picked by the one period writer (evaluations.services.ordinal_for), after its checks.
    from evaluations import services

    client.force_login(admin_user)
    response = _post(client, export_bytes("第8期"), plan="第10期")
    real_ordinal_for = services.ordinal_for

    def meanwhile(name):  # the other administrator's period commits between the check and the insert
        PlanPeriod.objects.create(name=name, ordinal=40, first_fiscal_year=2021, last_fiscal_year=2023)
        return real_ordinal_for(name)

    monkeypatch.setattr(services, "ordinal_for", meanwhile)
    confirmed = client.post(reverse(CONFIRM), {"token": response.context["token"]}, follow=True)
    assert confirmed.status_code == 200
    assert "何も作成していません" in confirmed.content.decode()
    assert "第10期" in confirmed.content.decode()
    assert not PlanPeriod.objects.filter(name="第10期").exists()  # the other's, rolled back with ours in this test


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["第７期", "第 7 期", "第８期"])
def test_a_name_that_only_differs_in_width_or_spaces_from_an_existing_period_is_refused(client, admin_user, typed):
    """A careless 「第７期」 (full-width ７) must not create a second 第7期 beside the real one."""
    client.force_login(admin_user)
    before = PlanPeriod.objects.count()
    response = _post(client, export_bytes("第8期"), plan=typed)
    # The name is checked first, at its own field (issue 19 item 6); the file is kept for the corrected name.
    assert response.status_code == 400 and "token" not in response.context
    assert "紛らわしい" in " ".join(response.context["form"].errors["plan"])
    assert response.context["kept_token"]
    assert PlanPeriod.objects.count() == before


@pytest.mark.django_db
def test_a_stale_tab_confirming_an_older_preview_does_not_throw_away_the_newer_one(client, admin_user):
    """Tab 1 previews, tab 2 previews another name; tab 1's confirm is refused, tab 2's still creates its period."""
    client.force_login(admin_user)
    older = _post(client, export_bytes("第8期"), plan="第10期").context["token"]
    newer = _post(client, export_bytes("第8期"), plan="第11期").context["token"]

    stale = client.post(reverse(CONFIRM), {"token": older}, follow=True)
    assert "取込の内容が見つかりません" in stale.content.decode()
    assert not PlanPeriod.objects.filter(name__in=["第10期", "第11期"]).exists()

    client.post(reverse(CONFIRM), {"token": newer})
    assert PlanPeriod.objects.filter(name="第11期").exists()
    assert not PlanPeriod.objects.filter(name="第10期").exists()


# -- The pending upload lives on disk, not in the session (issue 18 §8) ---------------------------


@pytest.mark.django_db
def test_the_previewed_upload_is_a_private_file_not_a_copy_in_the_session(client, admin_user, settings):
    """A 5 MB upload in the database session made every later request of that admin 77× slower."""
    client.force_login(admin_user)
    data = export_bytes("第8期")
    token = _post(client, data).context["token"]
    session_size = len(client.session.encode(dict(client.session.items())))
    assert session_size < 1000  # the token only, whatever the file's size
    data_path, meta_path = pending_paths(token)
    assert data_path.read_bytes() == data
    assert token not in data_path.name  # the file is named by the token's hash
    assert stat.S_IMODE(os.stat(settings.PENDING_UPLOAD_ROOT).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(data_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(meta_path).st_mode) == 0o600
    client.post(reverse(CONFIRM), {"token": token})
    assert PlanPeriod.objects.filter(name="第8期（取込）").exists()
    assert not data_path.exists() and not meta_path.exists()  # deleted on confirm
    assert list(settings.PENDING_UPLOAD_ROOT.iterdir()) == []


@pytest.mark.django_db
def test_another_administrator_cannot_confirm_an_upload_with_its_token(client, admin_user):
    """The token is bound to the uploader: another admin holding it (and even the session pointer) gets nothing."""
    from .conftest import _user

    client.force_login(admin_user)
    token = _post(client, export_bytes("第8期")).context["token"]
    other = _user("other-admin", None, superuser=True)
    client.force_login(other)
    session = client.session
    session[SESSION_KEY] = {"token": token}
    session.save()
    before = row_counts()
    confirmed = client.post(reverse(CONFIRM), {"token": token}, follow=True)
    assert "何も作成していません" in confirmed.content.decode()
    assert row_counts() == before
    assert not any(path.exists() for path in pending_paths(token))


@pytest.mark.django_db
def test_sweep_uploads_deletes_expired_pending_uploads_and_keeps_fresh_ones(client, admin_user, settings):
    client.force_login(admin_user)
    old = _post(client, export_bytes("第8期"), plan="第10期").context["token"]
    client.logout()
    client.force_login(admin_user)
    fresh = _post(client, export_bytes("第8期"), plan="第11期").context["token"]
    long_ago = time.time() - settings.PENDING_UPLOAD_MAX_AGE_SECONDS - 60
    for path in pending_paths(old):
        os.utime(path, (long_ago, long_ago))
    out = io.StringIO()
    call_command("sweep_uploads", stdout=out)
    assert not any(path.exists() for path in pending_paths(old))
    assert all(path.exists() for path in pending_paths(fresh))
    assert "2" in out.getvalue()


@pytest.mark.django_db
def test_a_confirm_the_worker_has_not_run_yet_shows_the_status_page_then_the_outcome(client, admin_user, settings):
    """A 2,000-item sheet takes a minute to create: the confirm only queues it; the worker creates the period."""
    from jobs.models import Job
    from jobs.services import job_input_path
    from sheets.tasks import plan_sheet_import_job

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client.force_login(admin_user)
    token = _post(client, export_bytes("第8期")).context["token"]
    confirmed = client.post(reverse(CONFIRM), {"token": token})
    job = Job.objects.get()
    assert confirmed["Location"] == reverse("jobs:status", args=[job.pk])
    assert not PlanPeriod.objects.filter(name="第8期（取込）").exists()  # not in the request
    assert not any(path.exists() for path in pending_paths(token))  # moved to the job
    assert stat.S_IMODE(os.stat(job_input_path(job)).st_mode) == 0o600
    assert "順番待ち" in client.get(confirmed["Location"]).content.decode()

    assert plan_sheet_import_job.call(str(job.pk)) == Job.Status.DONE  # what db_worker does

    plan = PlanPeriod.objects.get(name="第8期（取込）")
    page = client.get(confirmed["Location"]).content.decode()
    assert "第8期（取込）（令和3年度～令和5年度）を自己評価シートから作成しました" in page
    assert "/?plan=" in page  # the link to the new period's dashboard
    assert not job_input_path(job).exists()  # the input goes once used
    assert Item.objects.filter(area__plan=plan).exists()
    assert plan_sheet_import_job.call(str(job.pk)) == "skipped"  # a task delivered twice runs once


def _stray_cells(rows: int, columns: int) -> bytes:
    """The exported 第8期 sheet with a short text in every cell right of the layout: one problem each."""
    workbook = load_workbook(io.BytesIO(export_bytes("第8期")))
    sheet = workbook.worksheets[0]
    first = sheet.max_column + 2
    for row in range(6, 6 + rows):
        for column in range(first, first + columns):
            sheet.cell(row=row, column=column, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_sheet_with_thousands_of_bad_cells_lists_the_first_ones_and_counts_the_rest(client, admin_user):
    # Red team, production mode: a 494 KB workbook with a letter in each of 215,000 cells the layout
    # does not use answered a 30 MB page listing every one, after 41 s and +240 MB in the web worker.
    client.force_login(admin_user)
    before = row_counts()
    response = _post(client, _stray_cells(rows=300, columns=40), plan="第10期")
    html = response.content.decode()
    assert response.status_code == 400
    assert "取り込めない欄（12000件）" in html
    assert html.count('<tr><td data-label="シート">自己評価シート</td>') == PROBLEMS_SHOWN
    assert f"最初の{PROBLEMS_SHOWN}件を表示しています（ほか{12000 - PROBLEMS_SHOWN}件）" in html
    assert len(response.content) < 200_000
    assert "この内容で作成する" not in html
    assert SESSION_KEY not in client.session
    assert row_counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize("invisible", ["\u200b", "\u00ad", "\u2060", "\ufeff", "\u200e", "\u202e"])
def test_a_name_that_reads_as_an_existing_period_with_an_invisible_character_is_refused(client, admin_user, invisible):
    # Red team, production mode: 「第8期」 followed by a zero-width space (or a soft hyphen, a word
    # joiner, a BOM, a direction mark) was offered 「この内容で作成する」 beside the real 第8期.
    client.force_login(admin_user)
    before = row_counts()
    response = _post(client, export_bytes("第8期"), plan=f"第8{invisible}期")
    assert response.status_code == 400 and not response.context.get("token")
    assert response.context["form"].errors["plan"]
    assert "この内容で作成する" not in response.content.decode()
    assert row_counts() == before
