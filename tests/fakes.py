"""Fakes for the TUI's behaviour objects, so they can be driven without Textual: a database call
that runs the store on its thread (or fails on demand, as `App.db` does after telling the
person), the few parts of the app's context they use, and recording UIs."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from facilitator.tui.context import AppClock
from facilitator.tui.saving import CommitQueue


class FakeDb:
    """`await db(fn, *args)` on the store's thread; None while `failing` (the app said why)."""

    def __init__(self, store) -> None:
        self.store = store
        self.failing = False
        self.calls = 0

    async def __call__(self, fn, *args, **kwargs):
        self.calls += 1
        if self.failing:
            return None
        return await self.store.call(fn, *args, **kwargs)


def context(store, clock, *, author: str = "", patience: float = 30.0) -> SimpleNamespace:
    """What the capturer and the exporter use of AppContext: store, db, clock, saves, author."""
    return SimpleNamespace(
        store=store,
        db=FakeDb(store),
        clock=AppClock(clock),
        saves=CommitQueue(store, patience=patience),
        author=author,
    )


class Notices:
    """Records what would be shown to the person."""

    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def notify(self, message: str, *, severity: str = "information", timeout: float = 5) -> None:
        self.shown.append((severity, message))

    def texts(self, severity: str | None = None) -> list[str]:
        return [m for s, m in self.shown if severity is None or s == severity]


async def drained(ctx) -> None:
    """Every queued commit is done, and the callbacks it scheduled have run."""
    await ctx.saves.drain(timeout=30)
    for _ in range(3):
        await asyncio.sleep(0)
