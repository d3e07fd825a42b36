"""The current block: its name, a countdown that changes colour near the end, and its prompts."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from facilitator.core.clock import ClockState, fmt_duration
from facilitator.core.text import clean, one_line
from facilitator.core.timeutil import local
from facilitator.i18n import t
from facilitator.tui.widgets.bigclock import BigClock
from facilitator.tui.widgets.timebar import TimeBar

LEVELS = ("-warn", "-urgent", "-overrun")


def block_title(state: ClockState) -> str:
    """ "Fase 1 · De diepte in", or the block's own name for breaks, the meal and the rest."""
    b = state.current
    if b is None:
        return ""
    if b.block.phase:
        return f"{t('run.phase_label', n=b.block.phase)} · {one_line(b.name)}"
    return one_line(b.name)


class BlockPanel(VerticalScroll):
    """Everything about the block that is running now."""

    def watch_has_focus(self, has_focus: bool) -> None:
        # The run screen focuses the panel as it is first shown, before its first paint, and
        # Textual then styles the panel and all it holds again (~2.5 ms of that paint) for
        # styles that depend on focus. The run screen has none (tests/test_run_screen.py,
        # test_the_first_show_needs_no_second_styling), so that first time it is left out
        # (see RunScreen._on_screen_resume); any later focus change restyles as usual.
        if getattr(self.screen, "shown", True):
            super().watch_has_focus(has_focus)

    def compose(self) -> ComposeResult:
        yield Static("", id="block-title")
        with Horizontal(id="countdown-row"):
            yield BigClock("", id="countdown", max_scale=1, center=False)
            with VerticalScroll(id="countdown-side"):
                yield Static("", id="countdown-label")
                yield Static("", id="countdown-text")
                yield Static("", id="paused-label")
        yield TimeBar(id="block-progress")
        yield Static("", id="work-forms")
        yield Static("", id="prompts")
        yield Static("", id="next-up")

    def update_state(self, state: ClockState) -> None:
        title = self.query_one("#block-title", Static)
        digits = self.query_one("#countdown", BigClock)
        label = self.query_one("#countdown-label", Static)
        text = self.query_one("#countdown-text", Static)
        paused = self.query_one("#paused-label", Static)
        bar = self.query_one("#block-progress", TimeBar)
        for cls in LEVELS:
            self.remove_class(cls)
        self.set_class(state.paused, "-paused")
        current = state.current
        if current is None:
            nxt = state.next_block()
            if state.state == "closed":
                title.update(Content(t("run.closed")))
                label.update(Content(t("run.closed_hint")))
            else:
                title.update(Content(t("run.not_started")))
                label.update(Content(t("run.press_next", name=one_line(nxt.name)) if nxt else ""))
            digits.update("")
            text.update("")
            paused.update("")
            bar.update(0)
            self._show_block_details(None, state)
            self._mark_empty(paused, self.query_one("#next-up", Static))
            return
        level = state.level
        if level != "normal":
            self.add_class("-" + level)
        remaining = state.block_remaining
        countdown = fmt_duration(remaining, countdown=True)
        title.update(Content(block_title(state)))
        digits.update(countdown)
        if level == "overrun":
            label.update(Content(t("run.overrun")))
        else:
            label.update(Content(t("run.remaining")))
        # The same figure as text, for narrow and short terminals where the digits are hidden.
        text.update(Content(countdown))
        if state.paused_since is not None:
            paused.update(Content(t("run.paused_since", time=f"{local(state.paused_since):%H:%M}")))
        else:
            paused.update("")
        allowed = current.allowed_seconds
        bar.update(state.block_elapsed / allowed if allowed else 1.0)
        self._show_block_details(current, state)
        self._mark_empty(paused)

    @staticmethod
    def _mark_empty(*widgets: Static) -> None:
        """An empty line takes no room on a short terminal (see app.tcss)."""
        for widget in widgets:
            empty = not str(widget.render())
            if widget.has_class("-empty") != empty:
                widget.set_class(empty, "-empty")

    def _show_block_details(self, current, state: ClockState) -> None:
        forms = self.query_one("#work-forms", Static)
        prompts = self.query_one("#prompts", Static)
        nxt_label = self.query_one("#next-up", Static)
        block = current.block if current is not None else None
        key = block.key if block else None
        if getattr(self, "_details_for", object()) != (key, state.state):
            self._details_for = (key, state.state)
            if block and block.work_forms:
                forms.update(
                    Content(f"{t('run.work_forms')}: " + ", ".join(map(one_line, block.work_forms)))
                )
            else:
                forms.update("")
            if block and block.prompts:
                body = Content("\n").join(
                    [Content(t("run.prompts")).stylize("bold")]
                    + [Content("• " + clean(p)) for p in block.prompts]
                )
                prompts.update(body)
            else:
                prompts.update("")
        nxt = state.next_block()
        if state.state == "closed" or current is None:
            nxt_label.update("")
        elif nxt is not None and nxt.status == "suspended":
            left = fmt_duration(nxt.remaining_seconds(state.now), countdown=True)
            nxt_label.update(Content(t("run.next_up_resume", name=one_line(nxt.name), left=left)))
        elif nxt is not None:
            nxt_label.update(
                Content(t("run.next_up", name=one_line(nxt.name), minutes=nxt.planned_minutes))
            )
        else:
            nxt_label.update(Content(t("run.last_block")))
        self._mark_empty(nxt_label)
