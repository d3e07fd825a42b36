"""The house style holds: ruff (lint and format) on everything, mypy on the package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_lint_and_format():
    lint = run(str(BIN / "ruff"), "check", "facilitator", "scripts", "tests")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    fmt = run(str(BIN / "ruff"), "format", "--check", "facilitator", "scripts", "tests")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr


def test_mypy_on_the_package():
    result = run(str(BIN / "mypy"), "facilitator")
    assert result.returncode == 0, result.stdout + result.stderr
