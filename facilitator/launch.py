"""The console script's entry point: the app starts with Python's cyclic garbage collector paused.

Starting the TUI builds some hundred thousand long-lived objects (modules, classes, styles,
widgets). The collector keeps scanning them while they are made, and a full collection landed in
the middle of the first paint, costing ~15-40 ms of a ~300 ms start for nothing (none of it is
garbage). So the collector is paused until the first screen is painted, then what exists is
frozen (`gc.freeze`: moved out of later scans) and collection resumes. Commands that open no
screen resume it as soon as the command line is parsed. Importing `facilitator.cli` from other
code (the tests, a script) does not touch the collector at all.
"""

from __future__ import annotations

import gc

_paused = False


def run() -> None:
    """`facilitator ...`: pause the collector, then hand over to the command line."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True
    try:
        from facilitator.cli import run as cli_run

        cli_run()
    finally:
        resume_gc()


def resume_gc() -> None:
    """Let the collector run again, if `run` paused it; safe to call more than once."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
