"""The command line: help on every command, the contract's exit codes, one-line reasons."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from facilitator.cli import main

EXE = Path(sys.executable).with_name("facilitator")


def run(*args, env=None):
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, env=env)


def test_every_command_has_help():
    runner = CliRunner()
    assert main.help
    for name, command in main.commands.items():
        assert command.help, f"`facilitator {name}` has no help text"
        result = runner.invoke(main, [name, "--help"])
        assert result.exit_code == 0, name
        assert "--db" in result.output, name


def test_new_and_sessions(tmp_path):
    db = str(tmp_path / "x.db")
    made = run(
        "new",
        "--programme",
        "wederkerigheid",
        "--place",
        "Groningen",
        "--date",
        "2026-04-15",
        "--facilitator",
        "Anna",
        "--participants",
        "23",
        "--json",
        "--db",
        db,
    )
    assert made.returncode == 0, made.stderr
    sid = json.loads(made.stdout)["id"]
    assert sid == "groningen-2026-04-15"
    listed = json.loads(run("sessions", "--json", "--db", db).stdout)
    assert listed[0] | {} == {
        "id": sid,
        "programme": "wederkerigheid",
        "place": "Groningen",
        "date": "2026-04-15",
        "state": "planned",
        "theme": "Wederkerigheid",
    }
    plain = run("sessions", "--db", db)
    assert "gepland" in plain.stdout
    assert "planned" in run("sessions", "--lang", "en", "--db", db).stdout


def test_the_environment_variable_names_the_database(tmp_path):
    import os

    env = {**os.environ, "FACILITATOR_DB": str(tmp_path / "env.db")}
    assert run("new", "--programme", "spelregels", "--place", "Utrecht", env=env).returncode == 0
    assert (tmp_path / "env.db").exists()


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["new", "--programme", "no-such", "--place", "X"], "no valid programme"),
        (["new", "--programme", "spelregels", "--place", "X", "--date", "1-3-2026"], "YYYY-MM-DD"),
        # Python's date.fromisoformat takes these too; stored as typed they break the contract.
        (["new", "--programme", "spelregels", "--place", "X", "--date", "20260301"], "YYYY-MM-DD"),
        (
            ["new", "--programme", "spelregels", "--place", "X", "--date", "2026-W10-1"],
            "YYYY-MM-DD",
        ),
        (["new", "--programme", "spelregels", "--place", "  "], "place is empty"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, args, reason):
    p = run(*args, "--db", str(tmp_path / "x.db"), "--lang", "en")
    assert p.returncode == 2
    assert reason in p.stderr
    assert len(p.stderr.strip().splitlines()) == 1
    assert "Traceback" not in p.stderr


def test_database_problems_exit_2_and_touch_nothing(tmp_path):
    newer = tmp_path / "newer.db"
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version=99")
    conn.commit()
    conn.close()
    before = newer.read_bytes()
    for path in (newer, tmp_path, tmp_path / "file.txt" / "x.db"):
        (tmp_path / "file.txt").write_text("x")
        p = run("sessions", "--db", str(path))
        assert p.returncode == 2, path
        assert len(p.stderr.strip().splitlines()) == 1 and "Traceback" not in p.stderr
    assert newer.read_bytes() == before


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_full_disk_behind_stdout_is_one_line_and_a_closed_pipe_is_quiet(tmp_path):
    db = str(tmp_path / "x.db")
    assert run("new", "--programme", "spelregels", "--place", "X", "--db", db).returncode == 0
    with open("/dev/full", "w") as full:
        p = subprocess.run(
            [str(EXE), "sessions", "--json", "--db", db], stdout=full, stderr=subprocess.PIPE
        )
    assert p.returncode == 2
    assert p.stderr.decode().strip() == "facilitator: de schijf is vol"  # in Dutch, the default
    proc = subprocess.Popen(
        [str(EXE), "sessions", "--json", "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # the reader is gone before anything is written, as with `| head -0`
    err = proc.stderr.read().decode()
    assert proc.wait() == 1
    assert err == ""


def test_a_database_error_is_one_line(tmp_path, monkeypatch, capsys):
    """A database locked past the busy timeout (or a damaged page) is named, not a traceback."""
    from facilitator import cli
    from facilitator.store.sessions import Sessions

    def locked(*args, **kwargs):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(Sessions, "create", locked)
    monkeypatch.setattr(
        sys, "argv", ["facilitator", "new", "--programme", "spelregels", "--place", "X"]
    )
    monkeypatch.setenv("FACILITATOR_DB", str(tmp_path / "x.db"))
    monkeypatch.setenv("FACILITATOR_LANG", "en")
    with pytest.raises(SystemExit) as stop:
        cli.run()
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err == "facilitator: the database could not be used: database is locked\n"
