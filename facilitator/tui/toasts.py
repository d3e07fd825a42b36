"""Toasts that stand clear of what a person is reading or typing.

Textual puts a screen's notifications at its bottom right, over whatever is there: the fields of
a capture form (docked at the bottom) and the text of a remark under the list. `keep_toasts_clear`
moves a screen's toasts up, to the bottom right of an area above such a widget, after every
layout (the widget grows and shrinks as it is typed in or the terminal is resized). When there is
no room above it, the toasts wait for a screen that has room (they are kept by the app, and show
on the next screen until their time is up).
"""

from __future__ import annotations

from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets._toast import ToastRack


def toast_region(screen: Screen) -> tuple[int, int, int, int] | None:
    """Where the screen's toasts are drawn: (x, y, width, height), None when none shows."""
    try:
        rack = screen.query_one(ToastRack)
    except NoMatches:
        return None
    if not rack.display:
        return None
    region = rack.region
    return (region.x, region.y, region.width, region.height)


def keep_toasts_clear(screen: Screen, clear_of: str, area: str | None = None) -> None:
    """From the screen's on_mount: its toasts stand above the widget `clear_of` (at the bottom
    of the screen, or of the widget `area`), at the right of `area` (the screen by default)."""
    shown: dict[str, tuple[int, int, int]] = {}

    def place(_screen: Screen | None = None) -> None:
        try:
            rack = screen.query_one(ToastRack)
            anchor: Widget = screen.query_one(clear_of)
            room: Widget | Screen = screen.query_one(area) if area else screen
        except NoMatches:
            return
        if not anchor.display or not anchor.region:
            return
        width, height = screen.size
        top = room.region.y if room is not screen else 0
        right = room.region.right if room is not screen else width
        below = max(0, height - anchor.region.y)
        place_at = (below, max(0, width - right), max(0, anchor.region.y - top))
        if shown.get("at") == place_at:
            return
        shown["at"] = place_at
        below, beside, above = place_at
        rack.styles.margin = (0, beside, below, 0)
        # Too little room for one toast: none shows here (the app keeps them for the next screen)
        # rather than one cut to a line or two of its border.
        rack.styles.max_height = above if above >= 3 else 0

    screen.screen_layout_refresh_signal.subscribe(screen, place, immediate=True)
