"""The top line of the run screen: which session, the session clock against 4:30, the expected end.

The expected end and how late the day runs matter most during a session: when the line is short
of room, the title goes first (but the target goes before the theme's name is cut), then the
"/ 4:30:00" target, then the demo badge, then the session
clock, so the end and the lateness stay whole down to 40 columns.
"""

from __future__ import annotations

from datetime import datetime

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.content import Content
from textual.widgets import Static

from facilitator.core.clock import ClockState, fmt_duration
from facilitator.core.text import one_line
from facilitator.core.timeutil import local
from facilitator.i18n import t
from facilitator.store import SessionInfo
from facilitator.tui.base import plain_line

CLOCK_PADDING = 4  # #session-clock: padding 0 2
DEMO_PADDING = 2  # #session-demo: padding-left 2
SYNC_PADDING = 2  # #session-sync: padding-left 2
TITLE_GAP = 2  # at least this much room between the title and what follows it


def shown_minute(moment: datetime) -> datetime:
    """A moment as the screen shows it: local time, cut to the minute (10:49:59 shows 10:49)."""
    return local(moment).replace(second=0, microsecond=0)


def late_minutes(state: ClockState) -> int:
    """Minutes the day ends after its planned end (negative: before it), counted between the
    two times as they are shown, so a reader who subtracts them gets the same figure."""
    if state.planned_end is None:
        return 0
    diff = shown_minute(state.projected_end) - shown_minute(state.planned_end)
    return int(diff.total_seconds() // 60)


def end_text(state: ClockState, *, short: bool = False) -> str:
    """The expected end with the lateness, as "Verwacht einde 13:34 (4 min uitloop)"; the actual
    end once closed ("Einde 13:34 (...)"); "" before the start. `short` leaves out the words
    before the time, for the narrowest terminals."""
    if state.started_at is None:
        return ""
    when = f"{shown_minute(state.projected_end):%H:%M}"
    late = late_minutes(state)
    if late > 0:
        drift = t("run.late", minutes=late)
    elif late < 0:
        drift = t("run.early", minutes=-late)
    else:
        drift = t("run.on_time")
    if short:
        return f"{when} ({drift})"
    head = (
        t("run.ended", time=when) if state.state == "closed" else t("run.projected_end", time=when)
    )
    return f"{head} ({drift})"


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
    SessionBar #session-sync { width: auto; color: $text-muted; padding: 0 0 0 2; display: none; }
    SessionBar #session-sync.-offline { color: $warning; text-style: bold; }
    """

    def __init__(self, session: SessionInfo, demo_speed: float | None = None) -> None:
        super().__init__()
        self.session = session
        self.demo_speed = demo_speed
        self._state: ClockState | None = None
        self._shown: dict[str, str] = {}  # widget id -> the text it shows
        self._title_for: tuple[int, str] | None = None  # (room, title) of the last title worked out

    def compose(self) -> ComposeResult:
        yield Static("", id="session-title")
        yield Static("", id="session-clock")
        yield Static("", id="session-end")
        if self.demo_speed:
            speed = f"{self.demo_speed:g}"
            yield Static(Content(t("run.demo", speed=speed)), id="session-demo")
        yield Static("", id="session-sync")

    def update_state(self, state: ClockState) -> None:
        self._state = state
        self._show(state)

    def update_sync(self, text: str, *, offline: bool = False) -> None:
        """A note-taker's laptop: "offline, 7 te versturen", "3 te versturen", "gedeeld"."""
        self._sync = text
        self._put("session-sync", Content(text), text)
        self.query_one("#session-sync", Static).set_class(offline, "-offline")
        if self._state is not None:
            self._title_for = None
            self._show(self._state)

    def on_resize(self, event: events.Resize) -> None:
        if self._state is not None:
            self._show(self._state)

    def _room(self) -> int:
        """Cells for the line's contents; the app's width until the bar has been laid out."""
        width = self.content_size.width
        return width if width > 0 else max(0, self.app.size.width - 2)

    def _show(self, state: ClockState) -> None:
        elapsed = fmt_duration(state.session_elapsed, hours=True)
        total = fmt_duration(state.planned_total_minutes * 60)
        full_clock = t("run.session_clock", elapsed=elapsed, total=total)
        short_clock = t("run.session_clock_short", elapsed=elapsed)
        end = end_text(state)

        # The most complete line that fits, dropping the least important parts first.
        room = self._room()
        options: list[tuple[str, bool, str]] = [
            (full_clock, True, end),
            (short_clock, True, end),
            (short_clock, False, end),
            ("", False, end),
            ("", False, end_text(state, short=True)),
        ]
        clock, show_demo, end = options[-1]
        # The "/ 4:30:00" target goes before the theme's name is cut (a cut theme reads wrong),
        # and before place and date go: which session this is counts more than the target.
        whole = cell_len(self._fit_title(10**6))
        head = cell_len(self._head()) + TITLE_GAP
        fits = [o for o in options[:2] if self._width(*o) + whole <= room]
        fits = fits or [o for o in options[:3] if self._width(*o) + head <= room]
        for option in fits or options:
            if self._width(*option) <= room:
                clock, show_demo, end = option
                break
        # The title takes what is left: as many words of the theme as fit after place and date.
        title = self._title(room - self._width(clock, show_demo, end) - (0 if clock else TITLE_GAP))
        # Four times a second: only what changed is touched (an update re-renders the widget).
        self._put("session-title", plain_line(title), title)
        self._put("session-clock", Content(clock), clock)
        self._put("session-end", Content(end), end)
        for badge in self.query("#session-demo"):
            badge.display = show_demo
        end_widget = self.query_one("#session-end", Static)
        late = late_minutes(state)
        end_widget.set_class(0 < late < 10, "-late")
        end_widget.set_class(late >= 10, "-very-late")

    def _put(self, widget_id: str, content: Content, text: str) -> None:
        """Show `text` in the widget (hidden when empty), unless it shows that already."""
        if self._shown.get(widget_id) == text:
            return
        self._shown[widget_id] = text
        widget = self.query_one(f"#{widget_id}", Static)
        widget.display = bool(text)
        widget.update(content)

    def _title(self, room: int) -> str:
        """Place · date · theme, the theme cut after a whole word; "" when place and date do
        not fit in `room`."""
        if self._title_for is not None and self._title_for[0] == room:
            return self._title_for[1]
        title = self._fit_title(room)
        self._title_for = (room, title)
        return title

    def _head(self) -> str:
        return one_line(f"{self.session.place} · {self.session.date}")

    def _fit_title(self, room: int) -> str:
        """Place · date · as many whole words of the theme as fit, "…" after a cut one."""
        head = self._head()
        if cell_len(head) > room:
            return ""
        title = head
        words = one_line(self.session.programme.theme).split()
        for i in range(len(words), 0, -1):
            longer = f"{head} · {' '.join(words[:i])}" + ("…" if i < len(words) else "")
            if cell_len(longer) <= room:
                title = longer
                break
        return title

    def _width(self, clock: str, show_demo: bool, end: str) -> int:
        """Cells taken by the right-hand parts, their padding included."""
        width = cell_len(end)
        sync = getattr(self, "_sync", "")
        if sync:
            width += cell_len(sync) + SYNC_PADDING
        if clock:
            width += cell_len(clock) + CLOCK_PADDING
        if show_demo and self.demo_speed:
            width += cell_len(t("run.demo", speed=f"{self.demo_speed:g}")) + DEMO_PADDING
        return width
