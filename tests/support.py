"""Helpers shared by the tests that drive real programs: tmux for the TUI, chromium for pages."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

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

    def wait_for(self, text: str, timeout: float = 20) -> str:
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
        name = {" ": "space", ",": "comma", "-": "minus"}.get(key, key)
        event = events.Key(name, char)
        event.set_sender(app)
        app._driver.send_message(event)
