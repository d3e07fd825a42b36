"""Helpers shared by the tests that drive real programs: tmux for the TUI, chromium for pages."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

# A busy machine makes everything slower, never different: a test waits for a condition or an
# event, with a deadline that is only ever reached when something is wrong.
DEADLINE = 30.0  # seconds; generous on purpose (a CI runner with two cores shared many ways)

# Debian's chromium, driven by Playwright; never a downloaded browser. The flags keep it off the
# network this machine does not have (background networking would fail many connections).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def have_chromium() -> bool:
    return Path(CHROMIUM).exists() and shutil.which("chromium") is not None


class Terminal:
    """One tmux server of our own (its own socket), running one command in a fixed-size window."""

    def __init__(self, env: dict[str, str], *, width: int = 100, height: int = 24) -> None:
        self.socket = f"fac-test-{os.getpid()}-{id(self)}"
        self.env = env
        self.width, self.height = width, height

    def tmux(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, *args], capture_output=True, text=True, env=self.env
        )
        return out.stdout

    def start(self, command: str) -> None:
        size = ["-x", str(self.width), "-y", str(self.height)]
        self.tmux("new-session", "-d", "-s", "app", *size, command)

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "app", *keys)

    def text(self, text: str) -> None:
        self.tmux("send-keys", "-t", "app", "-l", text)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "app")

    def wait_for(self, text: str, timeout: float | None = None) -> str:
        timeout = DEADLINE if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen shows:\n{self.screen()}")

    def pid(self) -> int:
        return int(self.tmux("display-message", "-p", "-t", "app", "#{pane_pid}").strip())

    def close(self) -> None:
        self.tmux("kill-server")


def burst(app, *keys: str) -> None:
    """Queue every key at once, as a paste or a fast typist sends them: the app handles none of
    them before the last has arrived."""
    from textual import events

    for key in keys:
        char = key if len(key) == 1 else None
        name = {" ": "space", ",": "comma", "-": "minus", "/": "slash"}.get(key, key)
        event = events.Key(name, char)
        event.set_sender(app)
        app._driver.send_message(event)


# -- waiting in Pilot tests ------------------------------------------------------------------


async def until(pilot, condition, *, seconds: float = DEADLINE, what: str = "") -> None:
    """Let the app run until `condition()` holds; fail (naming `what`) after `seconds`."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"never happened within {seconds:.0f} s: {what or condition}")
        await pilot.pause(0.02)


async def settle(pilot, app, rounds: int = 2) -> None:
    """Wait until the app has nothing left in hand: every worker done, the database thread idle
    and the messages they posted handled. `pilot.pause()` alone guesses idleness from CPU time,
    which a loaded machine fools."""
    for _ in range(rounds):
        await pilot.pause()
        await app.workers.wait_for_complete()
        store = getattr(app, "store", None)
        if store is not None and store._executor is not None:
            await store.call(lambda: None)  # the database thread runs one call at a time
        await pilot.pause()


# -- the facilitator command in a real terminal, and its database read from outside ----------

EXE = Path(sys.executable).with_name("facilitator")


def terminal_env(tmp_path: Path, db: Path) -> dict[str, str]:
    return {
        **os.environ,
        "TERM": "xterm-256color",
        "FACILITATOR_DB": str(db),
        "FACILITATOR_WEB": "0",
        "TZ": "UTC",
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
    }


def new_session(env: dict[str, str]) -> str:
    made = subprocess.run(
        [str(EXE), "new", "--programme", "spelregels", "--place", "Zwolle", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return re.search(r'"id": "([^"]+)"', made.stdout).group(1)


def db_rows(db: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
