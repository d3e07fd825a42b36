"""The project's own acceptance check of the CLI and JSON contract, run against the installed
`facilitator` (.venv/bin/facilitator) on throw-away databases."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# The shared check beside the checkout when it is there; otherwise the copy kept in tests/contract
# (a clean clone in CI may not have ../shared), so the contract is always checked.
SHARED = ROOT.parent / "shared" / "checks" / "contract_check.py"
CHECK = SHARED if SHARED.exists() else Path(__file__).with_name("contract") / "contract_check.py"
FACILITATOR = Path(sys.executable).parent / "facilitator"

pytestmark = pytest.mark.slow


def test_contract_check_passes():
    assert FACILITATOR.exists(), f"install the package first: {FACILITATOR} is missing"
    result = subprocess.run(
        [sys.executable, str(CHECK), str(FACILITATOR)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "contract: 0 problems" in result.stdout


def test_the_kept_copy_matches_the_shared_check():
    if SHARED.exists():
        kept = Path(__file__).with_name("contract") / "contract_check.py"
        assert kept.read_text(encoding="utf-8") == SHARED.read_text(encoding="utf-8"), (
            "tests/contract/contract_check.py is stale: copy ../shared/checks/contract_check.py over it"
        )
