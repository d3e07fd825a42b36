#!/usr/bin/env python3
"""Where the time of a slow capture goes: a per-phase trace of Enter to durable.

The harness of bench_capture.py's capture_save (the same Pilot loop, the quote form against the
minimal one-Input app, alternated in chunks), with marks along the way of each capture:

    t0        the bench's clock starts (just before Pilot sends Enter)
    key       the Enter key event reaches the app's message loop
    submit    the commit is handed to the database thread (CommitQueue.put -> store.submit)
    pick      the database thread starts it
    begin     BEGIN IMMEDIATE returns
    insert    the INSERT (and its FTS trigger) returns
    commit    COMMIT starts; `fsync` is how long it took (the WAL's sync, a checkpoint if any)
    durable   Entries.add returns: the bench's end point, what it times
    resolved  the commit's result is back on the event loop (the form's `done`, the minimal
              app's await)

For each app it prints the median of each phase and the slowest captures phase by phase; each
statement of the commit; what the event loop ran between Enter and durable (callbacks over
0.3 ms, summed per capture); and for the slowest 1 % (at least five) everything that ran in
their window: event-loop callbacks, other work on the database thread, statements, garbage
collections, and whether the commit ran a WAL checkpoint (the database file changed).

The instrumentation costs time of its own: compare the apps with each other, not with
bench.py's figures. TRACE_VARIANTS=base,old runs the form as it is and as it was before the
form waited for its commit (closing at once, "opslaan…" listed at once), alternated in chunks.
Usage: FACILITATOR_BENCH_N=200 .venv/bin/python scripts/trace_capture.py
"""

from __future__ import annotations

import asyncio
import gc
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_capture as bc  # noqa: E402

from facilitator.store.db import Database  # noqa: E402
from facilitator.store.entries import Entries  # noqa: E402

now = time.perf_counter

MARKS: dict[str, float] = {}  # the current capture's marks (the first of each)
SQL: list[tuple[float, float, str, bool]] = []  # (start, end, statement, database file written)
DBCALLS: list[tuple[float, float, float, float, str]] = []  # (put, start, end, cpu, name)
HANDLES: list[tuple[float, float, str]] = []  # event-loop callbacks longer than 0.3 ms
GCS: list[tuple[float, float, int]] = []
UPDATES: list[tuple[float, float, str]] = []  # screen updates: what was laid out or repainted
PHASES = [
    ("t0", "key"),
    ("key", "submit"),
    ("submit", "pick"),
    ("pick", "begin"),
    ("begin", "insert"),
    ("insert", "commit"),
    ("commit", "durable"),
    ("durable", "resolved"),
]


def mark(name: str) -> None:
    MARKS.setdefault(name, now())


