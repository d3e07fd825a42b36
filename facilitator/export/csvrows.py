"""The session's entries as one CSV table with a `kind` column, for analysis elsewhere.

UTF-8 with a byte-order mark (so Excel reads the accents right), a header row, one row per entry,
RFC 4180 quoting (a newline or delimiter inside a quote stays inside its cell). A cell that starts
with =, +, -, @, a tab or a carriage return would be run as a formula by a spreadsheet; it gets a
leading apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator

from facilitator.core.report import SeriesReport, SessionReport

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
    "sub_question",
    "photo",
)
# The series as one table: where and when beside every entry, and the visible anonymous remarks
# as rows of their own (kind "remark", the slot in block_name, the words in text).
SERIES_COLUMNS = ("theme", "place", "date", *COLUMNS)
DELIMITERS = {"comma": ",", "semicolon": ";", "tab": "\t"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_CHARS = frozenset("".join(_FORMULA_START))
BOM = "\ufeff"


def neutralise(value: object) -> str:
    """A cell as text a spreadsheet will not evaluate."""
    text = "" if value is None else value if type(value) is str else str(value)
    return "'" + text if text and text[0] in _FORMULA_CHARS else text


def rows(report: SessionReport) -> list[list[str]]:
    """The header and one row per entry, every cell neutralised."""
    return [list(COLUMNS), *([neutralise(v) for v in values] for values in _entry_values(report))]


def series_rows(reports: Iterable[SessionReport]) -> Iterator[list[str]]:
    """The series' header, then per session its entries and its visible remarks."""
    yield list(SERIES_COLUMNS)
    for report in reports:
        s = report.session
        where = [s.programme.theme, s.place, s.date]
        for values in _entry_values(report):
            yield [neutralise(v) for v in (*where, *values)]
        for r in report.data.remarks:  # in slot order, never the order they came in
            if r.hidden:
                continue  # the team's files count hidden remarks, never show them
            cells = dict.fromkeys(COLUMNS, "")
            cells.update(session=s.id, kind="remark", block_name=r.slot, text=r.text)
            yield [neutralise(v) for v in (*where, *cells.values())]


def _entry_values(report: SessionReport) -> Iterator[list[object]]:
    """Each entry's cells in COLUMNS order (not yet neutralised)."""
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
            "sub_question": e.sub_question,
            "photo": e.photo,
        }
        yield [values[c] for c in COLUMNS]


def render(
    report: SessionReport,
    progress: Callable[[int, int], None] | None = None,
    *,
    delimiter: str = ",",
) -> str:
    """The CSV text, starting with a byte-order mark."""
    table = rows(report)
    return _write(table, len(table), progress, delimiter)


def render_series(
    series: SeriesReport,
    progress: Callable[[int, int], None] | None = None,
    *,
    delimiter: str = ",",
) -> str:
    """The whole series as one CSV text, starting with a byte-order mark."""
    total = 1 + sum(len(r.data.entries) + len(r.data.remarks) for r in series.reports)
    return _write(series_rows(series.reports), total, progress, delimiter)


def render_reports(
    reports: Iterable[SessionReport],
    entries: int,
    progress: Callable[[int, int], None] | None = None,
    *,
    delimiter: str = ",",
) -> str:
    """The series as one CSV text from sessions built one at a time (`entries`: how many
    entries they hold, for the progress bar)."""
    return _write(series_rows(reports), 1 + entries, progress, delimiter)


def _write(
    table: Iterable[list[str]],
    total: int,
    progress: Callable[[int, int], None] | None,
    delimiter: str,
) -> str:
    from facilitator.export.document import Progress

    counter = Progress(total, progress)
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    for row in table:
        writer.writerow(row)
        counter.step()
    counter.finish()
    return buffer.getvalue()
