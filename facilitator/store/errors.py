"""The store's errors: each says what a user can fix, and the shells print it as it is."""

from __future__ import annotations

from typing import Any


class StoreError(Exception):
    """A problem a user can fix (a path that cannot be written, a database from a newer version)."""


class NotFound(StoreError):
    """No such session or entry."""


class FieldError(StoreError):
    """An entry field the store refuses; `field` names it (an import says where it is)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class StaleEdit(StoreError):
    """The entry was saved again after the edit was opened; `current` is the entry as it is now."""

    def __init__(self, current: Any) -> None:
        super().__init__(f"entry {current.id!r} changed since the edit was opened")
        self.current = current
