"""Commands that only read (sessions, export) never create or change a database."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from facilitator.store import Store, StoreError

EXE = Path(sys.executable).with_name("facilitator")


def run(*args):
    return subprocess.run([str(EXE), *args], capture_output=True, text=True)


def test_a_mistyped_db_is_refused_and_nothing_is_created(tmp_path):
    typo = tmp_path / "newdir" / "typo.db"
    for args in (("sessions",), ("export", "x", "--format", "json")):
        result = run(*args, "--db", str(typo))
        assert result.returncode == 2, result
        assert result.stderr.count("\n") == 1 and str(typo) in result.stderr
    assert not (tmp_path / "newdir").exists()


def test_an_archived_copy_is_listed_and_exported_without_being_touched(tmp_path, monkeypatch):
    db = tmp_path / "live.db"
    made = run("new", "--programme", "spelregels", "--place", "Zwolle", "--db", str(db))
    assert made.returncode == 0, made.stderr
    archive = tmp_path / "archive"
    archive.mkdir()
    copy = archive / "kopie.db"
    store = Store.open(db)
    store.backup(copy)
    store.close()
    before = hashlib.sha256(copy.read_bytes()).hexdigest()
    os.chmod(copy, 0o444)
    os.chmod(archive, 0o555)
    try:
        listed = run("sessions", "--db", str(copy), "--json")
        assert listed.returncode == 0, listed.stderr
        assert "zwolle" in listed.stdout
        exported = run("export", made.stdout.strip(), "--format", "md", "--db", str(copy))
        assert exported.returncode == 0, exported.stderr
        assert "Zwolle" in exported.stdout
        # Opened as immutable when it cannot be written (even when root could write it).
        monkeypatch.setattr(os, "access", lambda p, mode: mode == os.R_OK)
        store = Store.open_read_only(copy)
        assert [s.place for s in store.sessions.list()] == ["Zwolle"]
        store.close()
    finally:
        os.chmod(archive, 0o755)
        os.chmod(copy, 0o644)
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == before


def test_read_only_refuses_what_is_not_ours(tmp_path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    with pytest.raises(StoreError):
        Store.open_read_only(empty)
    with pytest.raises(StoreError):
        Store.open_read_only(tmp_path / "missing.db")
