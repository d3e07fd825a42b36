"""The real app in a real terminal (tmux), killed with SIGKILL mid-block and started again."""

from __future__ import annotations

import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support import DEADLINE, Terminal

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is installed by scripts/test.sh"),
]

EXE = Path(sys.executable).with_name("facilitator")


def start_events(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [
            r[0]
            for r in conn.execute("SELECT at FROM clock_events WHERE kind = 'start' ORDER BY seq")
        ]
    finally:
        conn.close()


def shown_countdown(screen: str) -> int:
    """Seconds on the countdown (the short layout shows it as text, e.g. "nog 19:54")."""
    for line in screen.splitlines():
        m = re.match(r"\s*(?:[^\W\d]+\s+)?(\d+):(\d\d)(\s|$)", line)
        if m:
            return int(m.group(1)) * 60 + int(m.group(2))
    raise AssertionError(f"no countdown on screen:\n{screen}")


def test_sigkill_mid_block_then_restart_continues_the_clock(tmp_path):
    db = tmp_path / "kill.db"
    env = {
        **os.environ,
        "TERM": "xterm-256color",
        "FACILITATOR_DB": str(db),
        "TZ": "UTC",
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }
    made = subprocess.run(
        [str(EXE), "new", "--programme", "spelregels", "--place", "Zwolle", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    sid = re.search(r'"id": "([^"]+)"', made.stdout).group(1)
    command = f"exec {EXE} --session {sid}"

    term = Terminal(env)
    try:
        term.start(command)
        term.wait_for("Nog niet begonnen")
        term.keys("n")
        term.wait_for("Gestart")
        starts = start_events(db)
        assert len(starts) == 1  # committed before the screen said so
        started = datetime.fromisoformat(starts[0])
        time.sleep(2)
        pid = term.pid()
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the app survived SIGKILL")
        term.close()
        time.sleep(2)  # the clock keeps running while the app is down

        term = Terminal(env)
        term.start(command)
        term.wait_for("Welkom en kennismaking")
        # The countdown is drawn four times a second from the stored start; a starved app may
        # show a stale second for a moment, so wait (generously) for it to agree with the wall.
        deadline = time.monotonic() + DEADLINE
        while True:
            screen = term.screen()
            expected = 20 * 60 - (datetime.now(UTC) - started).total_seconds()
            if abs(shown_countdown(screen) - expected) <= 2.5:
                break
            assert time.monotonic() < deadline, f"expected about {expected:.0f} s:\n{screen}"
            time.sleep(0.1)
        assert "Nog niet begonnen" not in screen
        assert start_events(db) == starts  # nothing was started twice or lost
    finally:
        term.close()
