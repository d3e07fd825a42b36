"""Settings kept in the database (shared by every app and server on it): key and text value."""

from __future__ import annotations

from collections.abc import Callable

from facilitator.store.db import Database


class Settings:
    """The settings table: `store.settings.get(key)`, `store.settings.set(key, value)`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str, default: str | None = None) -> str | None:
        rows = self.db.query("SELECT value FROM settings WHERE key = ?", (key,))
        return rows[0]["value"] if rows else default

    def set(self, key: str, value: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO settings(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def setdefault(self, key: str, make: Callable[[], str]) -> str:
        """The value of `key`; when there is none, `make()` kept as its value in the same
        transaction (of two processes asking at once, the first one's value is everyone's)."""
        with self.db.transaction() as conn:
            row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return str(row[0])
            value = make()
            conn.execute("INSERT INTO settings (key, value) VALUES (?, ?)", (key, value))
            return value
