"""The note-takers' sync service on its own, without Textual: host or laptop, its declared state,
what the session bar says, and the laptop's clock following the host's."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from facilitator.core.clock import utcnow
from facilitator.store import Store
from facilitator.sync.client import SyncStatus, join
from facilitator.sync.host import NoteTakerServer
from facilitator.tui.context import AppClock
from facilitator.tui.remark_service import RemarkService
from facilitator.tui.sync_service import SyncService, host_clock
from tests.support import DEADLINE

LOCAL = {"enabled": True, "host": "127.0.0.1", "port": 0}


def services(store, clock, web, received=None, statuses=None):
    async def db(fn, *args, **kwargs):
        return await store.call(fn, *args, **kwargs)

    app_clock = AppClock(clock)
    remarks = RemarkService(store, web_options=web, clock=app_clock, db=db)
    sync = SyncService(
        store,
        web_options=web,
        clock=app_clock,
        remarks=remarks,
        on_received=None if received is None else (lambda: received.append(True)),
        on_status=None if statuses is None else statuses.append,
    )
    return app_clock, remarks, sync


async def eventually(condition) -> None:
    async with asyncio.timeout(DEADLINE):
        while not condition():
            await asyncio.sleep(0.02)


async def test_a_host_with_sync_off_runs_no_server(store, session_id, clock):
    _, _, sync = services(store, clock, {"enabled": False})
    assert await sync.start() is False
    assert (sync.server, sync.error, sync.status) == (None, None, {})
    assert sync.status_text(session_id) == ""
    await sync.stop()  # nothing to stop: harmless


async def test_a_host_serves_laptops_and_stops_twice(store, session_id, clock):
    _, _, sync = services(store, clock, dict(LOCAL))
    assert await sync.start() is False  # a host: no loop of its own to run
    server = sync.server
    assert server is not None and server.running and sync.error is None
    address, code = await server.join_address(session_id)
    assert "/j/" in address and code
    await sync.stop()
    assert sync.server is None and not server.running
    await sync.stop()


async def test_a_laptop_refuses_remarks_follows_the_host_and_stops(
    store, session_id, clock, tmp_path
):
    ahead = timedelta(minutes=5)
    host = NoteTakerServer(store, host="127.0.0.1", port=0, clock=lambda: utcnow() + ahead)
    await host.start()
    laptop = Store.open(tmp_path / "laptop.db")
    try:
        address, _ = await host.join_address(session_id)
        await join(laptop, address, "CD")
        received: list[bool] = []
        statuses: list[str] = []
        app_clock, remarks, sync = services(laptop, utcnow, dict(LOCAL), received, statuses)
        assert await sync.start() is True  # a laptop: run its loop next
        assert sync.server is None
        assert remarks.server is None and remarks.error == remarks.refused
        running = asyncio.ensure_future(sync.run())
        await eventually(lambda: "klok gelijkgezet (+300 s)" in sync.status_text(session_id))
        assert statuses and set(statuses) == {session_id}
        skew = (app_clock() - utcnow()).total_seconds()
        assert 295 < skew < 305  # everyone holding the app's clock now reads the host's time
        await sync.stop()
        assert running.done()
    finally:
        await host.stop()
        laptop.close()


def test_the_session_bar_says_how_far_a_laptop_is(store, session_id, clock):
    _, _, sync = services(store, clock, {"enabled": False})
    cases = [
        (SyncStatus(), ""),
        (SyncStatus(online=False, pending=7), "offline, 7 te versturen"),
        (SyncStatus(online=True, pending=3), "3 te versturen"),
        (SyncStatus(online=True, offset=0.4), "gedeeld"),
        (SyncStatus(online=True, offset=-12.0), "gedeeld, klok gelijkgezet (-12 s)"),
    ]
    for status, text in cases:
        sync.status = {session_id: status}
        assert sync.status_text(session_id) == text, status
        assert sync.offline(session_id) is (status.online is False)
    assert sync.status_text("another") == "" and not sync.offline("another")


def test_the_host_clock_leaves_small_differences_alone(clock):
    statuses: dict[str, SyncStatus] = {}
    now = host_clock(clock, statuses)
    assert now() == clock()  # not heard from the host yet
    statuses["s"] = SyncStatus(online=True, offset=0.5)
    assert now() == clock()  # network jitter
    statuses["s"] = SyncStatus(online=True, offset=90.0)
    assert now() == clock() + timedelta(seconds=90)


async def test_a_host_whose_server_cannot_start_says_why_and_goes_on(
    store, session_id, clock, monkeypatch
):
    """Starting the server makes its certificate (a library loaded on first use, a write to the
    database): an error there that is not an OSError is told too, never raised into the app."""
    import sqlite3

    async def failing_start(self):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(NoteTakerServer, "start", failing_start)
    _, _, sync = services(store, clock, dict(LOCAL))
    assert await sync.start() is False
    assert sync.server is None
    assert sync.error  # said in the interface language, whatever the cause
    await sync.stop()


async def test_a_host_out_of_descriptors_says_so_in_dutch(store, session_id, clock, monkeypatch):
    import errno
    import os

    async def failing_start(self):
        raise OSError(errno.EMFILE, os.strerror(errno.EMFILE))

    monkeypatch.setattr(NoteTakerServer, "start", failing_start)
    _, _, sync = services(store, clock, dict(LOCAL))
    assert await sync.start() is False
    assert sync.error is not None and "Too many open files" not in sync.error
