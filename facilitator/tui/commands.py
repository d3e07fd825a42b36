"""The command palette (ctrl+p): every key of a screen, for people who look, not remember; and
the run screen's export commands in words of their own."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

from facilitator.i18n import t


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


class ExportCommands(Provider):
    """Export, the participant version, the series report and the profile in the palette, on a
    screen that says so (its PALETTE_ELSEWHERE names "export"; the run screen's x and d)."""

    def _commands(self) -> list[tuple[str, str, str, Any]]:
        screen: Any = self.screen
        if "export" not in getattr(screen, "PALETTE_ELSEWHERE", ()):
            return []
        return [
            (t("export.cmd_export"), t("export.cmd_export_help"), "session", screen.action_export),
            (
                t("export.cmd_concept"),
                t("export.cmd_concept_help"),
                "participants",
                screen.action_export,
            ),
            (t("export.cmd_series"), t("export.cmd_series_help"), "theme", screen.action_export),
            (t("participants.cmd"), t("participants.cmd_help"), "", screen.action_participants),
        ]

    async def discover(self) -> Hits:
        for name, help_text, arg, action in self._commands():
            yield DiscoveryHit(name, partial(action, arg) if arg else action, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, arg, action in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(name),
                    partial(action, arg) if arg else action,
                    help=help_text,
                )
