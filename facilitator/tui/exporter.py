"""Exports from the TUI (key x) and the participants' profile (key d), behind the run screen.

The dialogs only return what was chosen; the report is built on the database thread and written
in a worker thread (so a long Word export never holds up the clock), with a progress bar. The
dialogs, the progress bar and the notices are the `ExportUI` the screen hands in (Textual's side,
tui/export_dialogs.py); the rest is plain asyncio, so a test can drive it with a fake.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from facilitator.i18n import os_reason, speak, t

if TYPE_CHECKING:
    from facilitator.core.participants import Profile
    from facilitator.store import SessionInfo
    from facilitator.tui.context import AppContext

log = logging.getLogger(__name__)


def export_folder() -> Path:
    """Where exports go unless the person types another path: Documents/facilitator."""
    from platformdirs import user_documents_dir

    return Path(user_documents_dir()) / "facilitator"


class Progress(Protocol):
    """How far a write is: moved from the writing thread's callbacks, closed when it is done."""

    def set_progress(self, done: int, total: int) -> None: ...

    def finish(self) -> None: ...


class ExportUI(Protocol):
    """What the exporter asks of the screen: the dialogs, a progress bar, a notice."""

    async def ask_export(
        self, session: SessionInfo, folder: Path, scope: str
    ) -> dict[str, Any] | None:
        """What to export and where ({"scope", "format", "path"}), or {} / None: cancelled."""
        ...

    async def show_progress(self, path: str) -> Progress: ...

    async def ask_participants(self, profile: Profile, expected: int | None) -> Profile | None: ...

    def notify(self, message: str, *, severity: str = "information", timeout: float = 5) -> None:
        """Tell the person (the text is shown as typed, never as markup)."""
        ...


class Exporter:
    """Writes a session's (or a series') export and keeps the participants' profile."""

    def __init__(self, ctx: AppContext, session: SessionInfo, ui: ExportUI) -> None:
        self.ctx = ctx
        self.session = session
        self.ui = ui

    async def export(self, scope: str = "session") -> None:
        """Ask what to export and where, then build and write it."""
        choice = await self.ui.ask_export(self.session, export_folder(), scope)
        if choice:
            await self.write_export(choice)

    async def write_export(self, choice: dict[str, Any]) -> Path | None:
        """Build the report on the database thread, render and write it in a worker thread."""
        render = await self.renderer(choice)
        if render is None:
            return None  # ctx.db has told the person why
        path = Path(choice["path"])
        window = await self.ui.show_progress(str(path))
        try:
            written = await self.write(path, render, window.set_progress)
        except Exception as exc:  # noqa: BLE001 - a failed export must never stop a live session
            log.exception("export to %s failed", path)
            reason = os_reason(exc) if isinstance(exc, OSError) else speak(str(exc))
            self.ui.notify(t("export.failed", error=reason), severity="error", timeout=10)
            return None
        finally:
            window.finish()
        self.ui.notify(t("export.done", path=str(written)), timeout=8)
        return written

    async def renderer(
        self, choice: dict[str, Any]
    ) -> Callable[[Callable[[int, int], None]], str | bytes] | None:
        """The chosen report, built on the database thread, ready to render (None: the database
        failed). A session's team or participant version, or a series report."""
        from facilitator.export import render_series, render_session, series_report, session_report

        ctx, scope, fmt = self.ctx, choice["scope"], choice["format"]
        now = ctx.clock()
        if scope in ("session", "participants"):
            audience = "participants" if scope == "participants" else "team"
            report = await ctx.db(session_report, ctx.store, self.session.id, now, audience)
            if report is None:
                return None
            return partial(render_session, report, fmt)
        selection = "all" if scope == "all" else self.session.programme.id
        series = await ctx.db(series_report, ctx.store, selection, now)
        if series is None:
            return None
        return partial(render_series, series, fmt)

    @staticmethod
    async def write(
        path: Path,
        render: Callable[[Callable[[int, int], None]], str | bytes],
        progress: Callable[[int, int], None],
    ) -> Path:
        """Render and write in a worker thread; `progress(done, total)` is called on this loop."""
        from facilitator.export import write_file

        loop = asyncio.get_running_loop()

        def step(done: int, total: int) -> None:
            loop.call_soon_threadsafe(progress, done, total)

        return await asyncio.to_thread(lambda: write_file(path, render(step)))

    async def participants(self) -> None:
        """Show the group's anonymous profile to fill in or correct, and save it."""
        from facilitator.core.participants import total
        from facilitator.tui.screens.participants import doubts

        ctx, session, expected = self.ctx, self.session, self.session.expected_participants
        profile = await ctx.db(ctx.store.participants.get, session.id)
        if profile is None:
            return
        result = await self.ui.ask_participants(profile, expected)
        if result is None:
            return
        saved = await ctx.db(ctx.store.participants.set, session.id, result)
        if saved is None:
            return
        detail = doubts(saved, expected)
        if detail:
            message = t("participants.saved_check", n=total(saved), detail=detail)
            self.ui.notify(message, severity="warning", timeout=10)
        elif saved:
            self.ui.notify(t("participants.saved", n=total(saved)), timeout=4)
        else:
            self.ui.notify(t("participants.cleared"), timeout=4)
