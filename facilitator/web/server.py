"""Start and stop the remark server inside a running loop (the TUI's, or `facilitator serve`'s).

Uses AppRunner and TCPSite, never `web.run_app`, which would take over the loop.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from facilitator.store import Store
from facilitator.web.app import WebConfig, create_web_app, error_response
from facilitator.web.conn import (
    BACKLOG,
    LINGER,
    ConnectionGuard,
    GuardedRunner,
    deepen_listen_queue,
    install_fd_watch,
)
from facilitator.web.net import detect_lan_address, listen_first_free, usable
from facilitator.web.qr import participant_url

DEFAULT_HOST = "0.0.0.0"  # every interface: reachable from phones on the venue's network
DEFAULT_PORT = 8080
PORT_TRIES = 10  # the default port busy (a second app on this laptop): try the next ones


@dataclass(frozen=True)
class WebOptions:
    """Where the server listens and which address it tells phones to open."""

    enabled: bool = True
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    url: str | None = None  # the base URL phones should use, when detection gets it wrong
    port_given: bool = False


def resolve_options(
    given: dict[str, Any] | None = None, env: dict[str, str] | None = None
) -> WebOptions:
    """Explicit options, then FACILITATOR_WEB (0/off), _HOST, _PORT and _URL, then defaults."""
    given = dict(given or {})
    env = dict(os.environ if env is None else env)
    enabled = given.get("enabled")
    if enabled is None:
        enabled = env.get("FACILITATOR_WEB", "1").strip().lower() not in ("0", "off", "no", "false")
    host = given.get("host") or env.get("FACILITATOR_HOST") or DEFAULT_HOST
    port_text = str(given.get("port", env.get("FACILITATOR_PORT")) or "").strip()
    if "port" in given and given["port"] == 0:
        port_text = "0"
    port_given = port_text != ""
    try:
        port = int(port_text) if port_given else DEFAULT_PORT
    except ValueError:
        raise ValueError(f"the port must be a number, not {port_text!r}") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"the port must be between 0 and 65535, not {port}")
    url = given.get("url") or env.get("FACILITATOR_URL") or None
    if url is not None:
        url = check_public_url(str(url))
    return WebOptions(bool(enabled), str(host), port, url, port_given)


def check_public_url(url: str) -> str:
    """The base address phones open, as given with --url or FACILITATOR_URL; ValueError if unusable.

    "10.0.0.5:8080" gets http:// in front; anything but http(s), a missing host, a user name or
    password, a query or a fragment is refused, since the QR code would lead phones nowhere.
    """
    text = url.strip()
    if "://" not in text:
        text = "http://" + text
    problem = f"the participants' address must look like http://10.0.0.5:8080, not {url!r}"
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    except ValueError:
        raise ValueError(problem) from None
    if (
        parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or parts.username is not None
        or parts.query
        or parts.fragment
        or any(ch.isspace() or ord(ch) < 32 for ch in text)
    ):
        raise ValueError(problem)
    return text


class RemarkServer:
    """The participants' server over one store, listening while started."""

    def __init__(
        self,
        store: Store,
        options: WebOptions | None = None,
        *,
        config: WebConfig | None = None,
        detect: Callable[[], str | None] | None = None,
    ) -> None:
        self.store = store
        self.options = options or WebOptions()
        self.config = config or WebConfig()
        self.detect = detect
        self.app: web.Application | None = None
        self._runner: web.AppRunner | None = None
        self.port: int | None = None
        self.guard: ConnectionGuard | None = None
        # "out_of_files" once the process ran out of file descriptors (said once, plainly).
        self.trouble: str | None = None
        self.on_trouble: Callable[[str], None] | None = None
        self._undo_fd_watch: Callable[[], None] | None = None

    @property
    def running(self) -> bool:
        return self._runner is not None and self.port is not None

    async def start(self) -> None:
        """Listen; OSError (with a readable message) when the port cannot be had."""
        if self._runner is not None:
            return
        self.app = create_web_app(self.store, self.config)
        self.guard = ConnectionGuard()
        runner = GuardedRunner(
            self.app,
            guard=self.guard,
            error_page=error_response,
            access_log=None,
            shutdown_timeout=2,
            handle_signals=False,
            keepalive_timeout=self.config.header_timeout,  # also for the headers: web.conn
            lingering_time=LINGER,
        )
        await runner.setup()
        site = await listen_first_free(
            runner,
            lambda port: web.TCPSite(runner, self.options.host, port, backlog=BACKLOG),
            self.options.port,
            tries=1 if self.options.port_given or self.options.port == 0 else PORT_TRIES,
            host=self.options.host,
        )
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        server = getattr(site, "_server", None)
        deepen_listen_queue(getattr(server, "sockets", None))
        self._undo_fd_watch = install_fd_watch(asyncio.get_running_loop(), self._out_of_files)

    def _out_of_files(self) -> None:
        """asyncio could not accept a connection: no file descriptors left. Said once; the least
        useful connections make room."""
        if self._runner is None:  # stopped: an accept retry scheduled before the stop
            return
        if self.guard is not None:
            self.guard.shed()
        if self.trouble is None:
            self.trouble = "out_of_files"
            if self.on_trouble is not None:
                self.on_trouble(self.trouble)

    async def stop(self) -> None:
        """Stop listening; safe to call twice, or without a start."""
        runner, self._runner = self._runner, None
        self.port = None
        if runner is not None:
            await runner.cleanup()
        # The watch stays on this loop after the sockets close: an accept retry asyncio
        # scheduled after an EMFILE may still fire (see install_fd_watch); it only hides that.
        self._undo_fd_watch = None

    def base_url(self) -> tuple[str, str | None]:
        """(the base URL phones open, a problem or None): "no_network" or "loopback"."""
        port = self.port if self.port is not None else self.options.port
        if self.options.url:
            return self.options.url, None
        host = self.options.host
        try:
            bound = ipaddress.ip_address(host)
        except ValueError:
            return f"http://{host}:{port}", None  # a host name the user chose
        if bound.is_unspecified:
            found = (self.detect or detect_lan_address)()
            if found is None:
                return f"http://127.0.0.1:{port}", "no_network"
            return f"http://{_host_part(found)}:{port}", None
        if not usable(host):
            return f"http://{_host_part(host)}:{port}", "loopback"
        return f"http://{_host_part(host)}:{port}", None

    def url_for(self, remark_token: str) -> tuple[str, str | None]:
        """(the participant URL of a session, a problem or None)."""
        base, problem = self.base_url()
        return participant_url(base, remark_token), problem


