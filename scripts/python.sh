# Sourced by demo.sh and test.sh: picks the Python to build .venv with.
# $PYTHON when set (CI sets python3.11, the oldest supported); otherwise the newest python3 that
# is at least 3.11. Says plainly when there is none.
pick_python() {
  if [ -n "${PYTHON:-}" ]; then
    command -v "$PYTHON" >/dev/null 2>&1 || { echo "PYTHON=$PYTHON is not installed" >&2; exit 2; }
    echo "$PYTHON"; return
  fi
  for candidate in python3.14 python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"; return
    fi
  done
  echo "facilitator needs Python 3.11 or newer, and none was found (tried python3.14 ... python3.11, python3)." >&2
  echo "Install one (Debian/Ubuntu: sudo apt install python3 python3-venv; macOS: brew install python) and run this again." >&2
  exit 2
}
