"""Keys the run screen gets from the issue "Capture"; filled in by that work."""

from __future__ import annotations

from textual.binding import Binding, BindingType

# Descriptions name catalogue keys (see facilitator/locales); the run screen translates them.
CAPTURE_BINDINGS: list[BindingType] = []

# Which help-screen section each action belongs to ("clock", "view", "capture", "other").
CAPTURE_HELP_SECTIONS: dict[str, str] = {}


class CaptureActions:
    """Mixin for RunScreen: the actions behind CAPTURE_BINDINGS.

    The run screen offers: `self.session_id`, `self.session` (SessionInfo), `self.state`
    (the ClockState of the last tick), `self.current_block_key()`, and through `self.app`:
    `store`, `clock`, `author` and `await self.app.db(fn, *args)` for store calls.
    """

    _unused = Binding  # keeps the import for the bindings above
