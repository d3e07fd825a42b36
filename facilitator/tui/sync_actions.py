"""Note-takers' laptops in the TUI: the host's HTTPS server, a laptop's background sync, the
run screen's note-taker mode and its key for the Notulisten screen.

- On the host (a database that syncs no session with another host), `start_sync_services`
  starts the note-takers' server beside the remark server (off with FACILITATOR_WEB=0 or
  FACILITATOR_SYNC=0); laptops' pushes reach the screens as `DatabaseChanged`.
- On a laptop (a session joined with `facilitator join`), a background loop
  (`facilitator.sync.client.SyncLoop`) pushes the outbox within 50 ms of a save and pulls every
  0.5 s (every 2 s while the host cannot be reached): the outbox goes out in order, the others'
  entries and the host's clock come in. Capture never waits for it: every entry is committed
  locally first.
- In note-taker mode the clock keys (n, b, e, E, +, p, k, u) are not bound: the clock is the
  facilitator's. Pressing one says so.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from textual.binding import Binding, BindingType

from facilitator.i18n import t
from facilitator.tui.messages import SyncStatusChanged

if TYPE_CHECKING:
    from textual.screen import Screen

CLOCK_TOLERANCE = 1.0  # seconds: a laptop's clock closer to the host's than this is left alone
CLOCK_KEYS = ("n", "b", "e", "E", "plus", "p", "k", "u")

SYNC_BINDINGS: list[BindingType] = [
    Binding("N", "notetakers", "sync.key_open", show=False, tooltip="sync.help_open"),
]
SYNC_HELP_SECTIONS: dict[str, str] = {"notetakers": "view"}


def sync_enabled(app: Any) -> bool:
    """The note-takers' server runs where the remark server may (web options, FACILITATOR_WEB),
    unless FACILITATOR_SYNC=0."""
    off = ("0", "off", "no", "false")
    if os.environ.get("FACILITATOR_SYNC", "1").strip().lower() in off:
        return False
    enabled = (app.web_options or {}).get("enabled")
    if enabled is None:
        return os.environ.get("FACILITATOR_WEB", "1").strip().lower() not in off
    return bool(enabled)


async def start_sync_services(app: Any) -> None:
    """The host's server, or a laptop's sync loop; what fails is kept for the screens to tell."""
    from facilitator.sync import store_sync as ss

    app.sync_server = None
    app.sync_server_error = None
    app.sync_status = {}
    try:
        linked = await app.store.call(ss.linked_sessions, app.store)
    except Exception:  # noqa: BLE001 - a database problem shows elsewhere; sync just stays off
        return
    if linked:
        # Participants' remarks belong on the host (its QR code, its report): a note-taker's
        # laptop serves no remark page of its own, so none reaches a laptop and stays there.
        await app.remarks.refuse(t("sync.remarks_on_host"))
        app.run_worker(_sync_loop(app), group="note-takers", exit_on_error=False)
        return
    if not sync_enabled(app):
        return
    from facilitator.sync.host import NoteTakerServer

    def changed() -> None:
        app.database_changed.publish(None)

    options = app.web_options or {}
    server = NoteTakerServer(
        app.store,
        host=str(options.get("host") or os.environ.get("FACILITATOR_HOST") or "0.0.0.0"),
        # Tests ask the remark server for any free port: the same then goes for this one.
        port=options.get("sync_port", 0 if options.get("port") == 0 else None),
        clock=app.clock,
        on_change=changed,
    )
    try:
        await server.start()
    except OSError as exc:
        app.sync_server_error = exc.strerror or str(exc)
        return
    app.sync_server = server


async def stop_sync_services(app: Any) -> None:
    for worker in list(app.workers):
        if worker.group in ("sync-start", "note-takers") and not worker.is_finished:
            worker.cancel()
            try:
                await worker.wait()
            except Exception:  # noqa: BLE001 - cancelled, or failed: it runs no more
                pass
    server = getattr(app, "sync_server", None)
    app.sync_server = None
    if server is not None:
        await server.stop()


async def _sync_loop(app: Any) -> None:
    from facilitator.sync.client import SyncLoop

    def received() -> None:
        app.database_changed.publish(None)

    def status(_session_id: str) -> None:
        for screen in app.screen_stack:
            screen.post_message(SyncStatusChanged())

    loop = SyncLoop(app.store, on_status=status, on_received=received)
    app.sync_status = loop.status
    app.clock = host_clock(app.clock, loop.status)
    await loop.run()


def host_clock(base: Any, statuses: dict[str, Any]) -> Any:
    """The laptop's clock set to the host's, once the host has been heard from: the countdown
    shows the facilitator's time and entries are stamped in it, so "the latest edit" means the
    same on every laptop. Differences under a second are left alone (network jitter)."""
    from datetime import timedelta

    def now() -> Any:
        offsets = [s.offset for s in statuses.values() if s.offset is not None]
        if not offsets or abs(offsets[0]) < CLOCK_TOLERANCE:
            return base()
        return base() + timedelta(seconds=offsets[0])

    now.base = base  # type: ignore[attr-defined]
    return now


def status_text(app: Any, session_id: str) -> str:
    """For the session bar: "offline, 7 te versturen", "3 te versturen", "gedeeld", or ""."""
    status = getattr(app, "sync_status", {}).get(session_id)
    if status is None:
        return ""
    if status.online is False and status.reason in ("removed", "fingerprint"):
        return t(f"sync.bar_{status.reason}", n=status.pending)
    if status.online is False:
        return t("sync.offline", n=status.pending)
    if status.pending:
        return t("sync.sending", n=status.pending)
    if status.online and status.offset is not None and abs(status.offset) >= CLOCK_TOLERANCE:
        return t("sync.synced_skew", seconds=round(status.offset))
    if status.online:
        return t("sync.synced_bar")
    return ""


def apply_notetaker_mode(screen: Screen) -> bool:
    """In a session joined from a host, take the clock keys off the screen; True if so."""
    from facilitator.sync.store_sync import host_link

    session_id = getattr(screen, "session_id", None)
    if session_id is None or host_link(screen.app.store, session_id) is None:  # type: ignore[attr-defined]
        return False
    keys = screen._bindings.key_to_bindings
    for key in CLOCK_KEYS:
        keys.pop(key, None)
        keys[key] = [Binding(key, "clock_not_here", "", show=False)]
    return True


class SyncActions:
    """Mixin for RunScreen: the actions behind SYNC_BINDINGS and note-taker mode."""

    def action_notetakers(self) -> None:
        from facilitator.tui.screens.notetakers import NoteTakersScreen

        self.app.push_screen(NoteTakersScreen(self.session_id))  # type: ignore[attr-defined]

    def action_clock_not_here(self) -> None:
        self.notify(t("sync.clock_not_here"), timeout=4)  # type: ignore[attr-defined]
