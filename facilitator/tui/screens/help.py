"""The help screen: every key of the screen underneath, grouped, with what it does."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from facilitator.i18n import t
from facilitator.tui.base import Translated

SECTION_ORDER = ("clock", "capture", "view", "other")
NARROW_BELOW = 90  # columns: the sections become headings, so the explanations keep their room


def key_label(key: str) -> str:
    names = {"question_mark": "?", "plus": "+", "escape": "Esc", "enter": "Enter", "slash": "/"}
    parts = []
    for k in key.split(","):
        k = k.strip()
        if k.startswith("ctrl+"):
            parts.append("Ctrl+" + names.get(k[5:], k[5:]).upper())
        elif k.startswith("f") and k[1:].isdigit():
            parts.append(k.upper())
        else:
            parts.append(names.get(k, k))
    return " / ".join(parts)


def help_rows(screen: Screen) -> list[tuple[str, str, str, str]]:
    """(section, keys, name, explanation) for every binding of `screen`, keys of one action merged."""
    sections: dict[str, str] = getattr(screen, "HELP_SECTIONS", {})
    by_action: dict[str, list] = {}
    for bindings in screen._bindings.key_to_bindings.values():
        for b in bindings:
            by_action.setdefault(b.action, []).append(b)
    rows = []
    for action, bindings in by_action.items():
        if action not in sections:
            continue  # Textual's own keys (focus, copy) are not ours to explain
        first = next((b for b in bindings if b.description), bindings[0])
        keys = key_label(",".join(b.key for b in bindings))
        rows.append((sections.get(action, "other"), keys, first.description, first.tooltip or ""))
    order = {s: i for i, s in enumerate(SECTION_ORDER)}
    rows.sort(key=lambda r: order.get(r[0], len(order)))
    return rows


class HelpScreen(Translated, ModalScreen[None]):
    """Lists every key of the screen it was opened from."""

    BINDINGS = [Binding("escape,question_mark,f1,q", "app.pop_screen", "keys.close")]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.rows = help_rows(screen)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help-dialog"):
            yield Static(Content(t("help.title")), classes="dialog-title")
            yield Static(Content(t("help.intro")))
            yield Static(self._table(), id="help-keys")
            yield Static(Content(t("help.close_hint")), classes="hint")

    def _table(self) -> Table | Group:
        """A rich Table, so long explanations wrap; every cell is Text, never markup. On a
        narrow terminal each section is a heading over a table of its own keys."""
        if self.app.size.width < NARROW_BELOW:
            parts: list[Text | Table] = []
            for sec in SECTION_ORDER:
                rows = [r for r in self.rows if r[0] == sec]
                if not rows:
                    continue
                parts.append(Text(("\n" if parts else "") + t("help.section_" + sec), "bold"))
                table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
                table.add_column(no_wrap=True)
                table.add_column(no_wrap=True)
                table.add_column(ratio=1)
                for _sec, keys, name, explanation in rows:
                    table.add_row(Text(keys, style="bold"), Text(name), Text(explanation))
                parts.append(table)
            return Group(*parts)
        table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column(ratio=1)
        section = None
        for sec, keys, name, explanation in self.rows:
            label = t("help.section_" + sec) if sec != section else ""
            section = sec
            table.add_row(
                Text(label, style="bold"), Text(keys, style="bold"), Text(name), Text(explanation)
            )
        return table
