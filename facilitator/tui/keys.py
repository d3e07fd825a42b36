"""Keys in the order they were typed: one key is handled completely before the next is routed.

Textual hands a key to the focused widget's own queue. A letter is handled there at once, but a
key that is a binding (Home, End, Left, BackSpace, Enter) travels up through the queue of every
parent to the app, which runs the binding; the letters typed after it, already waiting in the
field's queue, overtake it ("abc Home X End Y" gave "abcXY"). And a key that opens or closes a
screen takes effect only after the keys behind it were given to the screen that was on top
before (the "t" of a quote typed after Enter opened the prototype form).

`KeyRouter.deliver` does what Textual's app does with a key from the terminal, but waits, with
a callback queued behind the key on each widget it passes, until the key has been handled
(stopped by a widget, or its binding run by the app) and the screen it leaves on top is mounted,
before it returns; the app calls it from its own message loop, so the next key waits too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events
from textual._callback import invoke
from textual._dispatch_key import dispatch_key
from textual.message_pump import MessagePump
from textual.screen import Screen

if TYPE_CHECKING:
    from textual.app import App

# A widget that does not come back within this time (a handler awaiting something slow) is not
# waited for any longer: the key goes on, so a stuck widget can never stop the keyboard.
HOP_PATIENCE = 5.0


async def _processed(node: MessagePump, patience: float = HOP_PATIENCE) -> bool:
    """Return once `node` has handled everything queued to it before now (False: gave up)."""
    done = asyncio.Event()
    if not node.call_later(done.set):
        return False  # closing: nothing queued there will run
    try:
        await asyncio.wait_for(done.wait(), patience)
    except TimeoutError:
        return False
    return True


class KeyRouter:
    """Routes terminal keys (and pastes) one at a time for an app; see the module docstring."""

    def __init__(self, app: App[Any]) -> None:
        self.app = app
        self._screen: object | None = None
        self._later: list[_Later] = []

    def later(self, callback: Callable[..., Any]) -> Callable[[], Any]:
        """Wrap a callback queued on the app (`call_later`) so the next key can run it first."""
        item = _Later(callback, self._later)
        self._later.append(item)
        return item

    def forget(self, later: Callable[[], Any]) -> None:
        if later in self._later:
            self._later.remove(later)  # type: ignore[arg-type]

    async def _run_later(self) -> None:
        """Run the app's queued callbacks now (focus changes among them), in their order.

        `Widget.focus` queues the change on the app, behind the keys already waiting there: the
        letters typed right after a key that opened a form would go to the screen, not the field.
        """
        for later in list(self._later):  # not those they queue in turn (one may re-queue itself)
            await later()

    async def deliver(self, event: events.Key | events.Paste) -> None:
        app = self.app
        if not app.screen_stack or app._closing:
            return  # closing down: no screen takes keys any more
        await self._settle_screen()
        await self._run_later()
        if isinstance(event, events.Paste):
            target = app.focused or app.screen
            await self._follow(event, target)
            return
        if not app.app_focus:
            app.app_focus = True
        screen = app.screen
        if screen.maximized is not None and event.key == "escape" and app.escape_to_minimize:
            screen.minimize()
            return
        if app.focused:
            try:
                screen._clear_tooltip()
            except Exception:  # noqa: BLE001  (no screen: nothing to clear)
                pass
        if await app._check_bindings(event.key, priority=True):
            await self._settle_screen()
            return
        await self._follow(event, app.focused or screen)
        await self._settle_screen()

    async def _follow(self, event: events.Key | events.Paste, target: MessagePump) -> None:
        """Hand the event to `target` and follow it up the DOM until it is handled."""
        app = self.app
        if isinstance(event, events.Key) and isinstance(target, Screen):
            # Nothing has focus: the screen's own bindings, then the app's, right here. A
            # screen busy with something slow (a refresh waiting for the database) must not
            # hold up a key that opens a form.
            if not await app._check_bindings(event.key):
                await dispatch_key(target, event) or await dispatch_key(app, event)
            return
        reached: list[MessagePump] = []
        following = True

        def bubble_to(parent: MessagePump) -> None:
            event._no_default_action = False
            if parent is app and following:
                reached.append(parent)
                return  # handled below, in this task, so it keeps its place in line
            if following:
                reached.append(parent)
            parent.post_message(event)  # given up on (a widget too slow): as Textual would

        event._bubble_to = bubble_to  # type: ignore[method-assign,assignment]
        event._set_forwarded()
        if not target.post_message(event):
            return
        node = target
        try:
            while True:
                if not await _processed(node):
                    return
                if not reached:
                    return  # stopped, or nowhere to go
                node = reached.pop()
                if node is app:
                    if isinstance(event, events.Key) and not await app._check_bindings(event.key):
                        await dispatch_key(app, event)
                    return
        finally:
            following = False

    async def _settle_screen(self) -> None:
        """Wait until the screen on top is mounted and has taken focus, once per new screen."""
        app = self.app
        try:
            screen = app.screen
        except Exception:  # noqa: BLE001  (no screen yet, or closing)
            return
        if screen is self._screen:
            return
        if not screen.is_mounted:
            try:
                await asyncio.wait_for(screen._mounted_event.wait(), HOP_PATIENCE)
            except TimeoutError:
                pass
        # A screen busy with a slow handler is not waited for long: its bindings are run here.
        await _processed(screen, patience=1.0)
        self._screen = screen


class _Later:
    """A callback queued on the app that runs once: early (from a key) or from the queue."""

    __slots__ = ("callback", "pending")

    def __init__(self, callback: Callable[..., Any], pending: list[_Later]) -> None:
        self.callback = callback
        self.pending = pending

    async def __call__(self) -> None:
        try:
            self.pending.remove(self)
        except ValueError:
            return  # already run
        await invoke(self.callback)
