"""The remark server's time limits and connection caps, one at a time, on loopback."""

from __future__ import annotations

import asyncio

import pytest

from facilitator.core import clock as ck
from facilitator.web.app import WebConfig
from facilitator.web.conn import ConnectionGuard, total_cap
from facilitator.web.qr import remark_path
from facilitator.web.server import RemarkServer, WebOptions


@pytest.fixture
async def server(store, session_id, clock):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    config = WebConfig(clock=clock, header_timeout=0.5, body_timeout=0.5, hold=1)
    srv = RemarkServer(store, WebOptions(host="127.0.0.1", port=0), config=config)
    await srv.start()
    yield srv
    await srv.stop()


async def closed_by_server(reader: asyncio.StreamReader, seconds: float = 20.0) -> bytes:
    """Everything the server sends until it closes (generous deadline: a busy machine)."""
    data = b""
    async with asyncio.timeout(seconds):
        while chunk := await reader.read(65536):
            data += chunk
    return data


async def test_a_silent_connection_is_closed(server):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    assert await closed_by_server(reader) == b""
    writer.close()


async def test_headers_sent_a_byte_at_a_time_are_cut_off(server, store, session_id):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    request = f"GET {remark_path(store.sessions.get(session_id).remark_token)} HTTP/1.1\r\n"
    trickle = asyncio.create_task(_trickle(writer, request.encode() + b"X-Slow: " + b"a" * 400))
    try:
        assert await closed_by_server(reader) == b""
    finally:
        trickle.cancel()
        writer.close()


async def _trickle(writer: asyncio.StreamWriter, data: bytes) -> None:
    for byte in data:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.1)


async def test_a_body_shorter_than_it_says_gets_a_408(server, store, session_id):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    path = remark_path(store.sessions.get(session_id).remark_token)
    writer.write(
        f"POST {path} HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n"
        "text=begin".encode()
    )
    await writer.drain()
    answer = await closed_by_server(reader)
    writer.close()
    assert answer.startswith(b"HTTP/1.1 408")
    assert b"Content-Security-Policy" in answer


async def test_an_idle_keep_alive_connection_is_closed(server, store, session_id):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    path = remark_path(store.sessions.get(session_id).remark_token)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    await writer.drain()
    answer = await closed_by_server(reader)  # answered, then closed once idle too long
    writer.close()
    assert answer.startswith(b"HTTP/1.1 200")


class FakeHandler:
    """What ConnectionGuard looks at in a connection, and whether it was dropped."""

    def __init__(self, state: int, last: float) -> None:
        loop_future = asyncio.get_running_loop().create_future()
        if state == 2:
            loop_future.set_result(None)
        self._waiter = loop_future
        self._messages = []
        self.answered = state == 0
        self.last_activity = last
        self.dropped = False

    def drop(self) -> None:
        self.dropped = True


async def test_the_least_useful_connections_go_first():
    guard = ConnectionGuard(total=4, per_client=3)
    busy = FakeHandler(2, 1.0)
    idle = FakeHandler(0, 5.0)
    phone = FakeHandler(1, 2.0)  # one connection of its own, not yet a whole request
    guard.admit(busy, "10.0.0.1")
    guard.admit(idle, "10.0.0.2")
    guard.admit(phone, "10.0.0.3")
    # One client opens many: its own cap drops its least useful first.
    hog = [FakeHandler(1, 10.0 + i) for i in range(4)]
    for h in hog[:3]:
        guard.admit(h, "10.0.0.9")
    assert idle.dropped  # over the total: the idle keep-alive connection went first
    guard.admit(hog[3], "10.0.0.9")
    assert sum(h.dropped for h in hog) >= 1 and len(guard.by_client["10.0.0.9"]) <= 3
    assert not busy.dropped and not phone.dropped  # the busy one and the phone's only one stay
    assert len(guard) <= 4
    # Addresses are kept in memory only, and forgotten with their last connection.
    for h in list(guard.open):
        guard.forget(h)
    assert guard.by_client == {} and len(guard) == 0


def test_the_cap_stays_below_the_open_file_limit():
    assert total_cap(1024) < 1024 - 500
    assert total_cap(64) == 8  # a tiny limit still serves a few
    assert total_cap(1 << 20) == 512


async def test_out_of_descriptors_is_caught_once_and_other_errors_pass_through():
    import errno

    from facilitator.web.conn import install_fd_watch

    loop = asyncio.get_running_loop()
    seen: list[dict] = []
    loop.set_exception_handler(lambda _loop, context: seen.append(context))
    told: list[int] = []
    undo = install_fd_watch(loop, lambda: told.append(1))
    emfile = {
        "message": "socket.accept() out of system resource",
        "exception": OSError(errno.EMFILE, "Too many open files"),
    }
    try:
        for _ in range(50):  # asyncio retries the accept every second while it lasts
            loop.call_exception_handler(emfile)
            await asyncio.sleep(0)  # the next loop pass
        loop.call_exception_handler({"message": "something else", "exception": KeyError("x")})
        await asyncio.sleep(0)
        # One accept pass reports once per connection it could not accept (up to its backlog,
        # 128): the connections are shed once for all of them, not a quarter per report.
        for _ in range(128):
            loop.call_exception_handler(emfile)
        await asyncio.sleep(0)
    finally:
        undo()
        loop.set_exception_handler(None)
    assert len(told) == 51  # the server says it once (RemarkServer._out_of_files) and sheds
    assert [c["message"] for c in seen] == ["something else"]


async def test_the_remarks_screen_says_plainly_when_descriptors_ran_out(store, session_id, clock):
    from facilitator.i18n import t
    from facilitator.tui.app import make_app
    from facilitator.tui.screens.remarks import RemarksScreen

    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    web = {"enabled": True, "host": "127.0.0.1", "port": 0}
    app = make_app(store, session_id=session_id, clock=clock, web=web, poll_interval=0)
    async with app.run_test(size=(140, 45)) as pilot, asyncio.timeout(60):
        while app.remarks.server is None:
            await pilot.pause(0.05)
        server = app.remarks.server
        told: list[str] = []
        server.inner.on_trouble = told.append
        for _ in range(3):
            server.inner._out_of_files()
        assert told == ["out_of_files"]  # once
        await pilot.press("m")
        while not isinstance(app.screen, RemarksScreen):
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        shown = str(app.screen.query_one("#remarks-problem").visual)
        assert shown == t("remarks.out_of_files")
