"""The remark server inside the TUI, the remarks screen and the QR code on the room clock."""

from __future__ import annotations

import asyncio
import re

import aiohttp
import pytest
from textual.widgets import Input, Static

from facilitator.core import clock as ck
from facilitator.store import Store
from facilitator.tui.app import make_app
from facilitator.tui.screens.remarks import FolderPrompt, RemarksScreen
from facilitator.tui.screens.room import RoomClockScreen
from facilitator.tui.screens.run import RunScreen
from facilitator.tui.widgets.qr import QRCode
from facilitator.tui.widgets.remark_invite import RemarkInvite
from facilitator.tui.widgets.remark_list import RemarkList
from facilitator.web.qr import participant_url, remark_path
from tests import support

LOCAL = {"enabled": True, "host": "127.0.0.1", "port": 0}
PUBLIC = "http://192.168.1.23:8080"


def app_for(store, session_id, clock, web=None, **kw):
    return make_app(store, session_id=session_id, clock=clock, web=web, **kw)


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).visual)


async def post(port: int, path: str, text: str) -> int:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}{path}") as page:
            field = re.search(r'name="f" value="([^"]+)"', await page.text()).group(1)
        async with http.post(
            f"http://127.0.0.1:{port}{path}", data={"text": text, "f": field}, allow_redirects=False
        ) as resp:
            return resp.status


async def until(condition, pilot):
    """Wait for the app to get there (generous: a loaded CI machine can be slow)."""
    await support.until(pilot, condition)


async def polling(app, pilot) -> None:
    """The app's poll has read the database once: a commit from now on is someone else's."""
    await support.until(pilot, lambda: app._data_version is not None, what="the first poll")


async def server_started(app, pilot) -> None:
    """The app starts its remark server after the first paint; wait until that attempt is over."""
    await pilot.pause()
    await app.workers.wait_for_complete()


@pytest.fixture
def running(store, session_id, clock):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    return session_id


async def test_server_runs_with_the_app_and_batches_reach_the_run_screen(store, running, clock):
    app = app_for(store, running, clock, web=dict(LOCAL), poll_interval=0)
    path = remark_path(store.sessions.get(running).remark_token)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await server_started(app, pilot)
        assert app.remarks.server is not None and app.remarks.server.running
        port = app.remarks.server.port
        assert await post(port, path, "eerste") == 303
        assert await post(port, path, "tweede") == 303
        await pilot.pause()
        assert not any("nieuwe" in n for n in notes(app))  # two wait; nothing shows yet
        assert await post(port, path, "derde") == 303
        await until(lambda: any("3 nieuwe anonieme opmerkingen" in n for n in notes(app)), pilot)
    # Stopped with the app: the port no longer answers.
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as http:
            await http.get(f"http://127.0.0.1:{port}{path}")
    await app.stop_services()  # a second stop is harmless


async def test_remarks_from_another_process_are_noticed(store, running, clock, db_path):
    app = app_for(store, running, clock, web={"enabled": False}, poll_interval=0.05)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await server_started(app, pilot)
        await polling(app, pilot)
        other = Store.open(db_path)  # as `facilitator serve` on the same database would
        try:
            for text in ("a", "b", "c", "d"):
                other.remarks.post(running, text, now=clock(), batch_size=4)
        finally:
            other.close()
        await until(lambda: any("4 nieuwe anonieme opmerkingen" in n for n in notes(app)), pilot)


