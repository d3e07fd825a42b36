"""Keys the run screen gets from the issue "Export": x exports, d records the participants' profile.

The dialogs only return what was chosen; the report is built on the database thread and written
in a worker thread (so a long Word export never holds up the clock), with a progress bar.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider

from facilitator.i18n import t

if TYPE_CHECKING:
    from facilitator.store import SessionInfo
    from facilitator.tui.app import FacilitatorApp

log = logging.getLogger(__name__)

# Descriptions name catalogue keys (see facilitator/locales); the run screen translates them.
EXPORT_BINDINGS: list[BindingType] = [
    # Used after the session more than during it: in help and the command palette, not the key bar.
    Binding("x", "export", "export.key", show=False, tooltip="export.help"),
    Binding("d", "participants", "participants.key", show=False, tooltip="participants.help"),
]

# Which help-screen section each action belongs to ("clock", "view", "capture", "other").
EXPORT_HELP_SECTIONS: dict[str, str] = {"export": "other", "participants": "other"}


def export_folder() -> Path:
    """Where exports go unless the person types another path: Documents/facilitator."""
    from platformdirs import user_documents_dir

    return Path(user_documents_dir()) / "facilitator"


class ExportCommands(Provider):
    """Export, the participant version, the series report and the profile in the command palette."""

    def _commands(self) -> list[tuple[str, str, str, Any]]:
        screen = self.screen
        if not isinstance(screen, ExportActions):
            return []
        return [
            (t("export.cmd_export"), t("export.cmd_export_help"), "session", screen.action_export),
            (
                t("export.cmd_concept"),
                t("export.cmd_concept_help"),
                "participants",
                screen.action_export,
            ),
            (t("export.cmd_series"), t("export.cmd_series_help"), "theme", screen.action_export),
            (t("participants.cmd"), t("participants.cmd_help"), "", screen.action_participants),
        ]

    async def discover(self) -> Hits:
        for name, help_text, arg, action in self._commands():
            yield DiscoveryHit(name, partial(action, arg) if arg else action, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, arg, action in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(action, arg) if arg else action,
                    help=help_text,
                )


class ExportActions:
    """Mixin for RunScreen: the actions behind EXPORT_BINDINGS.

    The run screen offers: `self.session_id`, `self.session` (SessionInfo), `self.state`
    (the ClockState of the last tick), `self.current_block_key()`, and through `self.app`:
    `store`, `clock`, `author` and `await self.app.db(fn, *args)` for store calls.
    """

    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {ExportCommands}
    PALETTE_ELSEWHERE: ClassVar[tuple[str, ...]] = ("export", "participants")  # ExportCommands

    if TYPE_CHECKING:  # what the run screen provides
        session_id: str
        session: SessionInfo

    @property
    def _app(self) -> FacilitatorApp:
        """The app, typed (it is the run screen's `app`; a mixin cannot declare that one)."""
        return self.app  # type: ignore[attr-defined,no-any-return]

    @work(exclusive=True, group="export")
    async def action_export(self, scope: str = "session") -> None:
        """Ask what to export and where, then build and write it."""
        from facilitator.tui.screens.export import ExportScreen

        choice = await self._app.push_screen_wait(
            ExportScreen(self.session, export_folder(), scope)
        )
        if choice:
            await self.write_export(choice)

    async def write_export(self, choice: dict[str, Any]) -> Path | None:
        """Build the report on the database thread, render and write it in a worker thread."""
        from facilitator.export import (
            render_series,
            render_session,
            series_report,
            session_report,
            write_file,
        )
        from facilitator.tui.screens.export_progress import ExportProgressScreen

        app = self._app
        scope, fmt, path = choice["scope"], choice["format"], Path(choice["path"])
        now = app.clock()
        render: Callable[[Callable[[int, int], None]], str | bytes]
        if scope in ("session", "participants"):
            audience = "participants" if scope == "participants" else "team"
            report = await app.db(session_report, app.store, self.session_id, now, audience)
            if report is None:
                return None  # app.db has told the person why
            render = partial(render_session, report, fmt)
        else:
            selection = "all" if scope == "all" else self.session.programme.id
            series = await app.db(series_report, app.store, selection, now)
            if series is None:
                return None
            render = partial(render_series, series, fmt)

        window = ExportProgressScreen(str(path))
        await app.push_screen(window)
        loop = asyncio.get_running_loop()

        def progress(done: int, total: int) -> None:
            loop.call_soon_threadsafe(window.set_progress, done, total)

        def job() -> Path:
            return write_file(path, render(progress))

        try:
            written = await asyncio.to_thread(job)
        except Exception as exc:  # noqa: BLE001 - a failed export must never stop a live session
            log.exception("export to %s failed", path)
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            app.notify(t("export.failed", error=reason), severity="error", markup=False, timeout=10)
            return None
        finally:
            window.finish()
        app.notify(t("export.done", path=str(written)), markup=False, timeout=8)
        return written

    @work(exclusive=True, group="participants")
    async def action_participants(self) -> None:
        """Show the group's anonymous profile to fill in or correct, and save it."""
        from facilitator.core.participants import total
        from facilitator.tui.screens.participants import ParticipantsScreen, doubts

        app = self._app
        profile = await app.db(app.store.participants.get, self.session_id)
        if profile is None:
            return
        result = await app.push_screen_wait(
            ParticipantsScreen(profile, self.session.expected_participants)
        )
        if result is None:
            return
        saved = await app.db(app.store.participants.set, self.session_id, result)
        if saved is None:
            return
        detail = doubts(saved, self.session.expected_participants)
        if detail:
            message = t("participants.saved_check", n=total(saved), detail=detail)
            app.notify(message, severity="warning", markup=False, timeout=10)
        elif saved:
            app.notify(t("participants.saved", n=total(saved)), timeout=4)
        else:
            app.notify(t("participants.cleared"), timeout=4)