class ThreadedRemarkServer:
    """A RemarkServer in a thread of its own, with its own event loop (the TUI's choice).

    Why: in the app's loop, 200 phones arriving together meant one loop pass parsing and
    answering 200 requests (some 100 ms) while no frame could be drawn and no key handled.
    In its own thread the server takes turns with the screen at Python's switch interval
    (5 ms). Everything else is the RemarkServer's (its attributes are read through); store
    calls from both loops go to the one database thread.
    """

    def __init__(self, store: Store, *args: Any, **kwargs: Any) -> None:
        self.inner = RemarkServer(store, *args, **kwargs)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def start(self) -> None:
        store = self.inner.store
        await store.call(int)  # the database thread exists before a second loop uses it
        if self._thread is None:
            ready = threading.Event()
            loop = asyncio.new_event_loop()

            def run() -> None:
                asyncio.set_event_loop(loop)
                ready.set()
                try:
                    loop.run_forever()
                finally:
                    loop.close()

            self._loop = loop
            self._thread = threading.Thread(target=run, name="facilitator-web", daemon=True)
            self._thread.start()
            ready.wait()
        assert self._loop is not None
        future = asyncio.run_coroutine_threadsafe(self.inner.start(), self._loop)
        try:
            await asyncio.wrap_future(future)
        except BaseException:  # could not listen, or the app quit while it started
            future.cancel()
            self._end_now()
            raise

    async def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return
        try:
            await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(self.inner.stop(), loop))
        finally:
            thread, self._thread, self._loop = self._thread, None, None
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                await asyncio.to_thread(thread.join, 10)

    def _end_now(self) -> None:
        """Stop and end the thread, waiting here (a start that failed or was cancelled)."""
        loop, thread = self._loop, self._thread
        self._loop = self._thread = None
        if loop is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self.inner.stop(), loop).result(10)
        except Exception:  # it never listened: nothing to stop
            pass
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(10)


def _host_part(address: str) -> str:
    return f"[{address}]" if ":" in address else address
