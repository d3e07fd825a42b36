"""Anonymous remarks in the TUI: the run screen's key, the remark server's life, the room-clock QR.

The remark server runs inside the app's event loop (started by `start_remark_server` from the
app's start_services). Remarks reach the facilitator in batches; the screens hear about them
through `RemarksChanged` (from the server in this process) and `DatabaseChanged` (another
process, such as `facilitator serve`, wrote them).
"""

from __future__ import annotations

import asyncio
import importlib
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from facilitator.i18n import t

if TYPE_CHECKING:
    from textual.app import App
    from textual.widget import Widget

    from facilitator.store import SessionInfo

# Descriptions name catalogue keys (see facilitator/locales); the run screen translates them.
REMARK_BINDINGS: list[BindingType] = [
    Binding("m", "remarks", "remarks.key_open", tooltip="remarks.help_open"),
]

# Which help-screen section each action belongs to ("clock", "view", "capture", "other").
REMARK_HELP_SECTIONS: dict[str, str] = {"remarks": "view"}


NOTIFY_EVERY = 0.25  # seconds: news of remarks reaches the screens at most this often


def _local_buffer(app: Any) -> Any:
    server = getattr(app, "remark_server", None)
    if server is None or server.app is None:
        return None
    from facilitator.web.app import WRITER

    return server.app.get(WRITER)


def held_remarks(app: Any, session_id: str) -> int:
    """Remarks of a session the server in this app holds in memory (not yet in the database)."""
    buffer = _local_buffer(app)
    return buffer.held_count(session_id) if buffer is not None else 0


async def park_held_remarks(app: Any, session_id: str) -> None:
    """Write what this app's server holds of a session (before releasing by hand)."""
    buffer = _local_buffer(app)
    if buffer is not None and buffer.held_count(session_id):
        await app.db(buffer.park, session_id, now=app.clock())


class RemarksChanged(Message, bubble=False):
    """The remark server in this process stored a remark or released a batch."""

    def __init__(self, session_id: str, released: int) -> None:
        super().__init__()
        self.session_id = session_id
        self.released = released


# -- the server's life in the app ------------------------------------------------------------


async def start_remark_server(app: Any) -> None:
    """Start the participants' server in the app's loop; a failure is kept for the screens to tell.

    Sets `app.remark_server` (or None) and `app.remark_server_error` (a message, or None).
    """
    app.remark_server = None
    app.remark_server_error = None
    try:
        # aiohttp takes a quarter second to import: do it off the event loop.
        server_mod = await asyncio.to_thread(importlib.import_module, "facilitator.web.server")
        options = server_mod.resolve_options(app.web_options)
    except ValueError as exc:
        app.remark_server_error = str(exc)
        return
    app.remark_options = options
    if not options.enabled:
        return
    from facilitator.web.app import WebConfig

    # A burst (a thousand posts in a second) must not become a thousand messages to every
    # screen: changes are summed and told at most every NOTIFY_EVERY seconds.
    pending: dict[str, int] = {}
    loop = asyncio.get_running_loop()

    def tell() -> None:
        news = dict(pending)
        pending.clear()
        for session_id, released in news.items():
            for screen in app.screen_stack:
                screen.post_message(RemarksChanged(session_id, released))

    def note(session_id: str, released: int) -> None:
        if not pending:
            loop.call_later(NOTIFY_EVERY, tell)
        pending[session_id] = pending.get(session_id, 0) + released

    def changed(session_id: str, released: int) -> None:
        # Called in the server's thread (see web.server.ThreadedRemarkServer).
        loop.call_soon_threadsafe(note, session_id, released)

    extra = {
        k: app.web_options[k]
        for k in ("batch_size", "limiter", "release_interval")
        if k in app.web_options
    }
    config = WebConfig(clock=app.clock, on_change=changed, **extra)
    server = server_mod.ThreadedRemarkServer(app.store, options, config=config)
    try:
        await server.start()
    except OSError as exc:
        app.remark_server_error = exc.strerror or str(exc)
        return
    app.remark_server = server
    # aiohttp and the server's objects live as long as the app: moved out of the collector's
    # later scans (as facilitator.launch does for the screens), a full collection during a
    # burst of remarks stays short.
    import gc

    gc.freeze()


