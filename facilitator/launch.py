"""The console script's entry point: the app starts with Python's cyclic garbage collector paused.

This file keeps only what start-up needs, and each trick says why it is here:

- The collector is paused (facilitator.gcpause) before anything is imported. Starting the TUI
  builds some hundred thousand long-lived objects (modules, classes, styles, widgets); the
  collector kept scanning them while they were made, and a full collection landed in the
  middle of the first paint, costing ~15-40 ms of a ~300 ms start for nothing (none of it is
  garbage). The app resumes it after its first screen is painted (freezing what exists);
  commands that open no screen resume it as soon as the command line is parsed.
- The command line is imported inside `run`, after the pause, and imports the TUI, the web
  server, qrcode and the exporters only in the commands (and the screens) that use them.

Importing `facilitator.cli` from other code (the tests, a script) does not touch the collector.
"""

from __future__ import annotations

from facilitator.gcpause import pause, resume

resume_gc = resume  # the name the app and the tests know it by


def run() -> None:
    """`facilitator ...`: pause the collector, then hand over to the command line."""
    pause()
    try:
        from facilitator.cli import run as cli_run

        cli_run()
    finally:
        resume()
