"""Every state of the participants' page checked with axe-core in chromium, desktop and mobile.

axe-core 4.14.1 (MPL-2.0, from npm `axe-core`) is vendored in tests/vendor/axe.min.js with its
licence beside it. The pages themselves carry no script and forbid one (CSP): the test context
bypasses the CSP to inject axe, which reads the page as the browser laid it out (colours,
sizes, names, landmarks, language). Screenshots of each state go to $FACILITATOR_SCREENSHOTS
(or the test's temporary folder).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import aiohttp
import pytest

from facilitator.core import clock as ck
from facilitator.web.app import WebConfig
from facilitator.web.server import RemarkServer, WebOptions
from facilitator.web.strings import LANGUAGES
from tests.support import CHROMIUM, CHROMIUM_ARGS, have_chromium

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "mobile": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not have_chromium(),
        reason="Debian's chromium is not installed (scripts/test.sh installs it)",
    ),
]


async def axe_violations(page) -> list[dict]:
    await page.evaluate(AXE)
    result = await page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        TAGS,
    )
    return [
        {"id": v["id"], "nodes": [n["html"][:120] for n in v["nodes"]]}
        for v in result["violations"]
    ]


async def fetch(origin: str, path: str, **kw) -> str:
    async with aiohttp.ClientSession() as http:
        if "data" in kw:
            async with http.post(origin + path, **kw) as resp:
                return await resp.text()
        async with http.get(origin + path) as resp:
            return await resp.text()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("FACILITATOR_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def test_every_page_state_passes_axe_on_desktop_and_mobile(store, session_id, clock, shots):
    from playwright.async_api import async_playwright

    server = RemarkServer(
        store, WebOptions(host="127.0.0.1", port=0), config=WebConfig(clock=clock, hold=1)
    )
    await server.start()
    path = server.url_for(store.sessions.get(session_id).remark_token)[0].split(":", 2)[2]
    path = path[path.index("/") :]
    origin = f"http://127.0.0.1:{server.port}"
    form_type = {"Content-Type": "application/x-www-form-urlencoded"}
    found: dict[str, list] = {}
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            try:
                # axe itself sees a page that fails (so a clean result means something).
                context = await browser.new_context(bypass_csp=True)
                page = await context.new_page()
                await page.set_content(
                    "<html><body><img src='x.png'>"
                    "<p style='color:#ccc;background:#fff'>Een zin die slecht te lezen is</p>"
                )
                assert {v["id"] for v in await axe_violations(page)} >= {
                    "html-has-lang",
                    "image-alt",
                    "color-contrast",
                }
                await context.close()
                for device, options in VIEWPORTS.items():
                    context = await browser.new_context(bypass_csp=True, **options)
                    page = await context.new_page()

                    async def check(
                        state: str,
                        *,
                        url: str | None = None,
                        html: str = "",
                        page=page,
                        device=device,
                    ) -> None:
                        if url is not None:
                            await page.goto(origin + url)
                        else:
                            await page.set_content(html)
                        await page.screenshot(
                            path=str(shots / f"{state}-{device}.png"), full_page=True
                        )
                        violations = await axe_violations(page)
                        if violations:
                            found[f"{state} ({device})"] = violations

                    # Before the session starts, the page says it is closed for now.
                    await check("closed", url=path)
                    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
                    for lang in LANGUAGES:
                        await check(f"form-{lang}", url=f"{path}?lang={lang}")
                        # Send it empty: the form again, with the error announced.
                        await page.get_by_role("button").click()
                        await page.get_by_role("alert").wait_for()
                        await check(f"error-{lang}", url=None, html=await page.content())
                    await page.goto(origin + path)
                    await page.get_by_role("textbox").fill("Een opmerking voor axe")
                    await page.get_by_role("button").click()
                    await page.wait_for_url(re.compile(r"sent=1"))
                    await check("thanks", url=page.url[len(origin) :])
                    bad = await fetch(origin, path, data=b"text=%FF&f=1", headers=form_type)
                    await check("400", html=bad)
                    big = await fetch(origin, path, data=b"x" * 70000, headers=form_type)
                    await check("413", html=big)
                    await check("404", url="/R/GEENBESTAANDADRES")
                    store.clock.add(session_id, ck.CLOSE, clock.advance(minutes=1))
                    await check("ended", url=path)
                    await context.close()
                    # The next device starts from a session not yet begun.
                    with store.transaction() as conn:
                        conn.execute("DELETE FROM clock_events WHERE session_id = ?", (session_id,))
                        conn.execute(
                            "UPDATE sessions SET state = 'planned' WHERE id = ?", (session_id,)
                        )
            finally:
                await browser.close()
    finally:
        await server.stop()
    assert not found, json.dumps(found, indent=1, ensure_ascii=False)
    assert len(list(shots.glob("*.png"))) >= 2 * (6 + 2 * len(LANGUAGES))