async def test_the_remarks_screen_reads_hides_and_releases(
    store, running, clock, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(tmp_path / "docs"))
    nasty = "[@click=app.quit]klik[/] [link=x \x1b]0;title\x07 \x1b[31mrood"
    for text in (nasty, "Gewoon een opmerking", "Nog een"):
        store.remarks.post(running, text, now=clock(), batch_size=3)
    store.remarks.post(running, "wacht nog", now=clock(), batch_size=3)
    app = app_for(store, running, clock, web={**LOCAL, "url": PUBLIC}, poll_interval=0)
    async with app.run_test(size=(140, 45), notifications=True) as pilot:
        await server_started(app, pilot)
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, RemarksScreen), pilot)
        screen = app.screen
        await until(lambda: len(screen.remarks) == 3, pilot)
        assert "1 wachten · 3 te lezen · 0 verborgen" in text_of(screen, "#remarks-counts")
        assert "per 3 tegelijk" in text_of(screen, "#remarks-batch")
        # Typed text is shown as text: the markup stays visible, the escapes are gone.
        table = screen.query_one(RemarkList)
        shown = [str(table.get_row_at(i)[2]) for i in range(table.row_count)]
        assert any("[@click=app.quit]klik[/]" in s for s in shown)
        assert not any("\x1b" in s or "\x07" in s for s in shown)
        row = next(i for i, s in enumerate(shown) if "klik" in s)
        table.move_cursor(row=row)
        await pilot.pause()
        assert "[@click=app.quit]klik[/]" in text_of(screen, "#remarks-detail")
        # The URL and its QR code, for phones.
        url = participant_url(PUBLIC, store.sessions.get(running).remark_token)
        assert text_of(screen, "#remarks-url") == url
        assert screen.query_one("#remarks-qr-code", QRCode).url == url

        # Hide, see it hidden, show it again.
        rid = screen.remarks[row]["id"]
        await pilot.press("h")
        await until(lambda: store.remarks.counts(running)["hidden"] == 1, pilot)
        await pilot.pause()
        hidden_row = next(i for i, r in enumerate(screen.remarks) if r["id"] == rid)
        assert "verborgen" in str(table.get_row_at(hidden_row)[2])
        assert "klik" not in str(table.get_row_at(hidden_row)[2])
        await pilot.press("v")
        assert "klik" in str(table.get_row_at(hidden_row)[2])
        await pilot.press("v")
        table.move_cursor(row=hidden_row)
        await pilot.press("h")
        await until(lambda: store.remarks.counts(running)["hidden"] == 0, pilot)

        # One waiting remark is not released by hand: it would point at its writer.
        await pilot.press("a")
        await pilot.pause()
        assert store.remarks.counts(running)["waiting"] == 1
        assert any("maar één opmerking" in n for n in notes(app))
        store.remarks.post(running, "nog eentje", now=clock(), batch_size=3)
        await pilot.press("a")
        await until(lambda: store.remarks.counts(running)["waiting"] == 0, pilot)
        await until(lambda: len(screen.remarks) == 5, pilot)

        # The batch size steps through its choices and is kept.
        await pilot.press("g")
        await until(lambda: store.remarks.batch_size() == 5, pilot)
        await pilot.press("g", "g")
        await until(lambda: store.remarks.batch_size() == 0, pilot)
        assert "eind van hun blok" in text_of(screen, "#remarks-batch")

        # Files for table cards: into Documents/facilitator unless another folder is typed,
        # and the notice says where.
        await pilot.press("w")
        await until(lambda: isinstance(app.screen, FolderPrompt), pilot)
        field = app.screen.query_one(Input)
        assert field.value == str(tmp_path / "docs" / "facilitator")
        await pilot.press("enter")
        await until(
            lambda: (tmp_path / "docs" / "facilitator" / f"opmerkingen-{running}.svg").exists(),
            pilot,
        )
        await until(lambda: any("docs/facilitator" in n for n in notes(app)), pilot)
        await pilot.press("w")
        await until(lambda: isinstance(app.screen, FolderPrompt), pilot)
        field = app.screen.query_one(Input)
        field.value = str(tmp_path / "kaartjes")
        await pilot.press("enter")
        await until(lambda: (tmp_path / "kaartjes" / f"opmerkingen-{running}.png").exists(), pilot)
        await until(lambda: any(str(tmp_path / "kaartjes") in n for n in notes(app)), pilot)
        assert (tmp_path / "kaartjes" / f"opmerkingen-{running}.png").stat().st_size > 100
        assert (
            (tmp_path / "kaartjes" / f"opmerkingen-{running}.svg").read_text().startswith("<?xml")
        )
        assert not (tmp_path / f"opmerkingen-{running}.png").exists()  # not the current folder
        # The folder chosen is offered the next time.
        await pilot.press("w")
        await until(lambda: isinstance(app.screen, FolderPrompt), pilot)
        assert app.screen.query_one(Input).value == str(tmp_path / "kaartjes")
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, RemarksScreen), pilot)
        await pilot.press("escape")
        assert isinstance(app.screen, RunScreen)


async def test_room_clock_shows_the_qr_code_during_breaks(store, running, clock):
    app = app_for(store, running, clock, web={**LOCAL, "url": PUBLIC}, poll_interval=0)
    url = participant_url(PUBLIC, store.sessions.get(running).remark_token)
    async with app.run_test(size=(160, 50)) as pilot:
        await server_started(app, pilot)
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, RoomClockScreen), pilot)
        await pilot.pause(0.3)
        assert not app.screen.query(RemarkInvite)  # not during the welcome
        await pilot.press("b")  # a break starts: the code appears beside the clock
        await until(lambda: bool(app.screen.query(RemarkInvite)), pilot)
        qr = app.screen.query_one("#room-qr", QRCode)
        assert qr.url == url
        # Large: at least two columns per module once laid out.
        await until(lambda: qr.size.width >= 2 * len(qr.matrix), pilot)
        assert url in str(app.screen.query_one("#remark-invite .url", Static).visual)
        await pilot.press("n")  # the break ends: the code goes
        await until(lambda: not app.screen.query(RemarkInvite), pilot)


async def test_no_network_no_code_in_the_room_and_a_plain_message(
    store, running, clock, monkeypatch
):
    import facilitator.web.server as server_mod

    monkeypatch.setattr(server_mod, "detect_lan_address", lambda: None)
    app = app_for(
        store, running, clock, web={"enabled": True, "host": "0.0.0.0", "port": 0}, poll_interval=0
    )
    async with app.run_test(size=(140, 45)) as pilot:
        await server_started(app, pilot)
        assert app.remarks.server.running
        run = app.screen
        assert run.room_break_widget() is None
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, RemarksScreen), pilot)
        await pilot.pause()
        assert "Geen netwerk gevonden" in text_of(app.screen, "#remarks-problem")
        assert "hotspot" in text_of(app.screen, "#remarks-problem")


