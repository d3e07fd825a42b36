"""Real terminal (tmux): a draft taken back after SIGKILL is continued, never replaced, for every
kind of form and for the edit dialog; and two instances editing one entry are told."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from facilitator.core.entries import KINDS
from facilitator.store import Store
from tests.support import Terminal, new_session
from tests.support import db_rows as query
from tests.support import terminal_env as env_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by scripts/test.sh"),
]

EXE = Path(sys.executable).with_name("facilitator")
# The field each form opens in (core KindSpec order: the form's first field).
FIRST = {kind: ("title" if "title" in spec.required else "text") for kind, spec in KINDS.items()}


def wait_until(condition, timeout: float = 30, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} never held")


def kill_hard(term: Terminal) -> None:
    pid = term.pid()
    os.kill(pid, signal.SIGKILL)
    wait_until(
        lambda: subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode != 0,
        what="the app gone",
    )
    term.close()


def test_every_kind_of_draft_and_an_edit_resume_after_sigkill_and_take_more_typing(tmp_path):
    db = tmp_path / "resume.db"
    env = env_for(tmp_path, db)
    sid = new_session(env)
    store = Store.open(db)
    try:
        now = datetime.now(UTC)
        edited = store.entries.add(sid, "quote", {"text": "Eerste versie"}, author="CD", now=now)
        dead = {"host": os.uname().nodename, "pid": 2**22 + 4321, "start": "1"}
        # Drafts as a crashed app leaves them, one per kind of form (the quote is typed below).
        for kind in KINDS:
            if kind == "quote":
                continue
            fields = {FIRST[kind]: f"begin {kind}"}
            if kind == "advice":
                fields["level"] = "local"
            data = {"capture": {"kind": kind, "fields": fields}, "owner": dead}
            store.drafts.save(f"d-{kind}", sid, kind, data, author="CD", now=now)
        # An edit left half done: the entry's own words plus more.
        data = {
            "capture": {"kind": "quote", "fields": {"text": "Eerste versie, bijna"}},
            "owner": dead,
        }
        store.drafts.save("d-edit", sid, "quote", data, author="CD", entry_id=edited.id, now=now)
    finally:
        store.close()
    command = f"exec {EXE} --session {sid} --author KB"

    term = Terminal(env, width=120, height=40)
    try:
        term.start(command)
        term.wait_for("Half getypte notities gevonden")
        term.keys("Escape")  # later: first a quote of our own, typed and then killed
        wait_until(lambda: "Half getypte" not in term.screen(), what="the offer closed")
        term.keys("c")
        term.wait_for("Enter of Ctrl+S")
        term.text("We moeten meer samen eten en")
        wait_until(
            lambda: any("samen eten en" in r[0] for r in query(db, "SELECT data FROM drafts")),
            what="the quote's draft committed",
        )
        kill_hard(term)

        term = Terminal(env, width=120, height=40)
        term.start(command)
        expected: dict[str, str] = {}
        for _ in range(len(KINDS) + 1):
            term.wait_for("Half getypte notities gevonden")
            term.keys("Enter")  # the first draft offered
            term.wait_for("Ctrl+S: opslaan")
            # No Home, no End: the cursor must already be at the end of what was kept.
            term.text(" verder")
            term.keys("C-s")
            wait_until(
                lambda: "Half getypte" in term.screen() or not query(db, "SELECT 1 FROM drafts"),
                what="the next offer (or none left)",
            )
        wait_until(lambda: not query(db, "SELECT 1 FROM drafts"), what="all drafts taken back")
        texts = {
            r[0]: r[1] or r[2]
            for r in query(db, "SELECT kind, title, text FROM entries WHERE kind != 'quote'")
        }
        for kind in KINDS:
            if kind != "quote":
                expected[kind] = f"begin {kind} verder"
        assert texts == expected
        quotes = sorted(r[0] for r in query(db, "SELECT text FROM entries WHERE kind = 'quote'"))
        assert quotes == ["Eerste versie, bijna verder", "We moeten meer samen eten en verder"]
        assert query(db, "SELECT revision FROM entries WHERE id = ?", (edited.id,)) == [(2,)]
    finally:
        term.close()


def test_two_instances_edit_one_entry_and_the_second_chooses(tmp_path):
    db = tmp_path / "two.db"
    env = env_for(tmp_path, db)
    sid = new_session(env)
    store = Store.open(db)
    try:
        entry = store.entries.add(
            sid, "quote", {"text": "Samen eten"}, author="CD", now=datetime.now(UTC)
        )
    finally:
        store.close()
    first = Terminal(env, width=120, height=40)
    second = Terminal(env, width=120, height=40)
    try:
        first.start(f"exec {EXE} --session {sid} --author AA")
        second.start(f"exec {EXE} --session {sid} --author BB")
        for term in (first, second):
            term.wait_for("Nog niet begonnen")
            term.keys("l")
            term.wait_for("Samen eten")
            term.keys("e")
            term.wait_for("Citaat bewerken")
        first.keys(" verbindt", "Enter")
        wait_until(
            lambda: query(db, "SELECT revision FROM entries WHERE id = ?", (entry.id,)) == [(2,)],
            what="the first edit saved",
        )
        second.keys(" mensen", "Enter")
        screen = second.wait_for("is veranderd sinds je het opende")
        assert "Samen eten verbindt" in screen and "Samen eten mensen" in screen
        second.keys("b")
        wait_until(
            lambda: query(db, "SELECT revision FROM entries WHERE id = ?", (entry.id,)) == [(3,)],
            what="the second edit saved after the choice",
        )
        assert query(db, "SELECT text FROM entries") == [("Samen eten mensen",)]
        history = [r[0] for r in query(db, "SELECT data FROM entry_revisions ORDER BY revision")]
        assert "Samen eten verbindt" in history[1]  # theirs kept in the history
    finally:
        first.close()
        second.close()
