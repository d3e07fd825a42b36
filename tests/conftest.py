"""Shared fixtures: a fake clock, a temporary store, a sample session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from facilitator import i18n
from facilitator.core.programme import find, shipped_dir
from facilitator.store import Store

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class FakeClock:
    """A clock that only moves when a test says so."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0, *, minutes: float = 0) -> datetime:
        self.now += timedelta(seconds=seconds, minutes=minutes)
        return self.now


@pytest.fixture(autouse=True)
def _dutch_and_isolated(monkeypatch, tmp_path_factory):
    """Every test starts in Dutch, in UTC, with no user settings or user programmes."""
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.delenv("FACILITATOR_DB", raising=False)
    monkeypatch.delenv("FACILITATOR_LANG", raising=False)
    # No remark server on 0.0.0.0 unless a test asks for one (the web tests switch it on).
    monkeypatch.setenv("FACILITATOR_WEB", "0")
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("FACILITATOR_PROGRAMMES", str(home / "programmes"))
    # What the app keeps between starts (parsed catalogues and style sheets) stays out of the
    # user's own cache folder: one per test process, as one user's would be.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))
    import time

    time.tzset()
    i18n.set_language("nl")
    yield
    i18n.set_language("nl")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "facilitator.db"


@pytest.fixture
def store(db_path: Path):
    s = Store.open(db_path)
    yield s
    s.close()


@pytest.fixture
def programme():
    prog = find("spelregels", [shipped_dir()])
    assert prog is not None
    return prog


@pytest.fixture
def session_id(store: Store, programme, clock: FakeClock) -> str:
    return store.sessions.create(
        programme,
        "Utrecht",
        "2026-03-01",
        facilitators=["Anna", "Bram"],
        expected_participants=20,
        now=clock(),
    )
