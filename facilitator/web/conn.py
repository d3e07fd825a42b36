"""Keeping the remark server up when one phone (or a script) tries to take it down.

PITFALLS (aiohttp 3.14, asyncio, Linux), and what this module chose:

- aiohttp has no timeout for reading a request's headers or body. Its `keepalive_timeout`
  is armed when a connection is made and re-armed after each response, and closes the
  connection if by then no whole request has arrived; it is not extended by bytes that trickle
  in. So one setting, `HEADER_TIMEOUT`, bounds both a connection that never sends a byte or
  sends its headers a byte at a time, and an idle keep-alive connection. The body is read by
  our handler under `BODY_TIMEOUT` (asyncio.timeout around request.read()): a body shorter
  than its Content-Length gets a 408 instead of holding the connection for ever; and aiohttp's
  "lingering" read of an unread body after the answer is cut from 10 s to `LINGER`.
- aiohttp and asyncio have no cap on open connections. `ConnectionGuard` counts them in
  `connection_made`/`connection_lost` of our RequestHandler subclass: at most
  `per_client` per client address (kept in memory only, as the rate limit does, never
  logged or stored) and `total` in all, where `total` also stays well below the process's
  open-file limit (RLIMIT_NOFILE). Over a cap, the least useful connections go first: idle
  keep-alive ones, then those that have not sent a whole request, and only then those being
  answered; within each, those of a client holding many connections before a client's only
  one (a phone opening the page), then the longest quiet.
- asyncio accepts up to `backlog` connections per loop pass before any protocol sees one, so
  `FD_RESERVE` keeps a few times that many descriptors (and the database's, the terminal's)
  free. A larger backlog would make every pass accept more before we can count, but a small
  kernel queue drops a phone's SYN in a flood (it tries again a second later): so the queue is
  deepened to `LISTEN_QUEUE` by listening again on the socket, and asyncio keeps accepting
  `BACKLOG` per pass.
- When the descriptors run out anyway, asyncio's accept loop reports EMFILE through the
  loop's exception handler with a traceback, and retries a second later, for as long as it
  lasts. It does not stop at the first EMFILE: it tries the rest of its `backlog` in the same
  pass, reporting (and scheduling a retry) each time, so one pass brings up to 128 reports.
  `install_fd_watch` replaces those reports with one plain sentence for the screen and
  `serve`'s output, sheds the least useful connections once per loop pass (shedding a quarter
  per report dropped every connection, the phones being answered too), and lets every other
  error through to the handler that was there before.
- A request aiohttp cannot parse (a broken request line, a header too long) is answered by
  RequestHandler.handle_error with a plain-text message that quotes the bytes sent, and logged
  with the client's address. `GuardedHandler.handle_error` answers with our own short page and
  the security headers instead, and logs nothing.
"""

from __future__ import annotations

import asyncio
import errno
import resource
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

HEADER_TIMEOUT = 15.0  # seconds to send a whole request after connecting or after a response
BODY_TIMEOUT = 10.0  # seconds to send a remark's body once its headers are in
# After an answer sent before the whole body came (a 408, a 413), aiohttp reads and drops the
# rest for up to `lingering_time` (10 s by default); a slow body would keep its connection.
LINGER = 1.0
MAX_TOTAL = 512  # open connections in all (a room of phones needs a few hundred at most)
MAX_PER_CLIENT = 16  # per address: a browser opens up to six per site
# The listen backlog: the kernel queues this many connections not yet accepted; when that queue
# is full it drops new SYNs and the phone retries only a second later. asyncio then accepts up
# to this many per loop pass before any protocol sees them, so as many descriptors stay free.
BACKLOG = 128
# The kernel's own queue of connections not yet accepted is deepened after listening (see
# deepen_listen_queue): with a full queue the kernel drops a phone's SYN, and the phone tries
# again only a second later. asyncio still accepts BACKLOG per pass, so the counts hold.
LISTEN_QUEUE = 4096
# Besides the connections we keep: up to BACKLOG accepted in each loop pass while the two
# passes before them are not yet counted (asyncio makes the transport one pass after the
# accept and calls connection_made one pass later), as many dropped and not yet closed, and
# the database's, the terminal's and the loop's own.
FD_RESERVE = 4 * BACKLOG + 128
OUT_OF_FILES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


def fd_limit() -> int:
    try:
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    except (OSError, ValueError):
        return 1024
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


def total_cap(limit: int | None = None, wanted: int = MAX_TOTAL) -> int:
    """The cap on open connections: `wanted`, or less when the open-file limit is low."""
    room = (fd_limit() if limit is None else limit) - FD_RESERVE
    return max(8, min(wanted, room))


