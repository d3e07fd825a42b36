"""`facilitator demo`: a sample session on a throw-away database, in the app, the clock sped up.

One function for both ways in: the command line's `demo` command (facilitator.cli) and the bare
`facilitator demo`, which the console script starts without click (facilitator.launch). What
the command line would say about a problem is left to it: `play` raises `DemoRefused` with the
message, and the caller prints it (`facilitator: ...`, exit status 2).
"""

from __future__ import annotations

from pathlib import Path

SPEED = 60.0  # `--speed`'s default: how many times faster than real time the clock runs
PROGRAMME = "verbindende-verhalen"  # `--programme`'s default


class DemoRefused(Exception):
    """The demo cannot start (an unknown programme, a database that cannot be made); the
    message is for the person at the terminal."""


def play(db: Path | None = None, speed: float = SPEED, programme_id: str = PROGRAMME) -> None:
    """Run the demo until the app closes; `db` keeps its database (else a throw-away one)."""
    import tempfile

    from facilitator.core.clock import speed_clock
    from facilitator.core.programme import find
    from facilitator.i18n import t
    from facilitator.store import Store, StoreError
    from facilitator.tui.app import make_app

    programme = find(programme_id)
    if programme is None:
        raise DemoRefused(t("cli_errors.no_programme", programme=repr(programme_id)))
    with tempfile.TemporaryDirectory(prefix="facilitator-demo-") as tmp:
        try:
            store = Store.open(db) if db else Store.open_throwaway(Path(tmp) / "demo.db")
        except StoreError as exc:
            raise DemoRefused(str(exc)) from None
        clock = speed_clock(speed)
        from functools import partial

        from facilitator.demo import sample_day, seed_demo, seed_sample_session

        now = clock()
        # The sample session (yesterday's, to browse) is written once the run screen is painted.
        session_id = seed_demo(store, programme, now, sample=False)
        app = make_app(
            store,
            session_id=session_id,
            clock=clock,
            author="DEMO",
            demo_speed=speed,
            demo_throwaway=db is None,
            demo_autoplay=True,
            after_first_paint=partial(seed_sample_session, store, programme, sample_day(now)),
        )
        try:
            app.run()
        finally:
            store.close()
