"""Export writers over the core report model: Markdown, HTML, JSON, CSV and Word.

`session_report` and `series_report` load sessions from the store and build the report model
(`core.report`, which knows no database); `render_session` and `render_series` write a built
model. `export_session` and `export_series` do both and return the file's content (text, or bytes
for docx);
`write_file` puts it on disk without leaving half a file behind; `import_file` reads a JSON export
into a store. The CLI and the TUI both go through these functions, so they write the same files.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from facilitator.core.timeutil import parse_iso

if TYPE_CHECKING:
    from facilitator.core.report import SeriesReport, SessionReport
    from facilitator.store import SessionInfo, Store

FORMATS = ("md", "html", "json", "csv", "docx", "qdpx")
REPORT_FORMATS = ("md", "html", "docx")  # the draft report (and the series report)
# The series: the report, one spreadsheet for all its sessions, a REFI-QDA project.
SERIES_FORMATS = (*REPORT_FORMATS, "csv", "qdpx")
BINARY_FORMATS = ("docx", "qdpx")  # written to a file, not to the terminal
EXTENSIONS = {
    "md": ".md",
    "html": ".html",
    "json": ".json",
    "csv": ".csv",
    "docx": ".docx",
    "qdpx": ".qdpx",
}

ProgressFn = Callable[[int, int], None]


class ExportError(ValueError):
    """A request that cannot be met (a format that has no participant version, say)."""


def check(fmt: str, *, audience: str = "team", series: bool = False) -> None:
    """ExportError when this combination cannot be exported."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    if series and fmt not in SERIES_FORMATS:
        raise ExportError(f"the series comes as {', '.join(SERIES_FORMATS)}, not {fmt!r}")
    if audience != "team" and fmt not in REPORT_FORMATS:
        raise ExportError(
            f"the participant version is a report: use --format {', '.join(REPORT_FORMATS)}"
        )


def session_report(
    store: Store, session_id: str, now: datetime, audience: str = "team"
) -> SessionReport:
    """Load one session and build its report (NotFound when there is no such session)."""
    from facilitator.core.report import build

    return build(store.transfer.load(session_id), now, audience)


def series_sessions(store: Store, selection: str) -> list[SessionInfo]:
    """The sessions of `all` or one theme, by date; StoreError when none matches."""
    from facilitator.core.report import select_sessions
    from facilitator.store import StoreError

    everything = store.sessions.list()
    chosen = select_sessions(everything, selection)
    if not chosen:
        themes = sorted({s.programme.id for s in everything})
        known = f" (themes here: all, {', '.join(themes)})" if themes else " (no sessions yet)"
        raise StoreError(f"no sessions for {selection!r}{known}")
    return chosen


def series_report(store: Store, selection: str, now: datetime) -> SeriesReport:
    """The series report over `all` sessions or one theme's; StoreError when none matches."""
    from facilitator.core.report import build_series

    chosen = series_sessions(store, selection)
    return build_series(selection, (store.transfer.load(s.id) for s in chosen), now)


def render_session(
    report: SessionReport, fmt: str, progress: ProgressFn | None = None, *, delimiter: str = ","
) -> str | bytes:
    """A built session report in `fmt` (no database needed: safe in any thread)."""
    check(fmt, audience=report.audience)
    if fmt == "json":
        from facilitator.export import jsondoc
        from facilitator.export.document import Progress

        counter = Progress(len(report.data.entries), progress)
        text = jsondoc.dumps(jsondoc.to_doc(report, counter.step))
        counter.finish()
        return text
    if fmt == "csv":
        from facilitator.export import csvrows

        return csvrows.render(report, progress, delimiter=delimiter)
    if fmt == "qdpx":
        from facilitator.export import qdpx

        s = report.session
        title = f"Burgerconsultatie {s.programme.theme}: {s.place}, {s.date}"
        return qdpx.render([report], title, report.now, progress)
    from facilitator.export.document import session_document

    return _render(session_document(report), fmt, progress)


def render_series(
    series: SeriesReport, fmt: str, progress: ProgressFn | None = None, *, delimiter: str = ","
) -> str | bytes:
    """A built series in md, html or docx (the report), csv (one table) or qdpx (REFI-QDA)."""
    check(fmt, series=True)
    if fmt == "csv":
        from facilitator.export import csvrows

        return csvrows.render_series(series, progress, delimiter=delimiter)
    if fmt == "qdpx":
        from facilitator.core.report import series_title
        from facilitator.export import qdpx

        title = series_title(series.selection, [r.session for r in series.reports])
        return qdpx.render(series.reports, title, series.now, progress)
    from facilitator.export.document import series_document

    return _render(series_document(series), fmt, progress)


