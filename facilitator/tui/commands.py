"""Every key of a screen also in the command palette (ctrl+p), for people who look, not remember."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class KeyCommands(Provider):
    """The screen's own actions (those its help lists), by their key description."""

    def _commands(self) -> list[tuple[str, str, str]]:
        screen = self.screen
        sections = getattr(screen, "HELP_SECTIONS", {})
        # Actions another provider offers in its own words ("Exporteren…"): not twice.
        seen: set[str] = set(getattr(screen, "PALETTE_ELSEWHERE", ()))
        out = []
        for bindings in screen._bindings.key_to_bindings.values():
            for b in bindings:
                if b.action in sections and b.action not in seen and b.description:
                    seen.add(b.action)
                    keys = self.app.get_key_display(b)
                    out.append(
                        (b.description, f"{keys} · {b.tooltip}" if b.tooltip else keys, b.action)
                    )
        return out

    def _run(self, action: str) -> None:
        self.app.call_later(self.app.run_action, action, self.screen)

    async def discover(self) -> Hits:
        for name, help_text, action in self._commands():
            yield DiscoveryHit(name, partial(self._run, action), help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, action in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, matcher.highlight(name), partial(self._run, action), help=help_text
                )
