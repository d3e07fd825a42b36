"""Python's cyclic garbage collector, paused while the app starts (see facilitator.launch).

A module of its own, importing nothing of facilitator's, so that the console script (launch),
the command line (cli) and the app (tui.app) can all reach it without importing one another.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Stop the collector until `resume`, if it is running (a caller's own choice stands)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Let the collector run again, if `pause` stopped it; safe to call more than once.

    What exists now is frozen first (`gc.freeze`: kept out of later scans): the modules,
    classes, styles and widgets of the first screen live as long as the app and hold no
    garbage, and scanning them again and again is what made a full collection take tens of
    milliseconds.
    """
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
