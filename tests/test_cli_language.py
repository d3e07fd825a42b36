"""The command line's errors speak the interface language: Dutch by default, English on request."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from facilitator import i18n

EXE = Path(sys.executable).with_name("facilitator")


def run(*args, lang=None):
    env = {k: v for k, v in os.environ.items() if k != "FACILITATOR_LANG"}
    if lang:
        env["FACILITATOR_LANG"] = lang
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, env=env)


def one_line(p) -> str:
    assert p.returncode == 2, p.stderr
    assert "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    return lines[0]


@pytest.fixture
def db(tmp_path):
    path = str(tmp_path / "x.db")
    made = run("new", "--programme", "spelregels", "--place", "Utrecht", "--db", path)
    assert made.returncode == 0, made.stderr
    return path


@pytest.mark.parametrize(
    ("args", "dutch", "english"),
    [
        (["bogus"], "onbekend commando 'bogus'", "no such command 'bogus'"),
        (["sessions", "--bogus"], "onbekende optie --bogus", "no such option --bogus"),
        (["new", "--programme", "spelregels"], "'--place' ontbreekt", "missing '--place'"),
        (
            ["new", "--place"],
            "optie --place verwacht een waarde",
            "option --place requires a value",
        ),
        (["sessions", "--lang", "xx"], "kies uit nl, en", "choose from nl, en"),
        (
            ["demo", "--speed", "abc"],
            "ongeldige waarde voor '--speed'",
            "invalid value for '--speed'",
        ),
        (["sessions", "one", "two"], "te veel argumenten", "too many arguments"),
    ],
)
def test_click_usage_errors_are_translated(args, dutch, english):
    nl = one_line(run(*args))
    assert dutch in nl and "Invalid value" not in nl and "No such" not in nl
    assert english in one_line(run(*args, lang="en"))


def test_store_errors_are_translated(db, tmp_path):
    nope = one_line(run("export", "nope", "--db", db))
    assert nope == "facilitator: geen sessie 'nope' in deze database"
    assert one_line(run("export", "nope", "--db", db, "--lang", "en")) == (
        "facilitator: no session 'nope' in this database"
    )
    empty = ["new", "--programme", "spelregels", "--place", "  ", "--db", db]
    assert "de plaats is leeg" in one_line(run(*empty))
    assert "the place is empty" in one_line(run(*empty, "--lang", "en"))
    missing = str(tmp_path / "missing.db")
    assert "geen database op" in one_line(run("sessions", "--db", missing))
    assert "no database at" in one_line(run("sessions", "--db", missing, lang="en"))


def test_an_unknown_message_passes_through_unchanged():
    from facilitator.cli import speak

    assert speak("something new went wrong") == "something new went wrong"


def test_every_cli_error_key_is_in_both_languages():
    nl = {k for k in i18n.catalogue("nl") if k.startswith("cli_errors.")}
    assert nl and nl == {k for k in i18n.catalogue("en") if k.startswith("cli_errors.")}
