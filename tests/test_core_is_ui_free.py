"""The core and the store import neither Textual nor aiohttp: the TUI, CLI and web are shells."""

from __future__ import annotations

import subprocess
import sys


def test_core_and_store_load_without_the_ui_or_the_web():
    code = (
        "import sys, pkgutil, importlib, facilitator.core as core\n"
        "for m in pkgutil.iter_modules(core.__path__):\n"
        "    importlib.import_module('facilitator.core.' + m.name)\n"
        "import facilitator.store, facilitator.export\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('textual', 'aiohttp', 'qrcode'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
