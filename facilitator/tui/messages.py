"""Messages the whole app shares, named in the past tense: they say what happened.

A widget's own messages nest inside it (`EntryTable.Highlighted`); the ones here concern every
screen. A change that many screens care about is published once by the app as a Textual
`Signal` (`app.database_changed`); a screen that wants it calls `follow_database_changes`, and
from then on each change reaches it as a `DatabaseChanged` message, so that every class of the
screen (its mixins too) can handle it with `on_database_changed`, as a posted message would.
"""

from __future__ import annotations

from typing import Any

from textual.message import Message
from textual.screen import Screen


class DatabaseChanged(Message, bubble=False):
    """Another app or the remark server committed something to the database."""


def follow_database_changes(screen: Screen[Any]) -> None:
    """Let `screen` hear of every commit by another connection, as a DatabaseChanged message.

    Safe to call again (on each resume): a screen taken off the stack loses its subscription.
    """
    signal = screen.app.database_changed  # type: ignore[attr-defined]
    signal.unsubscribe(screen)
    signal.subscribe(screen, lambda _: screen.post_message(DatabaseChanged()), immediate=True)