class ConnectionGuard:
    """Counts open connections, in all and per client address, and drops the least useful."""

    def __init__(self, *, total: int | None = None, per_client: int = MAX_PER_CLIENT) -> None:
        self.total = total if total is not None else total_cap()
        self.per_client = per_client
        self.open: dict[GuardedHandler, str] = {}
        self.by_client: dict[str, set[GuardedHandler]] = {}
        self.dropped = 0

    def __len__(self) -> int:
        return len(self.open)

    def admit(self, handler: GuardedHandler, address: str) -> None:
        self.open[handler] = address
        mine = self.by_client.setdefault(address, set())
        mine.add(handler)
        if len(mine) > self.per_client:
            self._drop(sorted(mine, key=self._usefulness)[: len(mine) - self.per_client])
        if len(self.open) > self.total:
            # Shed a sixteenth at once, so a flood costs one sort per many connections.
            over = len(self.open) - self.total + max(1, self.total // 16)
            self._drop(sorted(self.open, key=self._usefulness)[:over])

    def forget(self, handler: GuardedHandler) -> None:
        address = self.open.pop(handler, None)
        if address is None:
            return
        mine = self.by_client.get(address)
        if mine is not None:
            mine.discard(handler)
            if not mine:
                del self.by_client[address]

    def shed(self, fraction: float = 0.25) -> None:
        """Drop the least useful part of the connections (the descriptors ran out)."""
        count = max(1, int(len(self.open) * fraction))
        self._drop(sorted(self.open, key=self._usefulness)[:count])

    def _usefulness(self, handler: GuardedHandler) -> tuple[int, int, float]:
        """Lower is less useful: its state (see _state); then connections of a client that
        holds many go before those of a client with few (a phone opening the page has one);
        then the longest quiet first."""
        crowd = len(self.by_client.get(self.open.get(handler, ""), ()))
        return _state(handler), -crowd, handler.last_activity

    def _drop(self, handlers: list[GuardedHandler]) -> None:
        for handler in handlers:
            self.forget(handler)
            self.dropped += 1
            handler.drop()


def _state(handler: GuardedHandler) -> int:
    """0 idle keep-alive, 1 no whole request yet, 2 being answered."""
    waiting = handler._waiter is not None and not handler._waiter.done()
    if waiting and not handler._messages:
        return 0 if handler.answered else 1
    return 2


class GuardedHandler(RequestHandler):
    """aiohttp's connection handler, counted by a ConnectionGuard and answering parse errors
    with our own page."""

    guard: ConnectionGuard | None = None
    error_page: Callable[[int], web.Response] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.last_activity = time.monotonic()
        self.answered = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple) and peer else ""
        if self.guard is not None:
            self.guard.admit(self, address)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self.guard is not None:
            self.guard.forget(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.last_activity = time.monotonic()
        super().data_received(data)

    async def finish_response(self, request: Any, resp: Any, start_time: Any) -> Any:
        try:
            return await super().finish_response(request, resp, start_time)
        finally:
            self.answered = True
            self.last_activity = time.monotonic()

    def drop(self) -> None:
        """Close at once, without a goodbye (the descriptor is what we need back)."""
        transport = self.transport
        self.force_close()
        if transport is not None:
            transport.abort()

    def handle_error(
        self,
        request: Any,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        # Nothing is logged: aiohttp's version names the client's address and quotes its bytes.
        if request.writer.output_size > 0:
            raise ConnectionError("the response was under way")
        if self.error_page is None:
            resp = web.Response(status=status, text=f"{status}", content_type="text/plain")
        else:
            resp = self.error_page(status)
        resp.force_close()
        return resp


class GuardedServer(web.Server):
    """aiohttp's low-level server, making GuardedHandlers."""

    def __init__(self, *args: Any, guard: ConnectionGuard, error_page: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.guard = guard
        self.error_page = error_page

    def __call__(self) -> RequestHandler:
        handler = GuardedHandler(self, loop=self._loop, **self._kwargs)
        handler.guard = self.guard
        handler.error_page = self.error_page
        return handler


class GuardedRunner(web.AppRunner):
    """AppRunner whose server is a GuardedServer (same app, same handler arguments)."""

    def __init__(
        self, app: web.Application, *, guard: ConnectionGuard, error_page: Any, **kw: Any
    ) -> None:
        super().__init__(app, **kw)
        self.guard = guard
        self.error_page = error_page

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()
        return GuardedServer(
            server.request_handler,
            request_factory=server.request_factory,
            loop=server._loop,
            handler_cancellation=server.handler_cancellation,
            guard=self.guard,
            error_page=self.error_page,
            **server._kwargs,
        )


def install_fd_watch(
    loop: asyncio.AbstractEventLoop, on_out_of_files: Callable[[], None]
) -> Callable[[], None]:
    """Catch asyncio's "out of system resource" reports; returns a function that undoes it."""
    previous = loop.get_exception_handler()
    heard = False  # in this loop pass already (asyncio reports once per failed accept)

    def next_pass() -> None:
        nonlocal heard
        heard = False

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        nonlocal heard
        exc = context.get("exception")
        if isinstance(exc, OSError) and exc.errno in OUT_OF_FILES:
            if not heard:
                heard = True
                loop.call_soon(next_pass)
                on_out_of_files()
            return
        # After an EMFILE asyncio retries accepting a second later (call_later of
        # `_start_serving`); when the server was closed meanwhile, that retry raises
        # "Invalid file descriptor: -1" with a traceback. Nothing is left to serve: say nothing.
        if isinstance(exc, ValueError) and "_start_serving" in repr(context.get("handle")):
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)

    def undo() -> None:
        if loop.get_exception_handler() is handler:
            loop.set_exception_handler(previous)

    return undo


def deepen_listen_queue(sockets: Any, depth: int = LISTEN_QUEUE) -> None:
    """listen() again with a deeper queue on the server's sockets (asyncio's accept loop keeps
    its own, smaller count per pass). Best effort: the kernel caps it at net.core.somaxconn."""
    import os
    import socket

    for transport_socket in sockets or ():
        try:
            dup = socket.socket(fileno=os.dup(transport_socket.fileno()))
        except OSError:
            continue
        try:
            dup.listen(depth)
        except OSError:
            pass
        finally:
            dup.close()
