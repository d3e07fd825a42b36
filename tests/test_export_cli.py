"""`facilitator export` and `facilitator import` on the command line."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from facilitator.cli import main
from facilitator.export import export_session
from facilitator.store import Store
from tests.golden.sample_session import SESSION, build_sample


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "x.db"
    s = Store.open(path)
    build_sample(s)
    s.close()
    return path


def run(*args, db=None):
    runner = CliRunner()
    extra = ["--db", str(db)] if db else []
    return runner.invoke(main, [*args, *extra], catch_exceptions=False)


def one_line_error(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def test_markdown_to_stdout_by_default(db):
    result = run("export", SESSION, db=db)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Verslag burgerconsultatie: Spelregels voor de samenleving")
    assert "## Belangrijkste inzichten en opbrengsten" in result.stdout
    assert result.stderr == ""  # no progress noise when stderr is not a terminal


@pytest.mark.parametrize("fmt", ["md", "html", "json", "csv", "docx"])
def test_out_writes_the_same_as_the_library(db, tmp_path, fmt):
    out = tmp_path / f"verslag.{fmt}"
    result = run("export", SESSION, "--format", fmt, "--out", str(out), db=db)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == str(out)
    s = Store.open(db)
    try:
        from tests.golden.sample_session import at

        expected = export_session(s, SESSION, fmt, now=at(60 * 24 * 8))
    finally:
        s.close()
    data = out.read_bytes()
    if fmt == "docx":
        import docx

        assert (
            docx.Document(io.BytesIO(data)).paragraphs[0].text
            == docx.Document(io.BytesIO(expected)).paragraphs[0].text
        )
    else:  # a closed session: the CLI's "now" changes nothing
        assert data.decode("utf-8") == expected
    assert not list(tmp_path.glob(".*.part"))


def test_docx_without_out_goes_to_a_file_named_after_the_session(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("export", SESSION, "--format", "docx", db=db)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"{SESSION}.docx"
    assert (tmp_path / f"{SESSION}.docx").read_bytes().startswith(b"PK")
    result = run("export", SESSION, "--format", "docx", "--for-participants", db=db)
    assert result.stdout.strip() == f"{SESSION}-conceptverslag.docx"


def test_docx_to_stdout_on_request(db):
    result = run("export", SESSION, "--format", "docx", "--out", "-", db=db)
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"PK")


def test_participant_version(db):
    result = run("export", SESSION, "--for-participants", db=db)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Conceptverslag")
    for internal in ("Observaties", "Anna de Vries", "[AB]", "Dit hoort niet", "supermarkt"):
        assert internal not in result.stdout.replace("\\[", "[").replace("\\]", "]")


def test_csv_delimiter(db):
    result = run("export", SESSION, "--format", "csv", "--delimiter", "semicolon", db=db)
    assert result.stdout.lstrip("\ufeff").startswith("session;id;kind;")


def test_series(db):
    for selection in ("all", "spelregels", "Spelregels voor de samenleving"):
        result = run("export", "--series", selection, db=db)
        assert result.exit_code == 0, result.stderr
        assert "## Bijlage 2: kenmerken deelnemers" in result.stdout
    error = one_line_error(run("export", "--series", "wederkerigheid", db=db))
    assert "no sessions for 'wederkerigheid'" in error and "spelregels" in error


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["export", "no-such-session", "--format", "json"], "no session 'no-such-session'"),
        (["export"], "name one SESSION"),
        (["export", SESSION, "--series", "all"], "name one SESSION"),
        (["export", "--series", "all", "--format", "json"], "series comes as md, html, docx, csv"),
        (
            ["export", SESSION, "--format", "json", "--for-participants"],
            "participant version is a report",
        ),
        (["export", "--series", "all", "--for-participants"], "not for the series report"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(db, args, says):
    assert says in one_line_error(run(*args, "--lang", "en", db=db))


def test_unwritable_out_is_a_clear_error(db, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    error = one_line_error(run("export", SESSION, "--out", str(blocker / "sub" / "x.md"), db=db))
    assert "kan " in error and "niet schrijven" in error


def test_import(db, tmp_path):
    exported = run("export", SESSION, "--format", "json", db=db).stdout
    path = tmp_path / "sessie.json"
    path.write_text(exported, encoding="utf-8")
    other = tmp_path / "other.db"
    result = run("import", str(path), "--json", db=other)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"id": SESSION}
    assert run("export", SESSION, "--format", "json", db=other).stdout == exported
    assert "already in this database" in one_line_error(run("import", str(path), db=other))


def test_import_errors(db, tmp_path):
    assert "no file" in one_line_error(run("import", str(tmp_path / "nope.json"), db=db))
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert "not valid JSON" in one_line_error(run("import", str(bad), db=db))
    bad.write_bytes(b"\xff\xfe\x00garbage")
    assert "not UTF-8" in one_line_error(run("import", str(bad), db=db))
    bad.write_text(json.dumps({"format_version": 1}), encoding="utf-8")
    assert "missing 'session'" in one_line_error(run("import", str(bad), db=db))


def test_help_texts():
    for command in ("export", "import"):
        result = run(command, "--help")
        assert result.exit_code == 0 and len(result.stdout) > 200


def test_progress_on_a_terminal(monkeypatch, capsys):
    from facilitator import cli

    monkeypatch.setattr(cli.sys.stderr, "isatty", lambda: True, raising=False)
    show = cli._progress_printer()
    assert show is not None
    for done in (0, 1, 1, 50, 100):
        show(done, 100)
    err = capsys.readouterr().err
    assert err.count("%") == 4  # a repeated percentage is not printed again
    assert err.endswith("100%\n")


def test_out_keeps_a_symlink_and_writes_into_a_pipe(db, tmp_path):
    import os
    import threading

    real = tmp_path / "real.md"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    result = run("export", SESSION, "--out", str(link), db=db)
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and real.read_text(encoding="utf-8").startswith("# Verslag")
    # Like /dev/stdout: a path that is not a regular file is written to, never replaced.
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = run("export", SESSION, "--out", str(fifo), db=db)
    reader.join(10)
    assert result.exit_code == 0, result.stderr
    assert fifo.is_fifo() and got and got[0].startswith(b"# Verslag")
    assert result.stdout == ""  # no path after the content: --out /dev/stdout stays clean


def test_an_empty_out_is_a_clear_error(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # "" is the current folder
    error = one_line_error(run("export", SESSION, "--out", "", "--lang", "en", db=db))
    assert "cannot write" in error


def test_stdout_gets_utf8_whatever_the_console_encoding(db):
    import os
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("facilitator")
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}  # as under a Windows code page
    for fmt in ("md", "html", "csv"):
        p = subprocess.run(
            [str(exe), "export", SESSION, "--format", fmt, "--db", str(db)],
            capture_output=True,
            env=env,
        )
        assert p.returncode == 0, p.stderr.decode()
        assert "beweegredenen toe." in p.stdout.decode("utf-8")
