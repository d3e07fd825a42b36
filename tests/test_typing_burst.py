"""Typing as people do, in a real terminal (tmux): whole key sequences sent with no pause.

Pilot hands the app one key at a time and waits; a terminal sends a typed burst at once. These
tests send twenty quotes in one go, each edited with Home, End, Left and BackSpace, then read the
database: every quote stored exactly, in order. Again with the database write-locked by another
connection for a few seconds in the middle, and with two busy processes on the cores.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import Terminal, new_session, terminal_env
from tests.support import db_rows as rows

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by scripts/test.sh"),
]

EXE = Path(sys.executable).with_name("facilitator")
HOG = "import time\nend = time.monotonic() + 120\nwhile time.monotonic() < end:\n    pass"


def quotes(db: Path) -> list[str]:
    return [r[0] for r in rows(db, "SELECT text FROM entries WHERE kind = 'quote' ORDER BY rowid")]


def wait_until(condition, timeout: float, what: str, explain=lambda: ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout} s\n{explain()}")


def edit(text: str, keys: list[str]) -> str:
    """What a one-line field holds after `keys` (the few editing keys these tests send)."""
    value, cursor = "", 0
    for key in keys:
        if key == "Home":
            cursor = 0
        elif key == "End":
            cursor = len(value)
        elif key == "Left":
            cursor = max(0, cursor - 1)
        elif key == "BSpace":
            if cursor:
                value, cursor = value[: cursor - 1] + value[cursor:], cursor - 1
        else:
            value, cursor = value[:cursor] + key + value[cursor:], cursor + len(key)
    return value


def quote_keys(n: int) -> tuple[list[str], str]:
    """The keys of one quote (opened with c, saved with Enter) and the text they must give."""
    # "trio" holds a t and "arts" an a: capture keys, should one ever reach the run screen.
    body = [f"trio arts {n:02d} woord", "Home", "[", "End", "]", "Left", "BSpace", "x"]
    return ["c", *body, "Enter"], edit("", body)


def burst_of_quotes(first: int, count: int) -> tuple[list[str], list[str]]:
    keys, texts = [], []
    for n in range(first, first + count):
        k, text = quote_keys(n)
        keys += k
        texts.append(text)
    return keys, texts


@pytest.fixture
def running_app(tmp_path):
    """The app on a session in phase one, in a terminal of its own; closed at the end."""
    db = tmp_path / "burst.db"
    env = terminal_env(tmp_path, db)
    sid = new_session(env)
    term = Terminal(env, width=120, height=40)
    term.start(f"exec {EXE} --session {sid} --author AB")
    term.wait_for("Nog niet begonnen")
    term.keys("n")
    term.wait_for("Gestart")
    try:
        yield term, db
    finally:
        term.close()


def test_twenty_quotes_in_one_burst_then_locked_then_busy(running_app, tmp_path):
    term, db = running_app
    expected: list[str] = []

    def explain() -> str:
        kinds = rows(db, "SELECT kind, text, title FROM entries ORDER BY rowid")
        drafts = rows(db, "SELECT kind, data FROM drafts")
        return f"entries: {kinds}\ndrafts: {drafts}\nscreen:\n{term.screen()}"

    # 1. Twenty quotes, each edited with Home/End/Left/BackSpace, sent in one go.
    keys, texts = burst_of_quotes(1, 20)
    term.keys(*keys)
    expected += texts
    wait_until(lambda: len(quotes(db)) >= len(expected), 150, "twenty quotes stored", explain)
    assert quotes(db) == expected

    # 2. Another connection holds the write lock for a few seconds in the middle of a burst.
    keys_a, texts_a = burst_of_quotes(21, 5)
    keys_b, texts_b = burst_of_quotes(26, 5)
    term.keys(*keys_a)
    locker = sqlite3.connect(db, timeout=30, isolation_level=None)
    try:
        locker.execute("BEGIN IMMEDIATE")
        term.keys(*keys_b)
        term.wait_for("opslaan", timeout=60)  # the app says it is waiting
        time.sleep(3)  # the lock is held this long; the assertions below wait for conditions
        locker.execute("COMMIT")
    finally:
        locker.close()
    expected += texts_a + texts_b
    wait_until(lambda: len(quotes(db)) >= len(expected), 150, "the locked burst stored", explain)
    assert quotes(db) == expected

    # 3. Two busy processes on the cores while the next twenty arrive.
    hogs = [
        # The busy loop ends by itself after 120 s and is killed directly below (a `timeout`
        # wrapper, once killed, left its child spinning for the rest of the run).
        subprocess.Popen([sys.executable, "-c", HOG])
        for _ in range(2)
    ]
    try:
        keys, texts = burst_of_quotes(31, 20)
        term.keys(*keys)
        expected += texts
        wait_until(lambda: len(quotes(db)) >= len(expected), 120, "the busy burst stored", explain)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert quotes(db) == expected
    # Nothing reached the run screen: no other kind of entry, no draft left, no error shown.
    assert rows(db, "SELECT DISTINCT kind FROM entries") == [("quote",)]
    wait_until(lambda: rows(db, "SELECT count(*) FROM drafts") == [(0,)], 30, "drafts cleared")
    screen = term.screen()
    assert "niet opgeslagen" not in screen.lower() and "locked" not in screen