def export_session(
    store: Store,
    session_id: str,
    fmt: str,
    *,
    now: datetime,
    audience: str = "team",
    progress: ProgressFn | None = None,
    delimiter: str = ",",
) -> str | bytes:
    """One session in `fmt`; the participant version only for the report formats."""
    check(fmt, audience=audience)
    report = session_report(store, session_id, now, audience)
    return render_session(report, fmt, progress, delimiter=delimiter)


def export_series(
    store: Store,
    selection: str,
    fmt: str,
    *,
    now: datetime,
    progress: ProgressFn | None = None,
    delimiter: str = ",",
) -> str | bytes:
    """The series over `all` sessions or one theme's, in md, html, docx, csv or qdpx."""
    from facilitator.core.report import series_title

    check(fmt, series=True)
    if fmt in ("csv", "qdpx"):
        # One session at a time: a series of 70,000 entries never sits in memory whole.
        chosen = series_sessions(store, selection)
        total = sum(store.entries.count(s.id) for s in chosen)
        reports = (session_report(store, s.id, now) for s in chosen)
        if fmt == "csv":
            from facilitator.export import csvrows

            return csvrows.render_reports(reports, total, progress, delimiter=delimiter)
        from facilitator.export import qdpx

        moment = max([now, *(parse_iso(s.created_at) for s in chosen)])
        title = series_title(selection, chosen)
        return qdpx.render(reports, title, moment, progress, total=total)
    from facilitator.export.document import series_document

    # The report model is dropped once the document is built (nothing else holds it), so a
    # series of 70,000 entries is in memory as a model or as a document, not both.
    return _render(series_document(series_report(store, selection, now)), fmt, progress)


def _render(doc, fmt: str, progress: ProgressFn | None) -> str | bytes:  # noqa: ANN001
    if fmt == "md":
        from facilitator.export import markdown

        return markdown.render(doc, progress)
    if fmt == "html":
        from facilitator.export import htmlpage

        return htmlpage.render(doc, progress)
    from facilitator.export import word

    return word.render(doc, progress)


def default_name(subject: str, fmt: str, *, audience: str = "team") -> str:
    """A file name for an export: the session id (or series), the version, the extension."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", subject).strip("-.") or "export"
    if audience == "participants":
        stem += "-conceptverslag"
    return stem + EXTENSIONS[fmt]


def write_file(path: str | os.PathLike[str], content: str | bytes) -> Path:
    """Write the whole file or nothing: a temporary file beside it, then a rename.

    A symbolic link keeps pointing where it did (the file it names is replaced), and a path that
    is not a regular file (/dev/stdout, a pipe) is written to as it is, never replaced by a file.
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "is a folder, not a file", str(path))
    data = content.encode("utf-8") if isinstance(content, str) else content
    if path.exists() and not path.is_file():
        with open(path, "wb") as fh:
            fh.write(data)
        return path
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.part")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def read_import(path: str | os.PathLike[str]):  # noqa: ANN201
    """The `SessionData` in a JSON export file; DocError naming the file (and the entry and field)
    when it is not one. A file over `jsondoc.MAX_IMPORT_BYTES` is refused before it is read."""
    from facilitator.export import jsondoc
    from facilitator.export.jsondoc import DocError

    path = Path(path)
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            limit = jsondoc.MAX_IMPORT_BYTES
            if size > limit:
                raise DocError(
                    f"{path}: {size / 2**20:.0f} MiB is more than an import takes "
                    f"({limit // 2**20} MiB); import the sessions one by one"
                )
            raw = fh.read(limit + 1)  # a pipe or a growing file says nothing true in fstat
    except FileNotFoundError:
        raise DocError(f"no file {path}") from None
    except IsADirectoryError:
        raise DocError(f"{path} is a folder, not a JSON export") from None
    except OSError as exc:
        raise DocError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > limit:
        raise DocError(f"{path}: more than an import takes ({limit // 2**20} MiB)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DocError(f"{path} is not UTF-8 text (a JSON export of facilitator is)") from None
    try:
        return jsondoc.loads(text)
    except DocError as exc:
        raise DocError(f"{path}: {exc}") from None


def import_file(store: Store, path: str | os.PathLike[str]) -> str:
    """Load a JSON export into `store` and return the session id; DocError or StoreError naming
    the file, entry index and field when it cannot."""
    from facilitator.store import StoreError

    data = read_import(path)
    try:
        return store.transfer.import_session(data)
    except StoreError as exc:
        raise type(exc)(f"{Path(path)}: {exc}") from None
