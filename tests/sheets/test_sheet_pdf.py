"""The sheet as the published PDF: A3 landscape, fonts embedded, text searchable (issue 14 §1)."""

import io
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from programs.models import PolicyArea
from sheets.exports import pdf as pdf_module

pytestmark = pytest.mark.django_db

# A3 is 297 × 420 mm: 841.89 × 1190.55 points.
PAGE_SIZE = re.compile(r"Page\s+(\d+) size:\s+([\d.]+) x ([\d.]+) pts")


def _poppler(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is required (apt-get install poppler-utils)")
    return path


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def _check_published_pdf(path: Path, *texts: str) -> None:
    info = _run(_poppler("pdfinfo"), str(path))
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 1
    sizes = PAGE_SIZE.findall(_run(_poppler("pdfinfo"), "-f", "1", "-l", str(pages), str(path)))
    assert len(sizes) == pages
    for page, width, height in sizes:
        assert (round(float(width)), round(float(height))) == (1191, 842), f"page {page} is not A3 landscape"

    fonts = _run(_poppler("pdffonts"), str(path)).splitlines()[2:]
    assert fonts, "no font in the PDF"
    for line in fonts:
        # columns: name type encoding emb sub uni object ID
        assert re.search(r"\s(yes)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line), f"font not embedded: {line}"

    text = _run(_poppler("pdftotext"), "-layout", str(path), "-")
    for expected in texts:
        assert expected in text, f"{expected} not found in the PDF text"


def test_export_sheet_writes_the_published_pdf(tokyo_data, soffice, tmp_path):
    output = tmp_path / "sheet8.pdf"
    call_command("export_sheet", "--plan", "第8期", "--format", "pdf", "--output", str(output), stdout=io.StringIO())

    assert output.read_bytes().startswith(b"%PDF")
    _check_published_pdf(output, "講師養成研修", "144人")


def test_every_area_starts_a_new_page(tokyo_data, soffice, tmp_path):
    output = tmp_path / "sheet7.pdf"
    call_command("export_sheet", "--plan", "第7期", "--output", str(output), stdout=io.StringIO())

    # Text wraps inside merged cells, so compare without any whitespace.
    pages = ["".join(page.split()) for page in _run(_poppler("pdftotext"), str(output), "-").split("\f")]
    areas = PolicyArea.objects.filter(plan__name="第7期", items__isnull=False).distinct().order_by("number")
    assert len([page for page in pages if page]) >= areas.count()
    # Sub-area titles (地域ケア会議, 介護予防) also occur in other areas' text; the main titles do not.
    titles = [title for title in dict.fromkeys("".join(area.title.split()) for area in areas) if len(title) >= 10]
    first_pages = [next(i for i, page in enumerate(pages) if title in page) for title in titles]
    assert len(titles) >= 7
    assert first_pages == sorted(set(first_pages)), "two areas begin on one page"


def test_the_pdf_download_is_the_same_sheet(client, manager_user, soffice, tmp_path):
    """The request only asks for the PDF; its status page then offers the file (issue 18 §7)."""
    client.force_login(manager_user)
    asked = client.get(reverse("sheets:self_evaluation_pdf"), {"plan": "第8期"})
    assert asked.status_code == 302 and asked["Location"].startswith("/jobs/")
    status = client.get(asked["Location"]).content.decode()
    download = asked["Location"] + "download/"
    assert f'href="{download}"' in status and ".pdf をダウンロードする" in status
    response = client.get(download)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    path = tmp_path / "download.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    _check_published_pdf(path, "講師養成研修", "144人")


def test_without_libreoffice_the_page_says_so_in_japanese_and_offers_the_workbook(client, manager_user, monkeypatch):
    monkeypatch.setattr(pdf_module, "converter_path", lambda: None)
    client.force_login(manager_user)

    response = client.get(reverse("sheets:self_evaluation_pdf"), {"plan": "第8期", "area": "<b>x</b>"})
    assert response.status_code == 400  # the area is read before any conversion
    response = client.get(reverse("sheets:self_evaluation_pdf"), {"plan": "第8期"})

    assert response.status_code == 503
    page = response.content.decode()
    assert "LibreOffice がありません" in page
    assert "/sheets/self-evaluation.xlsx?plan=%E7%AC%AC8%E6%9C%9F" in page


def test_export_sheet_refuses_a_format_that_does_not_match_the_file(tokyo_data, tmp_path):
    with pytest.raises(CommandError, match="拡張子"):
        call_command("export_sheet", "--plan", "第8期", "--format", "pdf", "--output", str(tmp_path / "a.xlsx"))


def test_anonymous_users_are_sent_to_log_in(client, tokyo_data):
    response = client.get(reverse("sheets:self_evaluation_pdf"), {"plan": "第8期"})
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]
