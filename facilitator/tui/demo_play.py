"""`facilitator demo` plays its day by itself until a person presses a key (see facilitator.demo)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import Any

from textual.message import Message

from facilitator.demo import Autoplay
from facilitator.i18n import t
from facilitator.store import StoreError

TICK_SECONDS = 0.5  # how often the clock is read; what is due is worked out from the clock


def start_autoplay(app: Any, entries_changed: Callable[[], Message]) -> Autoplay | None:
    """Start the demo's autoplay on `app` (a demo with a session), or None.

    `entries_changed` makes the message that has the run screen show new entries (passed in by
    the app, so this module stays out of the screens' import circle).
    """
    if not app.initial_session:
        return None
    # The next block starts about a second and a half (real time) before the block's time runs out.
    lead = max(30.0, 1.5 * float(app.demo_speed or 1.0))
    autoplay = Autoplay(app.store, app.initial_session, app.clock, lead_seconds=lead)
    running: dict[str, asyncio.Task[None]] = {}

    async def play() -> None:
        try:
            done = await app.store.call(autoplay.step)
        except (sqlite3.Error, StoreError, OSError):
            autoplay.stop()  # the demo's own database failed: a person takes over
            return
        if done:
            app.database_changed.publish(None)
            if any(d.startswith("entry:") for d in done):
                app.screen.post_message(entries_changed())

    def tick() -> None:
        if autoplay.stopped:
            timer.stop()
            return
        task = running.get("task")
        if task is None or task.done():
            running["task"] = asyncio.get_running_loop().create_task(play())

    timer = app.set_interval(TICK_SECONDS, tick)
    return autoplay


def stop_autoplay(app: Any) -> None:
    """A person pressed a key: stop the autoplay for good, and say so once."""
    autoplay = app.autoplay
    if autoplay is not None and autoplay.stop():
        app.notify(t("run.demo_autoplay_stopped"), timeout=5)
