"""Launch to first painted run screen of `facilitator demo`, beside a minimal Textual app."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

MINIMAL = """
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("MINIMAL READY")

Minimal().run()
"""


def time_to_paint(
    argv: list[str], marker: bytes, env: dict[str, str], timeout: float = 30.0
) -> float:
    """Seconds from spawning `argv` on a 120x40 pseudo-terminal until `marker` is written to it."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                seen += chunk
                if marker in seen:
                    return time.perf_counter() - start
        raise RuntimeError(f"{argv[0]} never painted {marker!r}; last output: {seen[-300:]!r}")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        os.close(master)


def startup(runs: int = 15) -> None:
    exe = Path(sys.executable).with_name("facilitator")
    with tempfile.TemporaryDirectory() as tmp:
        # TMPDIR too: the demo killed mid-run leaves its throw-away database there, not in /tmp.
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "XDG_CONFIG_HOME": tmp,
            "XDG_DATA_HOME": tmp,
            "TMPDIR": tmp,
        }
        # As on a user's machine: byte-code is cached (the warm-up run writes it).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL)
        ours, base = [], []
        # Warm the file cache once, then alternate so both see the same machine load.
        time_to_paint([sys.executable, str(minimal)], b"MINIMAL READY", env)
        time_to_paint([str(exe), "demo"], b"Volgend blok", env)
        for _ in range(runs):
            base.append(time_to_paint([sys.executable, str(minimal)], b"MINIMAL READY", env))
            ours.append(time_to_paint([str(exe), "demo"], b"Volgend blok", env))
    m_ours, m_base = statistics.median(ours), statistics.median(base)
    print(f"launch to first painted run screen, median of {runs} (120x40 pty):")
    print(f"  facilitator demo     {m_ours * 1000:7.0f} ms")
    print(f"  minimal Textual app  {m_base * 1000:7.0f} ms   (baseline)")
    print(f"  ratio                {m_ours / m_base:7.2f}x   (target: at most 1.30x)")


BENCHES = {"startup": startup}
