"""Launch to first painted run screen of `facilitator demo`, beside a minimal Textual app.

The minimal app is the one the target is stated against: a Header, a Static and a Footer. Runs
alternate (minimal, facilitator, minimal, ...) so both see the same load on a shared machine.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchpty import bench_env, median, ms, time_to_paint  # noqa: E402

MINIMAL = """
from textual.app import App
from textual.widgets import Footer, Header, Static

class Minimal(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self):
        yield Header()
        yield Static("MINIMAL READY")
        yield Footer()

Minimal().run()
"""


def startup(runs: int = 15) -> str:
    exe = Path(sys.executable).with_name("facilitator")
    with bench_env() as (tmp, env):
        minimal = tmp / "minimal.py"
        minimal.write_text(MINIMAL)
        base_argv = [sys.executable, str(minimal)]
        ours_argv = [str(exe), "demo"]
        ours, base = [], []
        # Warm the file cache (and write byte-code) once, then alternate.
        time_to_paint(base_argv, b"MINIMAL READY", env)
        time_to_paint(ours_argv, b"Volgend blok", env)
        for _ in range(runs):
            base.append(time_to_paint(base_argv, b"MINIMAL READY", env))
            ours.append(time_to_paint(ours_argv, b"Volgend blok", env))
    m_ours, m_base = median(ours), median(base)
    print(f"launch to first painted run screen, median of {runs} (120x40 pty):")
    print(f"  facilitator demo                        {ms(m_ours)}")
    print(f"  minimal Textual app (Header/Static/Footer) {ms(m_base)}   (baseline)")
    summary = (
        f"first paint      {m_ours / m_base:5.2f}x  ({ms(m_ours).strip()} vs {ms(m_base).strip()};"
        " target 1.30x)"
    )
    print(f"  ratio {m_ours / m_base:5.2f}x   (target: at most 1.30x, aim 1.10x)")
    return summary


BENCHES = {"startup": startup}

if __name__ == "__main__":
    startup()
