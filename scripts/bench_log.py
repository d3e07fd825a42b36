"""Opening the log (key l, first time after launch) in a real terminal, beside a minimal screen.

Three programs, launched again for every run and alternated so they share the machine's load:
    minimal      a minimal Textual app whose l pushes a screen with a Header, a search Input, a
                 DataTable of one screenful (40 rows read from the same database) and a Footer
    log (10)     facilitator on a session of 10 entries
    log (10,000) facilitator on a session of 10,000 entries
Each is timed from writing l to its pseudo-terminal until the newest entry's row is painted,
after the first screen has been painted and left alone for a second (a person does not press l
within a blink of launching). Then, in the log of 10,000 (three of the runs): End held until
the oldest entry is painted, and a search word typed at paste speed (in the search field) until
its count is painted.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_capture import T0, fill, new_store  # noqa: E402
from benchpty import PtyApp, bench_env, median, ms  # noqa: E402

NEWEST = "Nieuwste notitie ZQXNEW"
OLDEST = "Oudste notitie ZQXOLD"
SEARCH = "buurthuis"

MINIMAL_LOG = """
import sqlite3, sys
from textual.app import App
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Static


class LogLike(Screen):
    BINDINGS = [("escape", "app.pop_screen", "Back")]

    def compose(self):
        yield Header()
        yield Input(placeholder="Zoeken")
        yield DataTable()
        yield Footer()

    def on_mount(self):
        table = self.query_one(DataTable)
        table.add_columns("Tijd", "Soort", "Tekst")
        conn = sqlite3.connect(sys.argv[1])
        rows = conn.execute(
            "SELECT created_at, kind, text FROM entries WHERE session_id = ?"
            " AND deleted_at IS NULL ORDER BY created_at DESC LIMIT 40",
            (sys.argv[2],),
        ).fetchall()
        conn.close()
        table.add_rows([(at[11:16], kind, text[:80]) for at, kind, text in rows])
        table.focus()


class Minimal(App):
    BINDINGS = [("l", "open", "Log")]

    def compose(self):
        yield Header()
        yield Static("MINIMAL READY")
        yield Footer()

    def action_open(self):
        self.push_screen(LogLike())


Minimal().run()
"""


def make_db(folder: Path, name: str, count: int) -> tuple[Path, str, int]:
    """A session of `count` entries, the oldest and the newest carrying markers; with the number
    of entries the search word finds."""
    store, sid = new_store(folder, name)
    fill(store, sid, count - 2)
    store.entries.add(sid, "quote", {"text": OLDEST}, author="AB", now=T0 - timedelta(hours=1))
    store.entries.add(
        sid, "quote", {"text": NEWEST}, author="AB", now=T0 + timedelta(seconds=count + 1)
    )
    hits = store.entries.count(sid, search=SEARCH)
    store.close()
    return folder / name, sid, hits


def open_log(argv: list[str], ready: bytes, env: dict[str, str]) -> PtyApp:
    app = PtyApp(argv, env)
    app.wait_for(ready)
    app.drain(1.0)
    return app


def log_open(runs: int = 10) -> str:
    exe = str(Path(sys.executable).with_name("facilitator"))
    with bench_env() as (tmp, env):
        small, small_sid, _ = make_db(tmp, "small.db", 10)
        big, big_sid, hits = make_db(tmp, "big.db", 10_000)
        minimal = tmp / "minimal_log.py"
        minimal.write_text(MINIMAL_LOG)
        apps = {
            "minimal": ([sys.executable, str(minimal), str(small), small_sid], b"MINIMAL READY"),
            "log (10)": ([exe, "--db", str(small), "--session", small_sid], b"Volgend blok"),
            "log (10,000)": ([exe, "--db", str(big), "--session", big_sid], b"Volgend blok"),
        }
        times: dict[str, list[float]] = {name: [] for name in apps}
        end: list[float] = []
        search: list[float] = []
        # One warm-up of each (byte-code, file cache), then alternate.
        for rnd in range(runs + 1):
            for name, (argv, ready) in apps.items():
                app = open_log(argv, ready, env)
                try:
                    took = app.press(b"l", NEWEST.encode())
                    if 0 < rnd <= 3 and name == "log (10,000)":
                        app.drain(0.5)
                        end.append(press_until(app, b"\x1b[F", OLDEST.encode()))
                        app.drain(0.5)
                        found = f"Gevonden in deze sessie: {hits}".encode()
                        app.press(b"/", b"")  # the search field takes the focus
                        app.drain(0.3)
                        search.append(app.press(SEARCH.encode(), found))
                finally:
                    app.close()
                if rnd:
                    times[name].append(took)
    base = median(times["minimal"])
    print(f"  l until the newest entry is painted, median of {runs} launches each (120x40 pty)")
    print(f"    minimal screen (40-row DataTable) {ms(base)}   (baseline)")
    lines = []
    for name in ("log (10)", "log (10,000)"):
        m = median(times[name])
        print(f"    {name:<33} {ms(m)}   ratio {m / base:5.2f}x   (target: at most 1.50x)")
        lines.append(
            f"{name:<16} {m / base:5.2f}x  ({ms(m).strip()} vs {ms(base).strip()}; target 1.50x)"
        )
    shown = ms(median(end)) if median(end) < float("inf") else " over a minute"
    print(f"  in the log of 10,000: End (held) until the oldest entry shows  {shown}")
    print(f"  in the log of 10,000: {SEARCH!r} pasted until its count shows {ms(median(search))}")
    return "\n".join(lines)


def press_until(app: PtyApp, key: bytes, marker: bytes, timeout: float = 60.0) -> float:
    """Seconds from the first `key` until `marker` is painted, pressing it again every 50 ms
    (as a person holding the key would) while it is not; infinity after `timeout`."""
    since = len(app.seen)
    start = time.perf_counter()
    while marker not in app.seen[since:]:
        if time.perf_counter() - start > timeout:
            return float("inf")
        os.write(app.master, key)
        app.drain(0.05)
    return time.perf_counter() - start


BENCHES = {"log_open": log_open}

if __name__ == "__main__":
    log_open()
