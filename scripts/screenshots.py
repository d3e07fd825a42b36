#!/usr/bin/env python3
"""Write the README's screenshots (docs/*.svg) from a sample session with a fixed clock."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ["TZ"] = "Europe/Amsterdam"
time.tzset()
os.environ["FACILITATOR_WEB"] = "0"


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def main() -> None:
    from facilitator.core import clock as ck
    from facilitator.core.programme import find
    from facilitator.store import Store
    from facilitator.tui.app import make_app

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "shots.db")
        start = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
        clock = FixedClock(start)
        sid = store.sessions.create(
            find("spelregels"),
            "Utrecht",
            "2026-03-01",
            facilitators=["Anna", "Said"],
            expected_participants=20,
            now=start,
        )
        store.clock.add(sid, ck.START, start, {"key": "welkom"})
        clock.now = start + timedelta(minutes=23)
        store.clock.add(sid, ck.START, clock.now, {"key": "fase1"})
        for minutes, kind, fields in (
            (
                12,
                "story",
                {
                    "text": "In de tram zei een man dat ik terug moest naar mijn eigen land. "
                    "Niemand zei iets."
                },
            ),
            (
                19,
                "quote",
                {
                    "text": "Ik had gewild dat één persoon had gevraagd of het goed ging.",
                    "speaker": "deelnemer, Utrecht",
                },
            ),
            (31, "observation", {"text": "Stilte na het verhaal; twee deelnemers knikken."}),
        ):
            store.entries.add(
                sid,
                kind,
                fields,
                author="SA",
                block_key="fase1",
                now=clock.now + timedelta(minutes=minutes),
            )
        clock.now += timedelta(minutes=49)
        app = make_app(store, session_id=sid, clock=clock, poll_interval=0)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            app.screen.refresh_clock()
            await pilot.pause(0.3)
            app.save_screenshot(str(ROOT / "docs" / "run-screen.svg"))
            await pilot.press("r")
            await pilot.pause(0.3)
            app.save_screenshot(str(ROOT / "docs" / "room-clock.svg"))
        store.close()
    print("wrote docs/run-screen.svg and docs/room-clock.svg")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
