#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine with Python 3.11 or newer, then run them.
# Debian's chromium (browser tests) and tmux (the real-terminal test) come from apt when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python.sh
python="$(pick_python)"
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
"$python" -m venv .venv
.venv/bin/pip install -q -e '.[test]'
exec .venv/bin/python -m pytest -n 2 -p no:cacheprovider "$@"
