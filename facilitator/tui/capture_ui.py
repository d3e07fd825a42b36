"""The capturer's side in Textual: the forms, the dialogs, notices, timers and workers of the
screen that holds it (the run screen; the log uses the run screen's capturer)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

from facilitator.tui.messages import EntriesChanged

if TYPE_CHECKING:
    from facilitator.core.entries import Capture, Entry
    from facilitator.tui.capture import Capturer, Form, Timer

WAIT_FOR_FORM = 0.5  # seconds between looks at whether the capture form has closed


class CaptureScreens:
    """The CaptureUI of `host`: what it opens goes on top of the app's screens."""

    def __init__(self, host: Screen[Any]) -> None:
        self.host = host

    def notify(self, message: str, *, severity: str = "information", timeout: float = 5) -> None:
        self.host.app.notify(message, severity=severity, markup=False, timeout=timeout)  # type: ignore[arg-type]

    def set_timer(self, delay: float, callback: Callable[[], Any], *, name: str) -> Timer:
        return self.host.app.set_timer(delay, callback, name=name)

    def run(self, work: Coroutine[Any, Any, Any], *, group: str, exclusive: bool = False) -> None:
        self.host.run_worker(work, group=group, exclusive=exclusive)

    def entries_changed(self) -> None:
        self.host.post_message(EntriesChanged())

    def when_free(self, action: Callable[[], Any]) -> None:
        from facilitator.tui.screens.log import LogScreen

        app = self.host.app

        def attempt() -> None:
            screen = app.screen
            if screen is not self.host and not isinstance(screen, LogScreen):
                app.set_timer(WAIT_FOR_FORM, attempt)
                return
            self.host.run_worker(_as_coroutine(action), group="capture-ask")

        attempt()

    async def open_form(self, form: Form, closed: Callable[[Capture | None], Any]) -> None:
        from facilitator.tui.screens.capture_form import CaptureScreen

        screen = CaptureScreen(
            form.capture,
            context=form.context,
            submit=form.submit,
            on_change=form.on_change,
            known_tags=form.known_tags,
            speakers=form.speakers,
            quotes=form.quotes,
            editing=form.editing,
            ask_initials=form.ask_initials,
            sub_questions=form.sub_questions,
            pending=form.pending,
        )
        await self.host.app.push_screen(screen, closed)

    async def ask_conflict(self, mine: Capture, current: Entry) -> str | None:
        from facilitator.tui.screens.conflict import ConflictScreen

        return await self.host.app.push_screen_wait(ConflictScreen(mine, current))

    async def offer_drafts(
        self,
        found: list[tuple[dict[str, Any], Capture]],
        chosen: Callable[[tuple[str, str] | None], Any],
    ) -> None:
        from facilitator.tui.screens.draft_offer import DraftOfferScreen

        await self.host.app.push_screen(DraftOfferScreen(found), chosen)

    async def confirm(
        self, question: str, yes: str, no: str, answered: Callable[[bool | None], Any]
    ) -> None:
        from facilitator.tui.screens.confirm import ConfirmScreen

        await self.host.app.push_screen(ConfirmScreen(question, yes, no), answered)

    async def open_log(self, capturer: Capturer, *, search: bool) -> None:
        """The session's log; the screen is kept (installed), so opening it again is quick."""
        from facilitator.tui.screens.log import LogScreen

        app = self.host.app
        name = f"capture-log:{capturer.session_id}"
        if not app.is_screen_installed(name):
            app.install_screen(LogScreen(capturer.ctx, capturer), name)
        log: Any = app.get_screen(name)
        log.opening(capturer, search=search)
        await app.push_screen(name)


async def _as_coroutine(action: Callable[[], Any]) -> None:
    result = action()
    if hasattr(result, "__await__"):
        await result
