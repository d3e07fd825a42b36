"""A program in a real pseudo-terminal, timed from an action to a marker painted on the screen.

Shared by the benchmarks that measure what a person sees (first paint, opening the log). Not a
benchmark itself (no `bench_` prefix): scripts/bench.py does not collect it.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import tempfile
import termios
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

COLUMNS, LINES = 120, 40


class PtyApp:
    """One process on a COLUMNS x LINES pseudo-terminal; everything it writes is kept."""

    def __init__(self, argv: list[str], env: dict[str, str], size=(COLUMNS, LINES)) -> None:
        self.master, slave = pty.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            close_fds=True,
            start_new_session=True,
        )
        os.close(slave)
        self.seen = b""

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 65536)
        except OSError:
            raise RuntimeError(f"the program ended; last output: {self.seen[-300:]!r}") from None
        self.seen += chunk
        return True

    def wait_for(self, marker: bytes, since: int = 0, timeout: float = 30.0) -> float:
        """The perf_counter time at which `marker` appeared in the output after byte `since`."""
        deadline = time.perf_counter() + timeout
        while marker not in self.seen[since:]:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"never painted {marker!r}; last output: {self.seen[-300:]!r}")
            self._read(0.05)
        return time.perf_counter()

    def drain(self, seconds: float) -> None:
        """Read (and keep) whatever the program writes for `seconds`."""
        end = time.perf_counter() + seconds
        while (left := end - time.perf_counter()) > 0:
            self._read(left)

    def press(self, keys: bytes, marker: bytes, timeout: float = 30.0) -> float:
        """Seconds from writing `keys` until `marker` is painted (only output after the keys)."""
        since = len(self.seen)
        start = time.perf_counter()
        os.write(self.master, keys)
        return self.wait_for(marker, since, timeout) - start

    def close(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        os.close(self.master)


def time_to_paint(argv: list[str], marker: bytes, env: dict[str, str]) -> float:
    """Seconds from spawning `argv` until `marker` is written to its terminal."""
    app = PtyApp(argv, env)
    try:
        return app.wait_for(marker) - app.started
    finally:
        app.close()


@contextmanager
def bench_env() -> Iterator[tuple[Path, dict[str, str]]]:
    """A temporary folder and an environment that keeps the apps' files (settings, throw-away
    databases) in it, with the remark server on loopback and a port of the system's choosing."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "XDG_CONFIG_HOME": tmp,
            "XDG_DATA_HOME": tmp,
            "TMPDIR": tmp,
            "FACILITATOR_HOST": "127.0.0.1",
            "FACILITATOR_PORT": "0",
        }
        # As on a user's machine: byte-code is cached (a warm-up run writes it).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        yield Path(tmp), env


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.0f} ms"


def median(samples: list[float]) -> float:
    return statistics.median(samples)
