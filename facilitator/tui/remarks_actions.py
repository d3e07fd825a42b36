"""Keys the run screen gets from the issue "Anonymous remarks"; filled in by that work."""

from __future__ import annotations

from textual.binding import Binding, BindingType

# Descriptions name catalogue keys (see facilitator/locales); the run screen translates them.
REMARK_BINDINGS: list[BindingType] = []

# Which help-screen section each action belongs to ("clock", "view", "capture", "other").
REMARK_HELP_SECTIONS: dict[str, str] = {}


class RemarkActions:
    """Mixin for RunScreen: the actions behind REMARK_BINDINGS.

    The run screen offers: `self.session_id`, `self.session` (SessionInfo), `self.state`
    (the ClockState of the last tick), `self.current_block_key()`, and through `self.app`:
    `store`, `clock`, `author` and `await self.app.db(fn, *args)` for store calls.
    """

    _unused = Binding  # keeps the import for the bindings above

    def room_break_widget(self):  # -> Widget | None
        """What the room clock shows beside the digits during a break (the remark QR code)."""
        return None
