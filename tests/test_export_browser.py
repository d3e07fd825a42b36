"""The HTML draft opened in Debian's headless chromium: it draws (not blank), loads nothing from
outside, prints to PDF, and its chart is there."""

from __future__ import annotations

from pathlib import Path

import png
import pytest

from facilitator.export import export_session
from tests.golden.sample_session import at, build_sample
from tests.support import CHROMIUM, CHROMIUM_ARGS, have_chromium

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    if not have_chromium():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def pixels(path: Path) -> tuple[int, int, list[tuple[int, int, int]]]:
    width, height, rows, info = png.Reader(filename=str(path)).asRGBA8()
    out = []
    for row in rows:
        row = list(row)
        out.extend((row[i], row[i + 1], row[i + 2]) for i in range(0, len(row), 4))
    return width, height, out


def test_html_renders_to_a_page_that_is_not_blank(browser, store, tmp_path):
    sid = build_sample(store)
    page_file = tmp_path / "verslag.html"
    page_file.write_text(export_session(store, sid, "html", now=at(9000)), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1000, "height": 1200})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(page_file.as_uri())
    shot = tmp_path / "verslag.png"
    page.screenshot(path=str(shot), full_page=True)
    width, height, px = pixels(shot)
    assert width == 1000 and height > 2000  # the whole draft, not an error page
    dark = sum(1 for r, g, b in px if r + g + b < 300)
    assert dark > 20_000, "hardly any text drawn"
    accent = sum(1 for r, g, b in px if (r, g, b) == (0x1F, 0x5F, 0x8B))
    assert accent > 500, "the headings' colour is missing: the style sheet did not apply"
    green = sum(1 for r, g, b in px if (r, g, b) == (0x2E, 0x7D, 0x5B))
    assert green > 500, "the timeline chart's bars are missing"
    assert requests == [page_file.as_uri()], requests  # self-contained: nothing else loaded
    assert page.locator("svg rect").count() >= 10
    assert page.locator("table.advice td[rowspan='2']").inner_text() == "Lokaal"
    page.close()


def test_html_prints(browser, store, tmp_path):
    sid = build_sample(store)
    page_file = tmp_path / "verslag.html"
    page_file.write_text(export_session(store, sid, "html", now=at(9000)), encoding="utf-8")
    page = browser.new_page()
    page.goto(page_file.as_uri())
    page.emulate_media(media="print")
    # The print style sheet drops the screen margins.
    assert page.evaluate("getComputedStyle(document.body).marginTop") == "0px"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    page.close()
