#!/usr/bin/env python3
"""Benchmarks for facilitator. Each figure is printed beside a baseline measured in the same run.

These machines are shared and noisy: read the ratios, not the absolute times. Not part of the
test suite. Usage: .venv/bin/python scripts/bench.py [NAME ...]   (default: all)
Each area lives in scripts/bench_<area>.py with a `BENCHES` dict of name -> function; a function
prints its own lines and returns nothing.
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
    for name in names:
        print(f"== {name}")
        benches[name]()
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
