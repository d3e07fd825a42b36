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
- The bare `facilitator demo` (no options: how most people first meet the app) starts without
  the command line: importing click and facilitator.cli and parsing took ~7 ms of a ~260 ms
  first paint, for a command with nothing to parse. It does what the `demo` command does with
  its defaults (facilitator.tui.demo_run.play, which that command calls too), and anything
  else, `--help` and shell completion included, goes through click as before. Should the demo
  end in an error, the command line is imported then to say it as it always has (cli.report).

Importing `facilitator.cli` from other code (the tests, a script) does not touch the collector.
"""

from __future__ import annotations

import os
import sys

from facilitator.gcpause import pause, resume

resume_gc = resume  # the name the app and the tests know it by


def run() -> None:
    """`facilitator ...`: pause the collector, then hand over to the command line."""
    pause()
    try:
        if bare_demo(sys.argv[1:]):
            _demo()
        else:
            from facilitator.cli import run as cli_run

            cli_run()
    finally:
        resume()


def bare_demo(args: list[str]) -> bool:
    """`facilitator demo` and nothing else (click's shell completion asks through the
    environment, and gets click)."""
    return args == ["demo"] and "_FACILITATOR_COMPLETE" not in os.environ


def _demo() -> None:
    """`facilitator demo` as the command line runs it, without click (see the module's doc)."""
    from facilitator import i18n
    from facilitator.tui import demo_run

    try:
        # The language as the command line settles it (cli._early_language, then the demo's
        # setup): --lang is not given, so FACILITATOR_LANG, else the settings file, else Dutch.
        try:
            language = i18n.choose_language(None)
        except Exception:
            i18n.set_language(i18n.DEFAULT)  # what the error is said in, as the command line
            raise
        i18n.set_language(language)
        demo_run.play()
    except SystemExit:
        raise
    except BaseException as exc:
        from facilitator.cli import report

        report(exc)
