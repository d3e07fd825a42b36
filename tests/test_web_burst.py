"""A burst of remarks with the remarks screen open (and then the run screen): every remark ends up
shown and the screen keeps answering keys. Correctness only; the timing is measured in
scripts/bench_burst.py."""

from __future__ import annotations

import asyncio
import re

import aiohttp

from facilitator.core import clock as ck
from facilitator.tui.app import make_app
from facilitator.tui.screens.remarks import RemarksScreen
from facilitator.tui.screens.run import RunScreen
from facilitator.tui.widgets.remark_list import RemarkList
from facilitator.web.qr import remark_path

PHONES = 40
EACH = 5


async def until(condition, pilot, seconds: float = 60.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await pilot.pause(0.05)


async def phones(port: int, path: str, tag: str) -> list[str]:
    """PHONES phones at once, each from its own loopback address, EACH remarks apiece."""
    url = f"http://127.0.0.1:{port}{path}"

    async def one(i: int) -> list[str]:
        sent = []
        connector = aiohttp.TCPConnector(local_addr=(f"127.0.3.{i + 1}", 0))
        async with aiohttp.ClientSession(connector=connector) as http:
            for j in range(EACH):
                async with http.get(url) as page:
                    field = re.search(r'name="f" value="([^"]+)"', await page.text()).group(1)
                text = f"{tag} telefoon {i} opmerking {j}"
                async with http.post(
                    url, data={"text": text, "f": field}, allow_redirects=False
                ) as resp:
                    assert resp.status == 303
                sent.append(text)
        return sent

    return [t for batch in await asyncio.gather(*(one(i) for i in range(PHONES))) for t in batch]


async def test_a_burst_is_all_shown_and_the_screen_keeps_answering(store, session_id, clock):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    web = {"enabled": True, "host": "127.0.0.1", "port": 0, "release_interval": 0.1}
    app = make_app(store, session_id=session_id, clock=clock, web=web, poll_interval=0.2)
    path = remark_path(store.sessions.get(session_id).remark_token)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(lambda: app.remarks.server is not None, pilot)
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, RemarksScreen), pilot)
        screen = app.screen
        sent = await phones(app.remarks.server.port, path, "a")
        # The block ends: what waits (in memory or on disk) is released and shown.
        store.clock.add(session_id, ck.START, clock.advance(minutes=20), {"key": "fase1"})
        await until(lambda: len(screen.remarks) == len(sent), pilot)
        assert sorted(r["text"] for r in screen.remarks) == sorted(sent)
        listing = screen.query_one(RemarkList)
        assert listing.row_count == len(sent)
        await pilot.press("end")
        await until(lambda: listing.cursor_row == len(sent) - 1, pilot)
        await pilot.press("home", "down", "down")
        await until(lambda: listing.cursor_row == 2, pilot)
        shown = screen.remarks[2]["text"]
        assert shown in str(screen.query_one("#remarks-detail").visual)

        # Then the run screen, with a second burst: all stored, the screen answers.
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, RunScreen), pilot)
        more = await phones(app.remarks.server.port, path, "b")
        store.clock.add(session_id, ck.START, clock.advance(minutes=60), {"key": "pauze1"})
        await until(
            lambda: store.remarks.counts(session_id)["shown"] == len(sent) + len(more), pilot
        )
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, RemarksScreen), pilot)
        await until(lambda: len(app.screen.remarks) == len(sent) + len(more), pilot)


async def test_releasing_by_hand_includes_what_the_server_holds(store, session_id, clock):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    web = {"enabled": True, "host": "127.0.0.1", "port": 0, "release_interval": 3600}
    app = make_app(store, session_id=session_id, clock=clock, web=web, poll_interval=0)
    path = remark_path(store.sessions.get(session_id).remark_token)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await until(lambda: app.remarks.server is not None, pilot)
        url = f"http://127.0.0.1:{app.remarks.server.port}{path}"
        async with aiohttp.ClientSession() as http:
            for text in ("eerste", "tweede"):
                async with http.get(url) as page:
                    field = re.search(r'name="f" value="([^"]+)"', await page.text()).group(1)
                async with http.post(
                    url, data={"text": text, "f": field}, allow_redirects=False
                ) as resp:
                    assert resp.status == 303
        # Held in memory: not in the file, but counted as waiting on the screen.
        assert store.remarks.counts(session_id)["waiting"] == 0
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, RemarksScreen), pilot)
        screen = app.screen
        await until(lambda: "2 wachten" in str(screen.query_one("#remarks-counts").visual), pilot)
        await pilot.press("a")
        await until(lambda: len(screen.remarks) == 2, pilot)
        assert store.remarks.counts(session_id) == {"waiting": 0, "shown": 2, "hidden": 0}