async def stop_remark_server(app: Any) -> None:
    """Stop the server (and a start still under way); safe to call twice."""
    for worker in list(app.workers):
        if worker.group == "remark-server" and not worker.is_finished:
            worker.cancel()
            try:
                await worker.wait()
            except Exception:  # cancelled, or it failed: either way it is not running
                pass
    server = getattr(app, "remark_server", None)
    app.remark_server = None
    if server is not None:
        await server.stop()


def remark_url(app: App[Any], session: SessionInfo) -> tuple[str | None, str | None]:
    """(the participant URL of `session`, a sentence on what is wrong or None)."""
    from facilitator.web.qr import participant_url

    server = getattr(app, "remark_server", None)
    options = getattr(app, "remark_options", None)
    if server is not None and server.running:
        url, problem = server.url_for(session.remark_token)
        if getattr(server, "trouble", None) == "out_of_files":
            return url, t("remarks.out_of_files")
        if problem == "no_network":
            return url, t("remarks.no_network")
        if problem == "loopback":
            return url, t("remarks.loopback", host=server.options.host)
        return url, None
    if options is not None and options.url:
        return participant_url(options.url, session.remark_token), None
    error = getattr(app, "remark_server_error", None)
    if error:
        return None, t("remarks.server_error", error=error, session=session.id)
    if options is not None and not options.enabled:
        return None, t("remarks.disabled", session=session.id)
    return None, t("remarks.starting")


# -- the run screen's part -------------------------------------------------------------------


class RemarkActions:
    """Mixin for RunScreen: the actions behind REMARK_BINDINGS.

    The run screen offers: `self.session_id`, `self.session` (SessionInfo), `self.state`
    (the ClockState of the last tick), `self.current_block_key()`, and through `self.app`:
    `store`, `clock`, `author` and `await self.app.db(fn, *args)` for store calls.
    """

    _remarks_shown: int | None = None

    def action_remarks(self) -> None:
        from facilitator.tui.screens.remarks import RemarksScreen

        self.app.push_screen(RemarksScreen(self.session_id))  # type: ignore[attr-defined]

    async def _notice_new_remarks(self) -> None:
        """Tell the facilitator when a batch of remarks became readable."""
        app = self.app  # type: ignore[attr-defined]
        counts = await app.db(app.store.remarks.counts, self.session_id)  # type: ignore[attr-defined]
        if counts is None:
            return
        readable = counts["shown"] + counts["hidden"]
        before, self._remarks_shown = self._remarks_shown, readable
        from facilitator.tui.screens.remarks import RemarksScreen

        if isinstance(app.screen, RemarksScreen):
            return  # the facilitator is reading them already: that screen shows the new ones
        if before is not None and readable > before:
            new = readable - before
            key = "remarks.new_notice_one" if new == 1 else "remarks.new_notice"
            self.notify(t(key, count=new), timeout=8)  # type: ignore[attr-defined]

    def on_mount(self) -> None:
        # Textual calls this beside the run screen's own on_mount (each class in the MRO):
        # it notes how many remarks are readable now, so later batches count as new. After the
        # first paint, so the clock shows first.
        self.call_after_refresh(self._notice_new_remarks)  # type: ignore[attr-defined]

    async def on_remarks_changed(self, message: RemarksChanged) -> None:
        # Only a released batch can make something new to read; a remark that waits cannot.
        if message.released and message.session_id == self.session_id:  # type: ignore[attr-defined]
            await self._notice_new_remarks()

    async def on_database_changed(self, message: Message) -> None:
        await self._notice_new_remarks()

    def room_break_widget(self) -> Widget | None:
        """What the room clock shows beside the digits during a break: the remark QR code."""
        url, problem = remark_url(self.app, self.session)  # type: ignore[attr-defined]
        if url is None or problem is not None:
            return None  # a code phones cannot use helps nobody in the room
        return RemarkInvite(url)


class RemarkInvite(Vertical):
    """The QR code, large, with one line of invitation and the URL under it."""

    DEFAULT_CSS = """
    RemarkInvite { width: auto; height: auto; align-horizontal: center; }
    RemarkInvite > Static { width: 100%; content-align: center middle; color: white; }
    RemarkInvite > .invite { text-style: bold; padding-top: 1; }
    RemarkInvite > .url { width: auto; }
    """

    def __init__(self, url: str) -> None:
        super().__init__(id="remark-invite")
        self.url = url

    def compose(self):
        from facilitator.tui.widgets.qr import QRCode

        yield QRCode(self.url, large=True, id="room-qr")
        yield Static(Content(t("remarks.invite")), classes="invite")
        yield Static(Content(self.url), classes="url")
