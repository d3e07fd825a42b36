#!/usr/bin/env bash
# Set up facilitator on a fresh machine with Python 3.11 or newer and open the demo (a day in 4.5 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python.sh
python="$(pick_python)"
"$python" -m venv .venv
.venv/bin/pip install -q -e .
exec .venv/bin/facilitator demo "$@"
