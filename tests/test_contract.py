"""The project's own acceptance check of the CLI and JSON contract, run against the installed
`facilitator` (.venv/bin/facilitator) on throw-away databases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT.parent / "shared" / "checks" / "contract_check.py"
FACILITATOR = Path(sys.executable).parent / "facilitator"

pytestmark = pytest.mark.slow


def test_contract_check_passes():
    if not CHECK.exists():
        pytest.skip(f"{CHECK} is not beside this checkout")
    assert FACILITATOR.exists(), f"install the package first: {FACILITATOR} is missing"
    result = subprocess.run(
        [sys.executable, str(CHECK), str(FACILITATOR)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "contract: 0 problems" in result.stdout
