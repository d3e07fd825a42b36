"""Exporting a session of 10,000 entries to each format, beside the standard library writing the
same rows (json.dump and csv.writer straight from a SELECT) in the same run.

The baseline is the floor: reading the rows and serialising them with nothing else. The ratio
says what the report model, the escaping and the format cost on top of that.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ENTRIES = 10_000
RUNS = 3
KINDS = [
    "story",
    "quote",
    "emblem",
    "design_question",
    "rule",
    "prototype",
    "advice",
    "insight",
    "observation",
    "validation",
]


def _sample_doc(
    n: int,
    sid: str = "bench",
    programme: str = "spelregels",
    place: str = "Utrecht",
    day: int = 0,
) -> dict:
    """A closed session of `n` entries of every kind, with tags and quotes linked to advice,
    sub-questions, insights with headlines and quotes, rules linked to their story."""
    from facilitator.core.programme import find, shipped_dir

    prog = find(programme, [shipped_dir()])
    assert prog is not None
    t0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC) + timedelta(days=day)
    subs = list(prog.sub_questions)
    blocks, events, at = [], [], t0
    for b in prog.blocks:
        events.append(
            {"at": at.isoformat(timespec="milliseconds"), "kind": "start", "data": {"key": b.key}}
        )
        blocks.append({**b.to_dict(), "started_at": None, "ended_at": None, "inserted": False})
        at += timedelta(minutes=b.minutes)
    events.append({"at": at.isoformat(timespec="milliseconds"), "kind": "close", "data": {}})
    phases = [i for i, b in enumerate(prog.blocks) if b.kind == "phase"]
    entries = []
    quotes: list[str] = []
    stories: list[str] = []
    for i in range(n):
        kind = KINDS[i % len(KINDS)]
        stamp = (t0 + timedelta(seconds=i)).isoformat(timespec="milliseconds")
        e = {
            "id": f"{sid}-{i:05d}" if sid != "bench" else f"e{i:05d}",
            "kind": kind,
            "block": phases[i % 4],
            "created_at": stamp,
            "updated_at": stamp,
            "author": "AB",
            "tags": [f"tag{i % 40}"],
            "links": [],
            "revisions": 0,
            "history": [],
        }
        text = (
            f'Inzending {i}: een zin zoals een notulist hem typt, met een komma, | pijp en "quote".'
        )
        if kind in ("emblem", "prototype"):
            e.update(title=f"Titel {i}", text=text, photo="")
            if kind == "prototype":
                e["building_blocks"] = ["Activiteiten als motor voor verbinding"]
        elif kind == "quote":
            e.update(text=text, speaker="deelnemer, Utrecht")
            if subs:
                e["sub_question"] = subs[i % len(subs)]
            quotes.append(e["id"])
        elif kind == "story":
            e.update(text=text, sub_question=subs[i % len(subs)] if subs else "")
            stories.append(e["id"])
        elif kind == "insight":
            e.update(title=f"Inzicht {i}", text=text, links=quotes[-1:])
        elif kind == "rule":
            e.update(text=text, source="", links=stories[-1:])
        elif kind == "advice":
            e.update(
                text=text, level=("overarching", "national", "local")[i % 3], links=quotes[-2:]
            )
        else:
            e["text"] = text
        entries.append(e)
    return {
        "format_version": 1,
        "session": {
            "id": sid,
            "programme": prog.id,
            "theme": prog.theme,
            "main_question": prog.main_question,
            "sub_questions": prog.sub_questions,
            "place": place,
            "date": t0.date().isoformat(),
            "state": "closed",
            "created_at": t0.isoformat(timespec="milliseconds"),
        },
        "blocks": blocks,
        "entries": entries,
        "remarks": [
            {"slot": "Pauze 1", "text": f"Opmerking {i}", "hidden": i % 10 == 0} for i in range(50)
        ],
        "participants": {"area": {"urban": 14, "rural": 6}},
        "clock_events": events,
    }


def _median(fn) -> tuple[float, object]:
    times, result = [], None
    for _ in range(RUNS):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def bench_export() -> None:
    from facilitator.export import render_session, session_report
    from facilitator.export.jsondoc import from_doc
    from facilitator.store import Store

    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        store.transfer.import_session(from_doc(_sample_doc(ENTRIES)))
        now = datetime(2026, 3, 2, tzinfo=UTC)

        def rows():
            return store.query(
                "SELECT * FROM entries WHERE session_id = ? ORDER BY created_at", ("bench",)
            )

        def std_json():
            buffer = io.StringIO()
            json.dump(rows(), buffer, ensure_ascii=False, indent=2)
            return buffer.getvalue()

        def std_csv():
            data = rows()
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(data[0].keys())
            for r in data:
                writer.writerow(r.values())
            return buffer.getvalue()

        base_json, _ = _median(std_json)
        base_csv, _ = _median(std_csv)
        load, report = _median(lambda: session_report(store, "bench", now))
        print(f"{ENTRIES} entries, median of {RUNS} runs; baseline = stdlib on the same rows")
        print(f"  baseline json.dump          {base_json * 1000:8.1f} ms")
        print(f"  baseline csv.writer         {base_csv * 1000:8.1f} ms")
        print(f"  report model (read + clock) {load * 1000:8.1f} ms")
        for fmt in ("json", "csv", "md", "html", "docx"):
            took, out = _median(
                lambda fmt=fmt: render_session(session_report(store, "bench", now), fmt)
            )
            base = base_csv if fmt == "csv" else base_json
            size = len(out) if isinstance(out, bytes) else len(out.encode("utf-8"))
            print(
                f"  export {fmt:<5} (read + write) {took * 1000:8.1f} ms  {size / 1e6:6.2f} MB  "
                f"{took / base:6.1f}x the {'csv' if fmt == 'csv' else 'json'} baseline"
            )
        store.close()


SERIES = (  # the report's seven sessions over five themes
    ("amsterdam", "verbindende-verhalen", "Amsterdam"),
    ("zwolle", "verbindende-verhalen", "Zwolle"),
    ("utrecht", "spelregels", "Utrecht"),
    ("den-bosch", "spelregels", "Den Bosch"),
    ("groningen", "wederkerigheid", "Groningen"),
    ("venlo", "beeldvorming-communicatie", "Venlo"),
    ("amersfoort", "verbindende-plekken", "Amersfoort"),
)


def bench_export_series() -> None:
    """The series of 7 sessions x 10,000 entries in every format: time and peak memory
    (tracemalloc, a separate run) beside the stdlib writing the same rows."""
    import tracemalloc

    from facilitator.export import export_series, render_session, session_report
    from facilitator.export.jsondoc import from_doc
    from facilitator.store import Store

    n = int(__import__("os").environ.get("FACILITATOR_BENCH_ENTRIES", ENTRIES))
    with tempfile.TemporaryDirectory(prefix="bench-series-") as tmp:
        store = Store.open(Path(tmp) / "bench.db")
        for day, (sid, prog, place) in enumerate(SERIES):
            store.transfer.import_session(from_doc(_sample_doc(n, sid, prog, place, day * 7)))
        now = datetime(2026, 6, 1, tzinfo=UTC)
        ids = [sid for sid, _, _ in SERIES]

        def rows():
            return store.query("SELECT * FROM entries ORDER BY session_id, created_at")

        def std_json():
            buffer = io.StringIO()
            json.dump(rows(), buffer, ensure_ascii=False, indent=2)
            return buffer.getvalue()

        def std_csv():
            data = rows()
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(data[0].keys())
            for r in data:
                writer.writerow(r.values())
            return buffer.getvalue()

        def series_json():  # the series as JSON: each session's export (what import takes)
            return "".join(render_session(session_report(store, sid, now), "json") for sid in ids)

        def fmt_fn(fmt):
            if fmt == "json":
                return series_json
            return lambda: export_series(store, "all", fmt, now=now)  # as the CLI runs it

        def peak(fn) -> int:
            tracemalloc.start()
            try:
                fn()
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

        base_json, json_text = _median(std_json)
        base_csv, _ = _median(std_csv)
        json_size = len(series_json().encode("utf-8"))
        print(
            f"series: {len(SERIES)} sessions x {n} entries; time: median of {RUNS} runs; "
            "peak: tracemalloc, one run"
        )
        print(
            f"  baseline json.dump          {base_json * 1000:8.1f} ms  peak {peak(std_json) / 1e6:7.1f} MB"
        )
        print(
            f"  baseline csv.writer         {base_csv * 1000:8.1f} ms  peak {peak(std_csv) / 1e6:7.1f} MB"
        )
        print(f"  the series' JSON export size {json_size / 1e6:7.1f} MB (memory target: 4x)")
        for fmt in ("json", "csv", "md", "html", "docx", "qdpx"):
            # The baseline again right before: on a shared machine the load changes by the
            # minute, and a ratio means something only for two figures taken together.
            base, _ = _median(std_csv if fmt == "csv" else std_json)
            took, out = _median(fmt_fn(fmt))
            size = len(out) if isinstance(out, bytes) else len(out.encode("utf-8"))
            top = peak(fmt_fn(fmt))
            target = 5 if fmt == "docx" else 3
            print(
                f"  series {fmt:<5} {took * 1000:9.1f} ms  {size / 1e6:6.1f} MB  "
                f"{took / base:5.1f}x the {'csv' if fmt == 'csv' else 'json'} baseline "
                f"(target {target}x)  peak {top / 1e6:7.1f} MB = {top / json_size:4.2f}x the "
                "JSON size (target 4x)"
            )
        store.close()


BENCHES = {"export": bench_export, "export_series": bench_export_series}


if __name__ == "__main__":
    bench_export()
