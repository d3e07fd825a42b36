"""The run screen's key tables besides the clock's (and the capture keys the log shares).

Descriptions and tooltips name catalogue keys (see facilitator/locales), translated per screen;
the key bar, the help screen and the command palette all read them. Each table comes with the
help-screen section of its actions ("clock", "view", "capture", "other").
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

REMARK_BINDINGS: list[BindingType] = [
    Binding("m", "remarks", "remarks.key_open", tooltip="remarks.help_open"),
]
REMARK_HELP_SECTIONS: dict[str, str] = {"remarks": "view"}
