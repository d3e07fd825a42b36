"""What a screen may use of the app: one declared object, built once by the app and handed to
every screen in its constructor (a screen passes it on to the screens it opens).

Screens never import the app class; the behaviour objects they hold (the capturer, the exporter)
and the services beside the screens (the remark server, note-takers' sync) take it too. Nothing
here imports Textual, so a test can build one from fakes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from textual.signal import Signal

    from facilitator.core.clock import Clock
    from facilitator.store import Store
    from facilitator.tui.remark_service import RemarkService
    from facilitator.tui.saving import CommitQueue
    from facilitator.tui.sync_service import SyncService

T = TypeVar("T")


class DbCall(Protocol):
    """`await db(fn, *args)`: a store call on the one database thread; None (and the person is
    told why) when SQLite failed."""

    def __call__(
        self, fn: Callable[..., T], /, *args: Any, **kwargs: Any
    ) -> Awaitable[T | None]: ...


class AppClock:
    """The app's time: the clock it was started with or, on a note-taker's laptop, the host's
    (see SyncService). Everyone holds this object and calls it, so the switch reaches them all."""

    def __init__(self, source: Clock) -> None:
        self.source = source

    def __call__(self) -> datetime:
        return self.source()


@dataclass(eq=False)
class AppContext:
    """The store, the database thread, the clock, the services and the app-wide signals."""

    store: Store
    db: DbCall
    clock: AppClock
    saves: CommitQueue  # entries typed here, committed in order (tui/saving.py)
    remarks: RemarkService  # the participants' remark server: its state and what it holds
    sync: SyncService  # note-takers' laptops: the host's server, or a laptop's sync state
    # Published once per change (see tui/messages.py, `follow`):
    database_changed: Signal[None]  # another connection committed
    remarks_changed: Signal[tuple[str, int]]  # (session id, remarks released) from our server
    sync_changed: Signal[str]  # a laptop's sync status of a session changed
    open_session: Callable[[str], None]  # show a session's run screen
    author: str = ""  # the initials typed here (asked by the first capture form)
    demo_speed: float | None = None
    demo_throwaway: bool = True  # the demo's database goes when the app closes
