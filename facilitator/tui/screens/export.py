"""The export dialog: what to export (this session, the participant version, the series), the
format and the file. Returns the choice; the run screen's export action does the writing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from facilitator.export import FORMATS, REPORT_FORMATS, SERIES_FORMATS, default_name
from facilitator.i18n import t
from facilitator.store import SessionInfo
from facilitator.tui.base import CompactWhenShort, DismissOnce, Translated

SCOPES = ("session", "participants", "theme", "all")
# The team edits the draft in Word; that is the format offered first.
DEFAULT_FORMAT = "docx"


def subject(session: SessionInfo, scope: str) -> str:
    """The stem of the suggested file name."""
    if scope == "theme":
        return f"reeks-{session.programme.id}"
    if scope == "all":
        return "reeks-alle-sessies"
    return session.id


def formats_for(scope: str) -> tuple[str, ...]:
    """The session's team export has every format; the participant version is a report only;
    the series comes as the report, one spreadsheet or a REFI-QDA project."""
    if scope == "session":
        return FORMATS
    return REPORT_FORMATS if scope == "participants" else SERIES_FORMATS


class ExportScreen(CompactWhenShort, DismissOnce, Translated, ModalScreen[dict[str, Any] | None]):
    """Returns {"scope", "format", "path"} or None when cancelled. Does no I/O itself."""

    CSS_PATH = "export.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "keys.cancel"),
        Binding("ctrl+s", "export", "export.write"),
    ]

    def __init__(self, session: SessionInfo, folder: Path, scope: str = "session") -> None:
        super().__init__()
        self.session = session
        self.folder = folder
        self.scope = scope if scope in SCOPES else "session"
        self._suggested = self._suggest(self.scope, DEFAULT_FORMAT)

    def _suggest(self, scope: str, fmt: str) -> str:
        audience = "participants" if scope == "participants" else "team"
        return str(self.folder / default_name(subject(self.session, scope), fmt, audience=audience))

    def _format_options(self, scope: str) -> list[tuple[Content, str]]:
        return [(Content(t(f"export.fmt_{f}")), f) for f in formats_for(scope)]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog form-dialog export-dialog"):
            yield Static(Content(t("export.title")), classes="dialog-title")
            yield Label(Content(t("export.what")))
            yield Select(
                [(Content(t(f"export.scope_{s}")), s) for s in SCOPES],
                value=self.scope,
                allow_blank=False,
                id="scope",
            )
            yield Label(Content(t("export.format")))
            yield Select(
                self._format_options(self.scope),
                value=DEFAULT_FORMAT,
                allow_blank=False,
                id="format",
            )
            yield Label(Content(t("export.path")))
            yield Input(self._suggested, id="path")
            yield Static("", id="form-error", classes="error")
            yield Static(Content(t("export.hint")), classes="hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button(Content(t("export.write")), variant="primary", id="export")
                yield Button(Content(t("keys.cancel")), id="cancel")

    def on_mount(self) -> None:
        self.query_one("#scope", Select).focus()

    @on(Select.Changed)
    def _changed(self, event: Select.Changed) -> None:
        scope_select = self.query_one("#scope", Select)
        fmt_select = self.query_one("#format", Select)
        scope = str(scope_select.value)
        if event.select is scope_select:
            keep = fmt_select.value
            fmt_select.set_options(self._format_options(scope))
            fmt_select.value = keep if keep in formats_for(scope) else DEFAULT_FORMAT
        path = self.query_one("#path", Input)
        # Follow the choice only while the name is still the suggested one.
        if path.value == self._suggested:
            self._suggested = self._suggest(scope, str(fmt_select.value))
            path.value = self._suggested
        self.query_one("#form-error", Static).update("")

    @on(Button.Pressed, "#export")
    @on(Input.Submitted)
    def action_export(self) -> None:
        scope = str(self.query_one("#scope", Select).value)
        fmt = str(self.query_one("#format", Select).value)
        raw = self.query_one("#path", Input).value.strip()
        error = self.query_one("#form-error", Static)
        if fmt not in formats_for(scope):
            error.update(Content(t("export.err_format")))
            return
        if not raw:
            error.update(Content(t("export.err_path")))
            self.query_one("#path", Input).focus()
            return
        try:
            path = Path(raw).expanduser()
        except RuntimeError:  # ~name of a user this laptop does not know
            error.update(Content(t("export.err_home", path=raw)))
            self.query_one("#path", Input).focus()
            return
        if raw.endswith(("/", os.sep)) or path.is_dir():
            # A folder: the suggested file name inside it, not a file named after the folder.
            path = path / Path(self._suggest(scope, fmt)).name
        suffix = "." + fmt
        if path.suffix.lower() != suffix:
            path = path.with_name(path.name + suffix)
        self.dismiss({"scope": scope, "format": fmt, "path": path})

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
