"""Every page, every role, in a real Chromium: axe-core finds nothing; 320 px, focus ring and paper hold.

axe-core (tests/vendor/axe.min.js, MPL-2.0) is injected into each page; our CSP forbids injected
scripts, so the browser contexts here bypass it. One live server and one login per role; the
Tokyo data is loaded once per test. Screenshots and the printed PDF go to test-artifacts/.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from programs.fiscal_years import era_date_label
from programs.models import Item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
PASSWORD = "kaigo-demo-2026"
ROLES = ("demo-staff-a", "demo-manager", "demo-admin")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
YEAR = 2022


@pytest.fixture
def demo_world(tokyo_data, settings, monkeypatch):
    settings.DEBUG = True  # demo accounts are a development-mode feature
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("create_demo_users", verbosity=0)
    call_command("load_sample_grant_scores", "--fiscal-year", "2023", verbosity=0)  # as make run does
    settings.DEBUG = False
    return Item.objects.select_related("area__plan").get(area__plan__name="第8期", area__number=7, number=1)


@pytest.fixture
def open_context(browser, browser_context_args):
    contexts = []

    def make(**overrides):
        context = browser.new_context(**{**browser_context_args, "bypass_csp": True, **overrides})
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{live_server.url}/")


def _axe(page) -> list[str]:
    """Return one line per axe-core violation on the page (empty when it passes)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map(v => `${v.id} (${v.impact}): ${v.help} -> ` +
                v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
        }""",
        AXE_TAGS,
    )
    return violations


def _pages(item) -> dict[str, str]:
    return {
        "home": "/",
        "dashboard": "/dashboard/",
        "item": f"/items/{item.id}/",
        "table": "/table/",
        "compare": "/compare/",
        "my_work": "/entry/",
        "entry": f"/entry/items/{item.id}/{YEAR}/",
        "history": f"/entry/items/{item.id}/history/",
        "import": "/sheets/import/",
        "notices": "/cycle/notices/",
        "attachments": f"/cycle/items/{item.id}/{YEAR}/attachments/",
        # issue 23: the tile map, a municipality with its 評価指標 chart, the municipalities × 分野 table
        "municipalities": "/municipalities/",
        "municipality": "/municipalities/131016/",
        "grant_scores": "/grant-scores/",
    }


def test_the_harness_reports_a_violation(live_server, open_context):
    page = open_context().new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\\'x.png\\'>')")
    assert any(line.startswith("image-alt") for line in _axe(page))


def test_axe_finds_no_violation_on_any_page_for_any_role(demo_world, live_server, open_context, artifacts_dir):
    page = open_context().new_page()
    found = {}
    page.goto(f"{live_server.url}/accounts/login/")
    found["logged out: login"] = _axe(page)
    for username in ROLES:
        _login(page, live_server, username)
        for name, path in _pages(demo_world).items():
            response = page.goto(f"{live_server.url}{path}")
            assert response.status < 500, (username, name, response.status)
            found[f"{username}: {name} ({response.status})"] = _axe(page)
        page.get_by_role("button", name="ログアウト").click()
    failures = {page_name: lines for page_name, lines in found.items() if lines}
    assert not failures, "\n".join(f"{name}\n  " + "\n  ".join(lines) for name, lines in failures.items())


def _luminance(css_colour: str) -> float:
    red, green, blue = (int(part) / 255 for part in re.findall(r"\d+", css_colour)[:3])

    def linear(channel):
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)


def contrast(first: str, second: str) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_formula_matches_wcag():
    assert round(contrast("rgb(255, 191, 71)", "rgb(255, 255, 255)"), 2) == 1.64  # the old ring
    assert round(contrast("rgb(0, 0, 0)", "rgb(255, 255, 255)"), 1) == 21.0


def _focus_ring(page, selector: str) -> tuple[str, str]:
    """Focus the element by keyboard-like focus and return (outline colour, background behind the ring)."""
    page.keyboard.press("Tab")  # keyboard modality: programmatic focus then shows :focus-visible
    page.focus(selector)
    return page.evaluate(
        """(selector) => {
            const element = document.querySelector(selector);
            if (!element.matches(':focus-visible')) return ['', ''];
            let behind = element.parentElement;
            const clear = (node) => getComputedStyle(node).backgroundColor === 'rgba(0, 0, 0, 0)';
            while (behind && clear(behind)) behind = behind.parentElement;
            const background = behind ? getComputedStyle(behind).backgroundColor : 'rgb(255, 255, 255)';
            return [getComputedStyle(element).outlineColor, background];
        }""",
        selector,
    )


def test_the_dashboards_section_table_scrolls_in_a_focusable_region_at_320px(demo_world, live_server, open_context):
    """A box that scrolls must take keyboard focus (WCAG 2.1.1): the 担当課 table at 320 px (issue 12)."""
    page = open_context(viewport={"width": 320, "height": 800}).new_page()
    _login(page, live_server, "demo-manager")
    page.goto(f"{live_server.url}/dashboard/")  # login lands on the home page now (issue 20 item 1)

    region = page.get_by_role("region", name=re.compile("担当課別入力状況"))
    assert region.get_attribute("tabindex") == "0"
    assert region.evaluate("(box) => box.scrollWidth > box.clientWidth"), "the table fits: nothing to scroll"
    for _ in range(80):  # reach it with the keyboard alone
        page.keyboard.press("Tab")
        if region.evaluate("(box) => box === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reaches the scrolling table")
    assert region.evaluate("(box) => box.matches(':focus-visible')")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(box) => box.scrollLeft > 0", arg=region.element_handle())
    assert _axe(page) == []


SHORT_LABELS = ".site-nav a, .site-user button, .user-sections, .breadcrumbs li, .status, .entry-table th[scope=row]"
# The first text of each element: on how many lines does it render?
BROKEN_LABELS = """(selector) => [...document.querySelectorAll(selector)].flatMap((element) => {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    let node = walker.nextNode();
    while (node && !node.textContent.trim()) node = walker.nextNode();
    if (!node || element.getClientRects().length === 0) return [];
    const range = document.createRange();
    range.selectNodeContents(node);
    const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
    return tops.size > 1 ? [node.textContent.trim()] : [];
})"""


def test_narrow_screen_focus_ring_and_printed_item_page(demo_world, live_server, open_context, artifacts_dir):
    page = open_context().new_page()
    _login(page, live_server, "demo-staff-a")

    # Focus ring: 3:1 against the page and against the blue header (WCAG 2.1 SC 1.4.11).
    ring, background = _focus_ring(page, "main a")
    assert ring and contrast(ring, background) >= 3, (ring, background)
    assert contrast(ring, "rgb(255, 255, 255)") >= 3
    ring, background = _focus_ring(page, ".site-nav a")
    assert ring and contrast(ring, background) >= 3, (ring, background)

    # 320 px: the dashboard and the entry screen fit without horizontal scrolling.
    page.set_viewport_size({"width": 320, "height": 800})
    for name, path in (("home", "/"), ("dashboard", "/dashboard/"), ("entry", f"/entry/items/{demo_world.id}/{YEAR}/")):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        page.screenshot(path=str(artifacts_dir / f"narrow_320_{name}.png"), full_page=True)
        assert width <= 320, (name, width)
        # Short Japanese labels never break mid-word (「ログアウ／ト」, 「在／宅／支／援／課」).
        broken = page.evaluate(BROKEN_LABELS, SHORT_LABELS)
        assert not broken, (name, broken)

    # Paper: every printed page names the plan and carries the print date (和暦).
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/items/{demo_world.id}/")
    page.emulate_media(media="print")
    pdf = artifacts_dir / "item_printed.pdf"
    page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True, print_background=True)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [chunk for chunk in text.split("\f") if chunk.strip()]
    printed_on = era_date_label(timezone.localdate())
    assert len(pages) >= 2
    for number, chunk in enumerate(pages, start=1):
        assert "第8期" in chunk and f"印刷日：{printed_on}" in chunk, (number, chunk[:300])
        assert "承認" in chunk.split("\n", 3)[0] + chunk.split("\n", 3)[1], (number, chunk[:300])
    # The heading of the year blocks never ends a page alone.
    for chunk in pages:
        lines = [line for line in chunk.splitlines() if line.strip()]
        assert "年度ごとの取組と自己評価" not in lines[-1]
