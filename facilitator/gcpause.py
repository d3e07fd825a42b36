"""Python's cyclic garbage collector: kept out of the way of the first paint and of commits.

A module of its own, importing nothing of facilitator's, so that the console script (launch),
the command line (cli), the app (tui.app) and the commit queue (tui.saving) can all reach it
without importing one another. Three things, each for a pause a person would notice:

- `pause` / `resume`: the console script pauses the collector before anything is imported
  (see facilitator.launch); the app resumes it once its first screen is painted.
- `freeze` / `thaw`: once the first screen is painted, whoever started the app (the console
  script, a test, the benchmark), what exists is kept out of later collections (`gc.freeze`):
  modules, classes, styles and widgets live as long as the app and hold no garbage, and
  scanning them again and again made a full collection take 40-130 ms. `thaw` gives them back
  to the collector when the app closes (a test process runs many apps, one after the other).
- `hold` / `release`: no collection starts while an entry's commit is queued or running. A
  full collection on the event loop holds the interpreter, and with it the database thread
  that runs the commit: it landed between Enter and "saved" (the capture p99). The collection
  the hold put off runs after the commit, once the note-taker's words are on disk.
"""

from __future__ import annotations

import gc

_paused = False
_holds = 0
_held = False  # `hold` turned the collector off (and `release` turns it back on)
_frozen = 0  # apps that froze what existed when they were painted, and have not thawed it


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
        if not _held:
            gc.enable()


def freeze() -> None:
    """An app's first screen is painted: keep what exists out of later collections (see the
    module docstring); `thaw` when the app closes."""
    global _frozen
    _frozen += 1
    gc.freeze()


def thaw() -> None:
    """The app that called `freeze` closes: its objects are the collector's again."""
    global _frozen
    if _frozen:
        _frozen -= 1
        if not _frozen:
            gc.unfreeze()


def hold() -> None:
    """No collection starts until the matching `release` (calls nest)."""
    global _holds, _held
    _holds += 1
    if _holds == 1 and gc.isenabled():
        gc.disable()
        _held = True


def release() -> None:
    """End a `hold`; the collector runs again when the last one ends (if `hold` stopped it)."""
    global _holds, _held
    if not _holds:
        return
    _holds -= 1
    if not _holds and _held:
        _held = False
        if not _paused:
            gc.enable()
