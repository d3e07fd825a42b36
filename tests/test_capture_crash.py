"""A half-typed entry survives SIGKILL: the real app in tmux, killed mid-sentence, started again."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import DEADLINE, Terminal

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by scripts/test.sh"),
]

EXE = Path(sys.executable).with_name("facilitator")


def draft_texts(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT data FROM drafts").fetchall()
    finally:
        conn.close()
    return [json.loads(r[0])["capture"]["fields"].get("text", "") for r in rows]


def wait_until(condition, timeout: float = DEADLINE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.05)


def test_sigkill_while_typing_then_the_draft_is_offered_back(tmp_path):
    db = tmp_path / "crash.db"
    env = {**os.environ, "TERM": "xterm-256color", "FACILITATOR_DB": str(db), "TZ": "UTC",
           "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_DATA_HOME": str(tmp_path / "data")}  # fmt: skip
    made = subprocess.run(
        [str(EXE), "new", "--programme", "spelregels", "--place", "Zwolle", "--json"],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    sid = re.search(r'"id": "([^"]+)"', made.stdout).group(1)
    command = f"exec {EXE} --session {sid} --author KB"
    typed = "Toen ik hier kwam, sprak niemand [mij] aan"

    term = Terminal(env, width=110, height=30)
    try:
        term.start(command)
        term.wait_for("Nog niet begonnen")
        term.keys("v")
        term.wait_for("Ctrl+S: opslaan")
        term.text(typed)
        term.keys("Enter")
        term.text("tot de buurvrouw")
        # The draft is committed a moment after the typing stops; then the power goes.
        wait_until(lambda: draft_texts(db) == [typed + "\ntot de buurvrouw"])
        pid = term.pid()
        os.kill(pid, signal.SIGKILL)
        wait_until(
            lambda: subprocess.run(["kill", "-0", str(pid)], capture_output=True).returncode != 0
        )
        term.close()

        term = Terminal(env, width=110, height=30)
        term.start(command)
        screen = term.wait_for("Half getypte notities gevonden")
        assert "Verhaal" in screen and "KB" in screen and "Toen ik hier kwam" in screen
        term.keys("Enter")
        screen = term.wait_for("tot de buurvrouw")
        assert typed in screen  # shown as typed, brackets and all
        term.keys("C-s")
        term.wait_for("opgeslagen")
        conn = sqlite3.connect(db)
        try:
            rows = conn.execute("SELECT kind, text, author FROM entries").fetchall()
            drafts = conn.execute("SELECT count(*) FROM drafts").fetchone()[0]
        finally:
            conn.close()
        assert rows == [("story", typed + "\ntot de buurvrouw", "KB")]
        assert drafts == 0
    finally:
        term.close()
