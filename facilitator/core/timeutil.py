"""UTC timestamps as stored: ISO-8601 with milliseconds, always with an explicit +00:00."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, tzinfo

_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_iso(text: str) -> datetime:
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def parse_date(text: str) -> date:
    """A YYYY-MM-DD date; ValueError with a readable message otherwise.

    Only that form: `date.fromisoformat` also takes 20260301 and 2026-W10-1, which would be
    stored as typed and break the contract's date format.
    """
    try:
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        raise ValueError(f"{text!r} is not a date as YYYY-MM-DD") from None


def local(dt: datetime) -> datetime:
    """The same moment in the laptop's own time zone, for display."""
    return dt.astimezone()


# -- a session's own time zone ----------------------------------------------------------------

DEFAULT_ZONE = "Europe/Amsterdam"


class _CentralEurope(tzinfo):
    """Central European Time with the EU's summer time (last Sunday of March to the last Sunday
    of October, switching at 01:00 UTC): Europe/Amsterdam on a machine without time-zone data
    (Windows without the tzdata package, a slim container)."""

    def __init__(self, name: str) -> None:
        self._name = name

    @staticmethod
    def _last_sunday(year: int, month: int) -> datetime:
        d = datetime(year, month, 31 if month in (3, 10) else 30, 1, tzinfo=UTC)
        return d - timedelta(days=(d.weekday() + 1) % 7)

    def _summer(self, utc: datetime) -> bool:
        return self._last_sunday(utc.year, 3) <= utc < self._last_sunday(utc.year, 10)

    def utcoffset(self, dt: datetime | None) -> timedelta:
        if dt is None:
            return timedelta(hours=1)
        # A naive local time: take it as standard time first (good to within the switch hour).
        guess = dt.replace(tzinfo=UTC) - timedelta(hours=1)
        return timedelta(hours=2 if self._summer(guess) else 1)

    def dst(self, dt: datetime | None) -> timedelta:
        return self.utcoffset(dt) - timedelta(hours=1)

    def tzname(self, dt: datetime | None) -> str:
        return "CEST" if self.dst(dt) else "CET"

    def fromutc(self, dt: datetime) -> datetime:
        utc = dt.replace(tzinfo=UTC)
        offset = timedelta(hours=2 if self._summer(utc) else 1)
        return (utc + offset).replace(tzinfo=self)

    def __repr__(self) -> str:
        return f"<{self._name} without tzdata: CET/CEST>"


# Zones that follow Central European rules, usable without time-zone data.
_CET_ZONES = {
    "Europe/Amsterdam",
    "Europe/Brussels",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Luxembourg",
    "CET",
}


def zone(name: str | None) -> tzinfo:
    """The time zone called `name` (IANA, e.g. Europe/Amsterdam); ValueError for an unknown one.
    Central European zones work without the system's time-zone data too."""
    name = (name or DEFAULT_ZONE).strip()
    found = _ZONES.get(name)
    if found is None:
        found = _ZONES[name] = _zone(name)
    return found


_ZONES: dict[str, tzinfo] = {}  # looked up once per name: an export asks for every time


def _zone(name: str) -> tzinfo:
    if name.upper() == "UTC":
        return UTC
    try:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
    except ImportError:  # pragma: no cover - the standard library always has zoneinfo
        pass
    if name in _CET_ZONES:
        return _CentralEurope(name)
    raise ValueError(f"unknown time zone {name!r} (for example: {DEFAULT_ZONE})")


def check_zone(name: str) -> str:
    """A time zone name as stored, checked (ValueError when unknown)."""
    name = name.strip()
    if name in _CET_ZONES or name.upper() == "UTC":
        # Known good with or without time-zone data (see `_zone`), and not looked up: loading
        # zoneinfo took ~2.5 ms of creating a session (the demo's, before its first paint).
        return name
    zone(name)
    return name


def in_zone(dt: datetime, name: str | None) -> datetime:
    """The same moment on the clock of the session's own time zone."""
    try:
        tz = zone(name)
    except ValueError:
        tz = UTC
    return dt.astimezone(tz)
