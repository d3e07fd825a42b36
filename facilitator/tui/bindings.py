"""The run screen's key tables besides the clock's, and the capture keys the log shares.

Descriptions and tooltips name catalogue keys (see facilitator/locales), translated per screen;
the key bar, the help screen and the command palette all read them. Each table comes with the
help-screen section of its actions ("clock", "view", "capture", "other").
"""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding, BindingType
from textual.dom import DOMNode

# Key, kind. Dutch mnemonics: verhaal, citaat, zinnebeeld, ontwerpvraag, spelregel,
# (pro)totype, advies, inzicht, waarneming (observatie), Validatie.
CAPTURE_KEYS: tuple[tuple[str, str], ...] = (
    ("v", "story"),
    ("c", "quote"),
    ("z", "emblem"),
    ("o", "design_question"),
    ("s", "rule"),
    ("t", "prototype"),
    ("a", "advice"),
    ("i", "insight"),
    ("w", "observation"),
    ("V", "validation"),
)
# The footer has room for a few; the help screen (?) lists them all.
SHOWN_IN_FOOTER = ("quote",)


def capture_bindings(shown: Iterable[str] = SHOWN_IN_FOOTER) -> list[Binding]:
    """One binding per kind; descriptions are catalogue keys, translated per screen."""
    shown = set(shown)
    return [
        Binding(
            key,
            f"capture('{kind}')",
            f"capture.key_{kind}",
            show=kind in shown,
            tooltip=f"capture.help_{kind}",
        )
        for key, kind in CAPTURE_KEYS
    ]


# One key per kind, l for the log and / for search.
CAPTURE_BINDINGS: list[BindingType] = [
    *capture_bindings(),
    Binding("l", "log", "capture.key_log", tooltip="capture.help_log"),
    Binding("slash", "search", "capture.key_search", show=False, tooltip="capture.help_search"),
]
CAPTURE_HELP_SECTIONS: dict[str, str] = {
    b.action: "capture" for b in CAPTURE_BINDINGS if isinstance(b, Binding)
}

REMARK_BINDINGS: list[BindingType] = [
    Binding("m", "remarks", "remarks.key_open", tooltip="remarks.help_open"),
]
REMARK_HELP_SECTIONS: dict[str, str] = {"remarks": "view"}

EXPORT_BINDINGS: list[BindingType] = [
    # Used after the session more than during it: in help and the command palette, not the key bar.
    Binding("x", "export", "export.key", show=False, tooltip="export.help"),
    Binding("d", "participants", "participants.key", show=False, tooltip="participants.help"),
]
EXPORT_HELP_SECTIONS: dict[str, str] = {"export": "other", "participants": "other"}

SYNC_BINDINGS: list[BindingType] = [
    Binding("N", "notetakers", "sync.key_open", show=False, tooltip="sync.help_open"),
]
SYNC_HELP_SECTIONS: dict[str, str] = {"notetakers": "view"}

# In note-taker mode (a session joined from a host) the clock is the facilitator's: these keys
# are not bound, and pressing one says so.
CLOCK_KEYS = ("n", "b", "e", "E", "plus", "p", "k", "u")


def take_clock_keys_off(screen: DOMNode) -> None:
    """Unbind the clock keys of a note-taker's run screen: each says whose clock it is instead."""
    keys = screen._bindings.key_to_bindings
    for key in CLOCK_KEYS:
        keys.pop(key, None)
        keys[key] = [Binding(key, "clock_not_here", "", show=False)]