async def test_server_off_or_failing_is_said_plainly(store, running, clock):
    app = app_for(store, running, clock, web={"enabled": False}, poll_interval=0)
    async with app.run_test(size=(140, 45)) as pilot:
        await server_started(app, pilot)
        assert app.remarks.server is None
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, RemarksScreen), pilot)
        await pilot.pause()
        assert f"facilitator serve {running}" in text_of(app.screen, "#remarks-problem")
        assert not app.screen.query("#remarks-qr-code")

    blocker = make_app(store, session_id=running, clock=clock, web=dict(LOCAL), poll_interval=0)
    async with blocker.run_test(size=(120, 40)) as blocker_pilot:
        await server_started(blocker, blocker_pilot)
        port = blocker.remarks.server.port
        app = app_for(store, running, clock, web={**LOCAL, "port": port}, poll_interval=0)
        async with app.run_test(size=(140, 45)) as pilot:
            await server_started(app, pilot)
            assert app.remarks.server is None and "al in gebruik" in app.remarks.error
            await pilot.press("m")
            await until(lambda: isinstance(app.screen, RemarksScreen), pilot)
            await pilot.pause()
            assert "al in gebruik" in text_of(app.screen, "#remarks-problem")


async def test_remark_key_is_in_the_footer_and_help(store, running, clock):
    from facilitator.tui.screens.help import help_rows

    app = app_for(store, running, clock, web={"enabled": False}, poll_interval=0)
    async with app.run_test(size=(140, 45)):
        rows = help_rows(app.screen)
        assert ("view", "m", "Opmerkingen") in [r[:3] for r in rows]


async def test_quitting_right_away_leaves_no_server_behind(store, running, clock):
    app = app_for(store, running, clock, web=dict(LOCAL), poll_interval=0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("q")
    await asyncio.sleep(0.05)
    server = app.remarks.server
    assert server is None or not server.running


async def test_the_remarks_screen_frees_a_batch_whose_block_ended(store, running, clock):
    store.remarks.post(running, "alleen in het welkom", now=clock())
    store.clock.add(running, ck.START, clock.advance(minutes=20), {"key": "fase1"})
    app = app_for(store, running, clock, web={"enabled": False}, poll_interval=0)
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, RemarksScreen), pilot)
        await until(lambda: len(app.screen.remarks) == 1, pilot)
        assert app.screen.remarks[0]["slot"] == "Welkom en kennismaking"
        assert "0 wachten · 1 te lezen" in text_of(app.screen, "#remarks-counts")


async def test_no_press_m_notice_while_the_remarks_screen_is_open(store, running, clock, db_path):
    app = app_for(store, running, clock, web={"enabled": False}, poll_interval=0.05)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await server_started(app, pilot)
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, RemarksScreen), pilot)
        await polling(app, pilot)
        screen = app.screen
        other = Store.open(db_path)
        try:
            for text in ("a", "b", "c"):
                other.remarks.post(running, text, now=clock(), batch_size=3)
        finally:
            other.close()
        await until(lambda: len(screen.remarks) == 3, pilot)
        await pilot.pause(0.3)
        assert not any("Druk op m" in n for n in notes(app))
        await pilot.press("escape")
        await until(lambda: isinstance(app.screen, RunScreen), pilot)
        await pilot.pause(0.3)
        assert not any("Druk op m" in n for n in notes(app))  # read already: not new


@pytest.mark.parametrize("size", [(60, 20), (40, 12)])
async def test_a_narrow_remarks_screen_gives_the_list_the_width(store, running, clock, size):
    for text in ("een", "twee", "drie"):
        store.remarks.post(running, text, now=clock(), batch_size=3)
    app = app_for(store, running, clock, web={**LOCAL, "url": PUBLIC}, poll_interval=0)
    async with app.run_test(size=size, notifications=True) as pilot:
        await server_started(app, pilot)
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, RemarksScreen), pilot)
        screen = app.screen
        await until(lambda: len(screen.remarks) == 3, pilot)
        await pilot.pause()
        table = screen.query_one("#remarks-table", RemarkList)
        assert table.region.width >= size[0] - 4 and table.region.height >= 3
        assert not screen.query_one("#remarks-qr").display  # a cut-off code would not scan
        url = participant_url(PUBLIC, store.sessions.get(running).remark_token)
        shown = screen.query_one("#remarks-url", Static)
        assert shown.region.height >= 1 and text_of(screen, "#remarks-url") == url
        assert shown.region.width * shown.region.height >= len(url)  # folded, not cut
    app = app_for(store, running, clock, web={**LOCAL, "url": PUBLIC}, poll_interval=0)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await server_started(app, pilot)
        await pilot.press("m")
        await until(lambda: isinstance(app.screen, RemarksScreen), pilot)
        await pilot.pause()
        assert app.screen.query_one("#remarks-qr").display
        assert not app.screen.query_one("#remarks-qr-hint").display
