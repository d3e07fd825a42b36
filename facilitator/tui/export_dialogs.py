"""The exporter's dialogs in Textual: what to export, the progress bar, the participants' profile.

The screens only return what was chosen (they do no I/O); `Exporter` (tui/exporter.py) does the
rest. Call the `ask_*` methods from a worker (they wait for the dialog to close).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App

if TYPE_CHECKING:
    from facilitator.core.participants import Profile
    from facilitator.store import SessionInfo
    from facilitator.tui.exporter import Progress


class ExportDialogs:
    """The ExportUI of a screen in `app`."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app

    async def ask_export(
        self, session: SessionInfo, folder: Path, scope: str
    ) -> dict[str, Any] | None:
        from facilitator.tui.screens.export import ExportScreen

        return await self.app.push_screen_wait(ExportScreen(session, folder, scope))

    async def show_progress(self, path: str) -> Progress:
        from facilitator.tui.screens.export_progress import ExportProgressScreen

        window = ExportProgressScreen(path)
        await self.app.push_screen(window)
        return window

    async def ask_participants(self, profile: Profile, expected: int | None) -> Profile | None:
        from facilitator.tui.screens.participants import ParticipantsScreen

        return await self.app.push_screen_wait(ParticipantsScreen(profile, expected))

    def notify(self, message: str, *, severity: str = "information", timeout: float = 5) -> None:
        self.app.notify(message, severity=severity, markup=False, timeout=timeout)  # type: ignore[arg-type]
