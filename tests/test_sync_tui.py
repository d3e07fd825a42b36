"""Note-takers in the app: the host's Notulisten screen (address, code, QR, joined laptops,
removing one) and a laptop's app in note-taker mode (no clock keys, the host's clock and the
others' entries arriving by themselves, "offline, N te versturen" while the host is away)."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, Static

from facilitator.core import clock as ck
from facilitator.core.clock import utcnow
from facilitator.store import Store
from facilitator.sync.client import SyncClient, join
from facilitator.sync.host import NoteTakerServer
from facilitator.tui.app import make_app
from facilitator.tui.screens.help import help_rows
from facilitator.tui.screens.notetakers import NoteTakersScreen
from facilitator.tui.screens.run import RunScreen
from facilitator.tui.widgets.qr import QRCode
from facilitator.tui.widgets.recent_entries import RecentEntries

LOCAL = {"enabled": True, "host": "127.0.0.1", "port": 0}


async def until(condition, pilot, seconds: float = 20.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition not reached")
        await pilot.pause(0.05)


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).visual)


async def test_the_host_shows_a_join_address_lists_laptops_and_removes_one(
    store, session_id, tmp_path
):
    app = make_app(store, session_id=session_id, web=dict(LOCAL), poll_interval=0)
    laptop = Store.open(tmp_path / "laptop.db")
    try:
        async with app.run_test(size=(140, 45), notifications=True) as pilot:
            await until(lambda: app.sync.server is not None, pilot)
            await pilot.press("N")
            await until(lambda: isinstance(app.screen, NoteTakersScreen), pilot)
            screen = app.screen
            await until(lambda: "/j/" in text_of(screen, "#nt-address"), pilot)
            address = text_of(screen, "#nt-address")
            assert screen.query(QRCode)
            assert "Code:" in text_of(screen, "#nt-code")
            assert await join(laptop, address, "CD") == session_id
            table = screen.query_one(DataTable)
            await until(lambda: table.row_count == 1, pilot)
            assert "CD" in str(table.get_row_at(0)[0])

            # An entry pushed from the laptop reaches the host's run screen.
            laptop.entries.add(
                session_id, "quote", {"text": "van de laptop"}, author="CD", now=utcnow()
            )
            client = SyncClient(laptop, session_id)
            try:
                await client.sync_once()
            finally:
                await client.close()
            await pilot.press("escape")
            await until(lambda: isinstance(app.screen, RunScreen), pilot)
            recent = app.screen.query_one(RecentEntries)
            await until(lambda: "van de laptop" in str(recent.render()), pilot)

            await pilot.press("N")
            await until(lambda: isinstance(app.screen, NoteTakersScreen), pilot)
            table = app.screen.query_one(DataTable)
            await until(lambda: table.row_count == 1, pilot)
            await pilot.press("x")
            await pilot.pause(0.2)
            await pilot.press("j")
            await until(lambda: store.sync.devices(session_id) == [], pilot)
            await until(lambda: table.row_count == 0, pilot)
    finally:
        laptop.close()


async def test_a_laptop_in_note_taker_mode_follows_the_host(store, session_id, tmp_path):
    server = NoteTakerServer(store, host="127.0.0.1", port=0)
    await server.start()
    laptop = Store.open(tmp_path / "laptop.db")
    try:
        address, _ = await server.join_address(session_id)
        await join(laptop, address, "CD")
        app = make_app(laptop, session_id=session_id, author="CD", web=dict(LOCAL))
        async with app.run_test(size=(140, 40), notifications=True) as pilot:
            await until(lambda: isinstance(app.screen, RunScreen), pilot)
            screen = app.screen
            assert screen.notetaker
            # No remark page on a note-taker's laptop: remarks belong on the host.
            await until(lambda: app.remarks.error is not None, pilot)
            await until(
                lambda: (
                    not [w for w in app.workers if w.group == "remark-server" and not w.is_finished]
                ),
                pilot,
            )
            assert app.remarks.server is None and app.sync.server is None
            actions = {row[2] for row in help_rows(screen)}
            assert "Volgend blok" not in actions and "Onderbreken" not in actions
            assert "Notulisten" in actions
            await pilot.press("n", "b", "e", "p", "u", "k")
            await pilot.pause(0.2)
            assert laptop.clock.events(session_id) == []
            assert any("klok is van de facilitator" in n.message for n in app._notifications)

            # The host starts the day: the laptop's screen follows.
            store.clock.add(session_id, ck.START, utcnow(), {"key": "welkom"})
            await until(lambda: screen.state.state == "running", pilot)
            await until(lambda: "gedeeld" in text_of(screen, "#session-sync"), pilot)

            # The host goes away: capture goes on, the bar counts what waits.
            await server.stop()
            for i in range(3):
                laptop.entries.add(
                    session_id, "quote", {"text": f"offline {i}"}, author="CD", now=utcnow()
                )
            await until(
                lambda: "offline, 3 te versturen" in text_of(screen, "#session-sync"), pilot
            )
            # Back: the laptop catches up by itself, in order.
            server = NoteTakerServer(
                store, host="127.0.0.1", port=int(address.split(":")[2].split("/")[0])
            )
            await server.start()
            await until(lambda: "gedeeld" in text_of(screen, "#session-sync"), pilot)
            assert sorted(e.text for e in store.entries.list(session_id)) == [
                "offline 0",
                "offline 1",
                "offline 2",
            ]
    finally:
        await server.stop()
        laptop.close()


async def test_a_laptop_whose_clock_is_off_follows_the_hosts_time(store, session_id, tmp_path):
    from datetime import timedelta

    ahead = timedelta(minutes=5)
    server = NoteTakerServer(store, host="127.0.0.1", port=0, clock=lambda: utcnow() + ahead)
    await server.start()
    laptop = Store.open(tmp_path / "laptop.db")
    try:
        address, _ = await server.join_address(session_id)
        await join(laptop, address, "CD")
        app = make_app(laptop, session_id=session_id, author="CD", web={"enabled": False})
        async with app.run_test(size=(140, 40)) as pilot:
            await until(lambda: isinstance(app.screen, RunScreen), pilot)
            screen = app.screen
            await until(
                lambda: "klok gelijkgezet (+300 s)" in text_of(screen, "#session-sync"), pilot
            )
            skew = (app.clock() - utcnow()).total_seconds()
            assert 295 < skew < 305
    finally:
        await server.stop()
        laptop.close()
