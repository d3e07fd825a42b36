"""A real phone browser (Debian's chromium, headless, through Playwright) on the participants' page.

It opens the URL read back from the QR code, sends a Dutch and an Arabic remark with JavaScript
switched off, and finds both in the store. Screenshots go to $FACILITATOR_SCREENSHOTS (or the
test's temporary folder): the Dutch form, the Arabic one (right to left), and 200% zoom.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from facilitator.core import clock as ck
from facilitator.web.app import WebConfig
from facilitator.web.qr import qr_matrix
from facilitator.web.server import RemarkServer, WebOptions
from tests.support import CHROMIUM, CHROMIUM_ARGS, have_chromium

DUTCH = "In de pauze zei iemand dat ik 'er niet bij hoor'. Dat deed pijn."
ARABIC = "شعرت أن لا أحد يسمعني في المجموعة."

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not have_chromium(),
        reason="Debian's chromium is not installed (scripts/test.sh installs it)",
    ),
]


def url_from_qr(url_fed: str) -> str:
    """Read the URL back from the very matrix the screen and the cards show."""
    import zxingcpp

    matrix = qr_matrix(url_fed)
    rows = [
        bytes(0 if v else 255 for v in row for _ in range(4)) for row in matrix for _ in range(4)
    ]
    image = memoryview(b"".join(rows)).cast("B", shape=[len(rows), len(rows[0])])
    (found,) = zxingcpp.read_barcodes(image)
    return found.text


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("FACILITATOR_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_a_phone_browser_sends_dutch_and_arabic_remarks(store, session_id, clock, shots):
    from playwright.async_api import async_playwright

    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    store.clock.add(session_id, ck.START, clock.advance(minutes=80), {"key": "pauze1"})
    server = RemarkServer(
        store, WebOptions(host="127.0.0.1", port=0), config=WebConfig(clock=clock)
    )
    await server.start()
    try:
        url_fed, _ = server.url_for(store.sessions.get(session_id).remark_token)
        url = url_from_qr(url_fed)
        assert url == url_fed and url.startswith("HTTP://127.0.0.1:")
        origin = f"http://127.0.0.1:{server.port}"
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            try:
                phone = await browser.new_context(
                    java_script_enabled=False,
                    viewport={"width": 390, "height": 844},
                    device_scale_factor=2,
                    is_mobile=True,
                    has_touch=True,
                    locale="nl-NL",
                )
                requested: list[str] = []
                phone.on("request", lambda r: requested.append(r.url))
                page = await phone.new_page()
                await page.goto(url)
                assert await page.locator("html").get_attribute("lang") == "nl"
                await page.screenshot(path=str(shots / "form-nl.png"), full_page=True)
                await page.get_by_label("Je opmerking").fill(DUTCH)
                await page.get_by_role("button", name="Versturen").click()
                await page.get_by_role("heading", name="Dank je wel!").wait_for()
                await page.screenshot(path=str(shots / "thanks-nl.png"), full_page=True)

                await page.get_by_role("link", name="Nog een opmerking sturen").click()
                await page.get_by_role("link", name="العربية").click()
                html = page.locator("html")
                assert await html.get_attribute("dir") == "rtl"
                assert await html.get_attribute("lang") == "ar"
                await page.get_by_label("ملاحظتك").fill(ARABIC)
                await page.screenshot(path=str(shots / "form-ar-rtl.png"), full_page=True)
                await page.get_by_role("button", name="إرسال").click()
                await page.get_by_role("heading", name="شكرًا لك!").wait_for()

                # An empty send is refused politely.
                await page.get_by_role("link", name="إرسال ملاحظة أخرى").click()
                await page.get_by_role("button", name="إرسال").click()
                await page.get_by_role("alert").wait_for()
                assert "لم تكتب شيئًا بعد" in await page.get_by_role("alert").inner_text()
                await page.screenshot(path=str(shots / "empty-ar.png"), full_page=True)
                # Nothing came from anywhere but the laptop.
                assert requested and all(u.startswith(origin) for u in requested), requested
                await phone.close()

                # 200% zoom in a 640 px window (320 CSS px, as WCAG's reflow rule has it):
                # everything reflows, nothing scrolls sideways.
                zoomed = await browser.new_context(
                    viewport={"width": 640, "height": 900}, device_scale_factor=1
                )
                page = await zoomed.new_page()
                await page.goto(url + "?lang=uk")
                await page.evaluate("document.body.style.zoom = '2'")
                await page.screenshot(path=str(shots / "form-uk-zoom200.png"), full_page=True)
                overflow = await page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 1
                box = await page.get_by_role("button").bounding_box()
                assert box["height"] >= 44 and box["width"] >= 44
                await page.goto(url + "?lang=ar")
                await page.evaluate("document.body.style.zoom = '2'")
                await page.screenshot(path=str(shots / "form-ar-zoom200.png"), full_page=True)
                await zoomed.close()
            finally:
                await browser.close()
    finally:
        await server.stop()

    texts = {r["text"]: r for r in store.remarks.list(session_id)}
    assert set(texts) == {DUTCH, ARABIC}
    assert {r["slot"] for r in texts.values()} == {"Pauze 1"}
