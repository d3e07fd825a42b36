"""UTC timestamps as stored: ISO-8601 with milliseconds, always with an explicit +00:00."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

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
