#!/usr/bin/env python3
"""Benchmarks for facilitator. Each figure is printed beside a baseline measured in the same run.

These machines are shared and noisy: read the ratios, not the absolute times. Not part of the
test suite. Usage: .venv/bin/python scripts/bench.py [NAME ...]   (default: all)
Each area lives in scripts/bench_<area>.py with a `BENCHES` dict of name -> function; a function
prints its own lines and may return a one-line (or few-line) summary, printed again at the end:
    startup        launch to first paint against a minimal Textual app     (bench_startup.py)
    log_open       l to the first row of the log, 10 and 10,000 entries,    (bench_log.py)
                   against a minimal screen with a 40-row DataTable
    capture_save   Enter to durable, p99 against a minimal one-Input app   (bench_capture.py)
`scripts/bench.py startup log_open capture_save` gives just those three ratios.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def all_benches() -> dict:
    benches: dict = {}
    for path in sorted(HERE.glob("bench_*.py")):
        module = importlib.import_module(path.stem)
        benches.update(getattr(module, "BENCHES", {}))
    return benches


def main(argv: list[str]) -> int:
    benches = all_benches()
    names = argv or list(benches)
    unknown = [n for n in names if n not in benches]
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(benches)}",
            file=sys.stderr,
        )
        return 2
    summary: list[str] = []
    for name in names:
        print(f"== {name}")
        result = benches[name]()
        if result:
            summary.append(result)
        print()
    if summary:
        print("== summary (ratio: ours / baseline measured in the same run)")
        for lines in summary:
            for text in lines.splitlines():
                print(f"  {text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