class TracedConnection:
    """The store's connection, timing each statement (the real one does the work)."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def execute(self, sql: str, *args: Any) -> Any:
        head = " ".join(sql.split()[:3])[:40]
        commit = sql.strip().upper() == "COMMIT"
        before = os.stat(self._path).st_mtime_ns if commit else 0
        if commit:
            mark("commit")
        t = now()
        try:
            return self._conn.execute(sql, *args)
        finally:
            end = now()
            written = commit and os.stat(self._path).st_mtime_ns != before
            SQL.append((t, end, head, written))
            if head.startswith("BEGIN"):
                mark("begin")
            elif head.startswith("INSERT INTO entries"):
                mark("insert")
            elif commit:
                MARKS.setdefault("fsync", end - t)
                MARKS.setdefault("checkpoint", float(written))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


def describe(callback: object) -> str:
    """An event-loop callback, by the task it steps (a timer by its name and callback)."""
    owner = getattr(callback, "__self__", None)
    if not isinstance(owner, asyncio.Task):
        return getattr(callback, "__qualname__", None) or repr(callback)[:70]
    coro = owner.get_coro()
    frame = getattr(coro, "cr_frame", None)
    where = f" @{frame.f_code.co_name}:{frame.f_lineno}" if frame else ""
    holder = frame.f_locals.get("self") if frame else None
    if holder is not None and type(holder).__name__ == "Timer":
        callback = getattr(holder, "_callback", None)
        where = f" {holder.name} {getattr(callback, '__qualname__', callback)}"
    elif holder is not None:
        where += f" {type(holder).__name__}"
    return f"task {getattr(coro, '__qualname__', coro)}{where}"


def instrument() -> None:
    from textual import events
    from textual.app import App

    from facilitator.tui.saving import CommitQueue

    dispatch = App._dispatch_message

    async def dispatch_message(self, message):  # type: ignore[no-untyped-def]
        if isinstance(message, events.Key) and message.key == "enter":
            mark("key")
        return await dispatch(self, message)

    App._dispatch_message = dispatch_message  # type: ignore[method-assign]

    put = CommitQueue.put

    def traced_put(self, commit):  # type: ignore[no-untyped-def]
        if commit.label == "quote":
            done = commit.done

            def traced_done(result):  # type: ignore[no-untyped-def]
                mark("resolved")
                return done(result) if done else None

            commit.done = traced_done
        return put(self, commit)

    CommitQueue.put = traced_put  # type: ignore[method-assign]

    submit = Database.submit

    def traced_submit(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        put_at = now()
        name = getattr(fn, "__qualname__", repr(fn))
        capture = "key" in MARKS and ("_try" in name or "add_entry" in name)

        def run():  # type: ignore[no-untyped-def]
            t, cpu = now(), time.thread_time()
            if capture:
                mark("pick")
            try:
                return fn(*args, **kwargs)
            finally:
                DBCALLS.append((put_at, t, now(), time.thread_time() - cpu, name))

        if capture:
            mark("submit")
        return submit(self, run)

    Database.submit = traced_submit  # type: ignore[method-assign]

    from textual.screen import Screen

    update = Screen._on_timer_update

    def traced_update(self):  # type: ignore[no-untyped-def]
        what = type(self).__name__
        if self._layout_required:
            what += " layout"
        dirty = sorted({type(w).__name__ for w in self._dirty_widgets})
        t = now()
        try:
            return update(self)
        finally:
            UPDATES.append((t, now(), f"{what} {','.join(dirty[:6])}"))

    Screen._on_timer_update = traced_update  # type: ignore[method-assign]

    run = asyncio.events.Handle._run

    def traced_run(self):  # type: ignore[no-untyped-def]
        t = now()
        try:
            return run(self)
        finally:
            end = now()
            if end - t > 0.0003:
                HANDLES.append((t, end, describe(self._callback)))

    asyncio.events.Handle._run = traced_run  # type: ignore[method-assign]

    started = [0.0]

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = now()
        else:
            GCS.append((started[0], now(), info["generation"]))

    gc.callbacks.append(on_gc)


def variants() -> dict[str, tuple[Callable[[], None], Callable[[], None]]]:
    """The form as it is, and as it was: closing at once and listing "opslaan…" at once."""
    import facilitator.tui.capture as capture_module
    import facilitator.tui.screens.capture_form as form_module

    wait, shown_after = form_module.CLOSE_WAIT, capture_module.PENDING_SHOWN_AFTER

    def old() -> None:
        # (a Textual timer cannot have no delay at all: a tenth of a millisecond)
        form_module.CLOSE_WAIT, capture_module.PENDING_SHOWN_AFTER = 0.0, 0.0001

    def new() -> None:
        form_module.CLOSE_WAIT, capture_module.PENDING_SHOWN_AFTER = wait, shown_after

    from textual.widgets import Static

    update = Static.update

    def same_text_skipped(self, content="", *, layout=True):  # type: ignore[no-untyped-def]
        if str(content) == str(getattr(self, "_trace_last", None)):
            return None
        self._trace_last = content
        return update(self, content, layout=layout)

    def quiet_tick() -> None:
        # An experiment for screens/run.py and widgets/block_panel.py (not changed here): the
        # run screen's tick updating its Statics only when their text changed.
        Static.update = same_text_skipped  # type: ignore[method-assign]

    def loud_tick() -> None:
        Static.update = update  # type: ignore[method-assign]

    return {"base": (new, new), "old": (old, new), "quiet-tick": (quiet_tick, loud_tick)}


class TracedMinimal:
    """bench_capture.MinimalCapture, with a mark once the store call is back on the loop."""

    @staticmethod
    def make(store, sid):  # type: ignore[no-untyped-def]
        from textual.app import App
        from textual.widgets import Input

        class Minimal(App):
            def compose(self):  # type: ignore[no-untyped-def]
                yield Input(id="text")

            async def on_input_submitted(self, event: Input.Submitted) -> None:
                text = event.value
                await store.call(
                    store.entries.add, sid, "quote", {"text": text}, author="AB", now=bc.T0
                )
                mark("resolved")
                event.input.value = ""

        return Minimal()


async def captures(folder: Path, name: str, n: int, *, form: bool) -> list[dict[str, float]]:
    """bench_capture._captures, keeping each capture's marks."""
    from facilitator.tui.app import make_app
    from facilitator.tui.screens.run import RunScreen

    store, sid = bc.new_store(folder, name)
    store.conn = TracedConnection(store.conn, store.path)  # type: ignore[assignment]
    committed: list[float] = []
    original = Entries.add

    def add_entry(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        entry = original(self, *args, **kwargs)
        committed.append(now())
        mark("durable")
        return entry

    Entries.add = add_entry  # type: ignore[method-assign]
    traces = []
    try:
        if form:
            app = make_app(
                store, session_id=sid, clock=bc.FakeClock(), poll_interval=0, author="AB"
            )
        else:
            app = TracedMinimal.make(store, sid)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            for i in range(n):
                if form:
                    await pilot.press("c")
                await pilot.press(*f"thuis {i % 10}")
                before = len(committed)
                MARKS.clear()
                t = now()
                MARKS["t0"] = t
                await pilot.press("enter")
                while len(committed) == before or (form and not isinstance(app.screen, RunScreen)):
                    await pilot.pause()
                trace = dict(MARKS)
                trace["sample"] = committed[-1] - t
                trace["end"] = now()
                traces.append(trace)
    finally:
        Entries.add = original  # type: ignore[method-assign]
    store.close()
    return traces


def phases(trace: dict[str, float]) -> list[float]:
    return [
        (trace[b] - trace[a]) * 1000 if a in trace and b in trace else float("nan")
        for a, b in PHASES
    ]


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(label: str, traces: list[dict[str, float]]) -> None:
    samples = [tr["sample"] * 1000 for tr in traces]
    print(
        f"\n== {label}: {len(traces)} captures, median {statistics.median(samples):.2f} ms,"
        f" p99 {quantile(samples, 0.99):.2f} ms"
    )
    names = ["sample"] + [f"{a}>{b}" for a, b in PHASES] + ["fsync"]
    print("  " + " ".join(f"{n:>10}" for n in names))

    def row(title: str, values: list[float]) -> None:
        print(f"  {title:<8}" + " ".join(f"{v:10.2f}" for v in values))

    columns = list(zip(*(phases(tr) for tr in traces), strict=True))
    row(
        "median",
        [statistics.median(samples)]
        + [statistics.median(c) for c in columns]
        + [statistics.median(tr.get("fsync", 0) for tr in traces) * 1000],
    )
    slow = sorted(traces, key=lambda tr: tr["sample"], reverse=True)
    slow = slow[: max(5, round(len(traces) * 0.01))]
    for tr in slow:
        row(
            f"{tr['sample'] * 1000:.1f}",
            [tr["sample"] * 1000, *phases(tr), tr.get("fsync", 0) * 1000],
        )

    # Each statement of the commit: the thread needs the interpreter back after each one.
    per: dict[str, list[float]] = {}
    for tr in traces:
        lo, hi = tr.get("pick"), tr.get("durable")
        if lo is not None and hi is not None:
            for s, e, head, _written in SQL:
                if s >= lo and e <= hi:
                    per.setdefault(head, []).append((e - s) * 1000)
    print("  the commit's statements:")
    for head, values in per.items():
        print(
            f"     {head:<40} median {statistics.median(values):6.3f} ms"
            f"  p99 {quantile(values, 0.99):6.2f} ms  max {max(values):6.2f} ms"
        )
    checkpoints = sum(1 for tr in traces if tr.get("checkpoint"))
    print(f"  commits that ran a checkpoint (database file written): {checkpoints}")

    # What the event loop did between Enter and durable.
    busy = []
    by_name: dict[str, float] = {}
    for tr in traces:
        lo, hi = tr["t0"], tr.get("durable", tr["end"])
        total = 0.0
        for s, e, name in HANDLES:
            if e > lo and s < hi:
                part = min(e, hi) - max(s, lo)
                total += part
                by_name[name] = by_name.get(name, 0.0) + part
        busy.append(total * 1000)
    print(
        f"  event loop busy between Enter and durable: median {statistics.median(busy):.2f} ms,"
        f" mean {statistics.mean(busy):.2f} ms, p99 {quantile(busy, 0.99):.2f} ms; by callback,"
        " per capture:"
    )
    for name, total in sorted(by_name.items(), key=lambda kv: -kv[1])[:8]:
        print(f"     {total * 1000 / len(traces):6.2f} ms  {name}")

    for tr in slow:
        t0, end = tr["t0"], tr.get("durable", tr["end"])
        flag = "  (a checkpoint)" if tr.get("checkpoint") else ""
        print(f"  -- {tr['sample'] * 1000:.1f} ms, what ran (ms after t0){flag}")
        for s, e, name in HANDLES:
            if e > t0 and s < end:
                print(f"     loop {(s - t0) * 1000:6.2f} +{(e - s) * 1000:6.2f}  {name}")
        for put_at, s, e, cpu, name in DBCALLS:
            if e > t0 and s < end:
                print(
                    f"     db   {(s - t0) * 1000:6.2f} +{(e - s) * 1000:6.2f}  {name}"
                    f" (cpu {cpu * 1000:.2f}, waited {(s - put_at) * 1000:.2f} for the thread)"
                )
        for s, e, head, written in SQL:
            if e > t0 and s < end and (e - s) > 0.0003:
                note = "  (database file written)" if written else ""
                print(f"     sql  {(s - t0) * 1000:6.2f} +{(e - s) * 1000:6.2f}  {head}{note}")
        for s, e, what in UPDATES:
            if e > t0 and s < end and (e - s) > 0.0003:
                print(f"     draw {(s - t0) * 1000:6.2f} +{(e - s) * 1000:6.2f}  {what}")
        for s, e, generation in GCS:
            if e > t0 and s < end:
                print(
                    f"     gc   {(s - t0) * 1000:6.2f} +{(e - s) * 1000:6.2f}  generation {generation}"
                )


def main() -> None:
    n = int(os.environ.get("FACILITATOR_BENCH_N", "200"))
    chunks = 5
    instrument()
    table = variants()
    chosen = (os.environ.get("TRACE_VARIANTS") or "base").split(",")
    ours: dict[str, list[dict[str, float]]] = {name: [] for name in chosen}
    minimal: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for chunk in range(chunks):
            for name in chosen:
                enable, disable = table[name]
                enable()
                try:
                    ours[name] += asyncio.run(
                        captures(folder, f"form-{name}{chunk}.db", n // chunks, form=True)
                    )
                finally:
                    disable()
            minimal += asyncio.run(captures(folder, f"min{chunk}.db", n // chunks, form=False))
    for name in chosen:
        report(f"quote form ({name})", ours[name])
    report("minimal app", minimal)
    base = [tr["sample"] for tr in minimal]
    print("\n== against the minimal app (median / p95 / p99)")
    for name in chosen:
        mine = [tr["sample"] for tr in ours[name]]
        ratios = [quantile(mine, q) / quantile(base, q) for q in (0.5, 0.95, 0.99)]
        times = [quantile(mine, q) * 1000 for q in (0.5, 0.95, 0.99)]
        print(
            f"  {name:<8} "
            + " / ".join(f"{r:4.2f}x" for r in ratios)
            + "   ("
            + " / ".join(f"{x:.2f}" for x in times)
            + " ms)"
        )
    times = [quantile(base, q) * 1000 for q in (0.5, 0.95, 0.99)]
    print(f"  {'minimal':<8} " + " " * 22 + "(" + " / ".join(f"{x:.2f}" for x in times) + " ms)")


if __name__ == "__main__":
    main()
