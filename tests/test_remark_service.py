"""The remark service on its own, without Textual: the server's life and the state the screens
read (server, options, error, remarks held in memory), each transition checked."""

from __future__ import annotations

import asyncio
import re

import aiohttp

from facilitator.core import clock as ck
from facilitator.i18n import t
from facilitator.tui.remark_service import NewRemarks, RemarkService
from facilitator.web.qr import remark_path
from tests.support import DEADLINE

LOCAL = {"enabled": True, "host": "127.0.0.1", "port": 0, "release_interval": 3600}


def service(store, clock, web, news=None) -> RemarkService:
    async def db(fn, *args, **kwargs):
        return await store.call(fn, *args, **kwargs)

    on_change = None if news is None else (lambda sid, released: news.append((sid, released)))
    return RemarkService(store, web_options=web, clock=clock, db=db, on_change=on_change)


async def post(port: int, path: str, text: str) -> int:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}{path}") as page:
            field = re.search(r'name="f" value="([^"]+)"', await page.text()).group(1)
        async with http.post(
            f"http://127.0.0.1:{port}{path}", data={"text": text, "f": field}, allow_redirects=False
        ) as resp:
            return resp.status


async def eventually(condition) -> None:
    async with asyncio.timeout(DEADLINE):
        while not condition():
            await asyncio.sleep(0.02)


async def test_before_the_start_the_screens_are_told_it_is_starting(store, session_id, clock):
    remarks = service(store, clock, dict(LOCAL))
    assert (remarks.server, remarks.options, remarks.error) == (None, None, None)
    session = store.sessions.get(session_id)
    assert remarks.url_for(session) == (None, t("remarks.starting"))
    assert remarks.held(session_id) == 0


async def test_switched_off_it_says_how_to_serve_the_page(store, session_id, clock):
    remarks = service(store, clock, {"enabled": False})
    await remarks.start()
    assert remarks.server is None and remarks.error is None
    assert remarks.options is not None and not remarks.options.enabled
    url, problem = remarks.url_for(store.sessions.get(session_id))
    assert url is None and f"facilitator serve {session_id}" in problem


async def test_an_unusable_option_is_kept_as_the_error(store, session_id, clock):
    remarks = service(store, clock, {"enabled": True, "port": "acht"})
    await remarks.start()
    assert remarks.server is None and remarks.options is None
    assert "the port must be a number" in remarks.error
    url, problem = remarks.url_for(store.sessions.get(session_id))
    assert url is None and "the port must be a number" in problem


async def test_it_listens_holds_parks_tells_and_stops_twice(store, session_id, clock):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    news: list[tuple[str, int]] = []
    remarks = service(store, clock, dict(LOCAL), news)
    await remarks.start()
    server = remarks.server
    assert server is not None and server.running and remarks.error is None
    session = store.sessions.get(session_id)
    url, problem = remarks.url_for(session)
    assert url.endswith(remark_path(session.remark_token))
    assert problem == t("remarks.loopback", host="127.0.0.1")  # phones cannot reach 127.0.0.1

    assert await post(server.port, remark_path(session.remark_token), "een stoel erbij") == 303
    await eventually(lambda: remarks.held(session_id) == 1)  # in memory, not yet written
    assert store.remarks.counts(session_id)["waiting"] == 0
    await remarks.park_held(session_id)
    assert remarks.held(session_id) == 0
    assert store.remarks.counts(session_id)["waiting"] == 1
    await eventually(lambda: news)  # summed, and told a moment later
    assert {sid for sid, _ in news} == {session_id}

    port = server.port
    await remarks.stop()
    assert remarks.server is None and not server.running
    await remarks.stop()  # a second stop is harmless
    try:
        async with aiohttp.ClientSession() as http:
            await http.get(f"http://127.0.0.1:{port}/")
        answered = True
    except aiohttp.ClientConnectionError:
        answered = False
    assert not answered


async def test_stop_cancels_a_start_under_way(store, clock):
    remarks = service(store, clock, dict(LOCAL))
    starting = asyncio.ensure_future(remarks.start())
    await asyncio.sleep(0)  # started, now waiting for its imports
    await remarks.stop()
    assert starting.done() and starting.cancelled()
    assert remarks.server is None


async def test_a_refused_server_stays_off_and_says_why(store, session_id, clock):
    remarks = service(store, clock, dict(LOCAL))
    await remarks.start()
    server = remarks.server
    assert server is not None
    await remarks.refuse("opmerkingen gaan naar de host")
    assert remarks.server is None and not server.running
    assert remarks.error == "opmerkingen gaan naar de host"
    await remarks.start()  # no second start: the reason stays
    assert remarks.server is None and remarks.error == "opmerkingen gaan naar de host"
    url, problem = remarks.url_for(store.sessions.get(session_id))
    assert url is None and "opmerkingen gaan naar de host" in problem


async def test_new_remarks_counts_only_what_became_readable(store, session_id, clock):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})

    async def db(fn, *args, **kwargs):
        return await store.call(fn, *args, **kwargs)

    news = NewRemarks(store, db, session_id)
    assert await news.check() == 0  # the first check only notes how many there are
    for text in ("een", "twee"):
        store.remarks.post(session_id, text, now=clock())
    assert await news.check() == 0  # waiting is not readable
    store.remarks.post(session_id, "drie", now=clock())  # the batch of three is released
    assert await news.check() == 3
    assert await news.check() == 0

    async def failing(fn, *args, **kwargs):
        return None  # the database failed (and the app said so)

    news.db = failing
    assert await news.check() == 0 and news.readable == 3
