"""The session's entries as one CSV table with a `kind` column, for analysis elsewhere.

UTF-8 with a byte-order mark (so Excel reads the accents right), a header row, one row per entry,
RFC 4180 quoting (a newline or delimiter inside a quote stays inside its cell). A cell that starts
with =, +, -, @, a tab or a carriage return would be run as a formula by a spreadsheet; it gets a
leading apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from facilitator.core.report import SessionReport

COLUMNS = (
    "session",
    "id",
    "kind",
    "block",
    "block_name",
    "phase",
    "created_at",
    "updated_at",
    "author",
    "level",
    "title",
    "text",
    "speaker",
    "source",
    "building_blocks",
    "tags",
    "links",
    "revisions",
)
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def neutralise(value: object) -> str:
    """A cell as text a spreadsheet will not evaluate."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def rows(report: SessionReport) -> list[list[str]]:
    """The header and one row per entry, every cell neutralised."""
    out = [list(COLUMNS)]
    for e in report.data.entries:
        block = report.block_of(e)
        values = {
            "session": report.session.id,
            "id": e.id,
            "kind": e.kind,
            "block": block.index if block is not None else "",
            "block_name": block.name if block is not None else "",
            "phase": block.block.phase if block is not None and block.block.phase else "",
            "created_at": e.created_at,
            "updated_at": e.updated_at,
            "author": e.author,
            "level": e.level or "",
            "title": e.title,
            "text": e.text,
            "speaker": e.speaker,
            "source": e.source,
            "building_blocks": "; ".join(e.building_blocks),
            "tags": " ".join(e.tags),
            # As in the JSON export: only links to entries in this table (not to deleted ones).
            "links": " ".join(t for t in e.links if report.entry(t) is not None),
            "revisions": e.revision - 1,
        }
        out.append([neutralise(values[c]) for c in COLUMNS])
    return out


def render(
    report: SessionReport,
    progress: Callable[[int, int], None] | None = None,
    *,
    delimiter: str = ",",
) -> str:
    """The CSV text, starting with a byte-order mark."""
    from facilitator.export.document import Progress

    table = rows(report)
    counter = Progress(len(table), progress)
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in table:
        writer.writerow(row)
        counter.step()
    counter.finish()
    return buffer.getvalue()
