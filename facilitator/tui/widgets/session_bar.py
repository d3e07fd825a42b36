"""The top line of the run screen: which session, the session clock against 4:30, the expected end."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from facilitator.core.clock import ClockState, fmt_duration
from facilitator.core.timeutil import local
from facilitator.i18n import t
from facilitator.store import SessionInfo
from facilitator.tui.base import plain_line


class SessionBar(Horizontal):
    """Session title on the left; session clock and projected end on the right."""

    DEFAULT_CSS = """
    SessionBar { height: 1; background: $panel; padding: 0 1; }
    SessionBar #session-title { width: 1fr; text-style: bold; }
    SessionBar #session-clock { width: auto; padding: 0 2; }
    SessionBar #session-end { width: auto; }
    SessionBar #session-end.-late { color: $warning; text-style: bold; }
    SessionBar #session-end.-very-late { color: $error; text-style: bold; }
    SessionBar #session-demo { width: auto; color: $accent; padding: 0 0 0 2; }
    """

    def __init__(self, session: SessionInfo, demo_speed: float | None = None) -> None:
        super().__init__()
        self.session = session
        self.demo_speed = demo_speed

    def compose(self) -> ComposeResult:
        s = self.session
        title = f"{s.place} · {s.date} · {s.programme.theme}"
        yield Static(plain_line(title), id="session-title")
        yield Static("", id="session-clock")
        yield Static("", id="session-end")
        if self.demo_speed:
            speed = f"{self.demo_speed:g}"
            yield Static(Content(t("run.demo", speed=speed)), id="session-demo")

    def update_state(self, state: ClockState) -> None:
        total = fmt_duration(state.planned_total_minutes * 60)
        clock = t(
            "run.session_clock",
            elapsed=fmt_duration(state.session_elapsed, hours=True),
            total=total,
        )
        self.query_one("#session-clock", Static).update(Content(clock))
        end = self.query_one("#session-end", Static)
        if state.started_at is None:
            end.update("")
            return
        when = local(state.projected_end).strftime("%H:%M")
        late = round(state.late_minutes)
        if state.state == "closed":
            drift = ""
        elif late > 0:
            drift = " (" + t("run.late", minutes=late) + ")"
        elif late < 0:
            drift = " (" + t("run.early", minutes=-late) + ")"
        else:
            drift = " (" + t("run.on_time") + ")"
        end.update(Content(t("run.projected_end", time=when) + drift))
        end.set_class(0 < late < 10, "-late")
        end.set_class(late >= 10, "-very-late")
