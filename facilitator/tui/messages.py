"""Messages the whole app shares, named in the past tense: they say what happened.

A widget's own messages nest inside it (`EntryTable.Highlighted`); the ones here concern more
than one screen. A change that many screens care about is published once by the app as a
Textual `Signal` (`ctx.database_changed`, `ctx.remarks_changed`, `ctx.sync_changed`, see
tui/context.py); a screen that wants it calls `follow` (or `follow_database_changes`), and from
then on each change reaches it as one of these messages, handled in the screen's own queue.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.message import Message
from textual.screen import Screen
from textual.signal import Signal

T = TypeVar("T")


class DatabaseChanged(Message, bubble=False):
    """Another app, the remark server or a note-taker's laptop committed to the database."""


class EntriesChanged(Message, bubble=False):
    """This session's entries changed (a capture here, or another app's)."""


class RemarksChanged(Message, bubble=False):
    """The remark server in this process stored a remark or released a batch."""

    def __init__(self, session_id: str, released: int) -> None:
        super().__init__()
        self.session_id = session_id
        self.released = released


class SyncStatusChanged(Message, bubble=False):
    """A laptop's sync went online or offline, or its outbox count changed."""


def follow(screen: Screen[Any], signal: Signal[T], message: Callable[[T], Message]) -> None:
    """Let `screen` hear of every publication of `signal`, as the message `message(data)` makes.

    Safe to call again (on each resume): a screen taken off the stack loses its subscription.
    """
    signal.unsubscribe(screen)
    signal.subscribe(screen, lambda data: screen.post_message(message(data)), immediate=True)


def follow_database_changes(screen: Screen[Any], signal: Signal[None]) -> None:
    """Let `screen` hear of every commit by another connection, as a DatabaseChanged message."""
    follow(screen, signal, lambda _: DatabaseChanged())
