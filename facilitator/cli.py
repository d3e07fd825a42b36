"""The `facilitator` command: a thin click layer over the store, the core and the TUI."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date as date_cls
from pathlib import Path
from typing import Any, NoReturn

import click

from facilitator import i18n
from facilitator.i18n import os_reason, speak, t
from facilitator.tui import demo_run  # small, imports nothing more: the demo's defaults

DB_HELP = "Database file (default: $FACILITATOR_DB, else the user's data folder)."


def fail(message: str) -> NoReturn:
    """One line on stderr and exit status 2: the contract for bad input."""
    click.echo(f"facilitator: {speak(message)}", err=True)
    sys.exit(2)


def common(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--db and --lang on every command, as the contract asks."""
    fn = click.option(
        "--lang", type=click.Choice(i18n.LANGUAGES), help="Interface language (nl or en)."
    )(fn)
    fn = click.option("--db", "db", type=click.Path(dir_okay=False, path_type=Path), help=DB_HELP)(
        fn
    )
    return fn


def setup(ctx: click.Context, db: Path | None, lang: str | None) -> Path:
    """Settle the language and the database path, inheriting what the group was given."""
    parent = ctx.find_root().params if ctx.parent is not None else {}
    lang = lang or parent.get("lang")
    i18n.set_language(i18n.choose_language(lang))
    from facilitator.paths import default_db

    return db or parent.get("db") or default_db()


def open_store(path: Path, *, durable: bool = True, read_only: bool = False):  # -> Store
    """The database; `read_only` for commands that only read: a missing file is an error (a
    mistyped --db creates nothing), and a read-only or archived copy can still be read."""
    from facilitator.store import Store, StoreError

    try:
        if read_only:
            return Store.open_read_only(path)
        return Store.open(path, durable=durable)
    except StoreError as exc:
        fail(str(exc))


def named_db(ctx: click.Context, db: Path | None) -> bool:
    """Was a database named (--db here or on the group, or FACILITATOR_DB), not the default?"""
    return bool(db or ctx.find_root().params.get("db") or os.environ.get("FACILITATOR_DB"))


def print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@common
@click.option("--session", "session_id", help="Open this session straight away.")
@click.option("--author", help="Your initials, stamped on what you capture.")
@click.version_option(package_name="facilitator")
@click.pass_context
def main(
    ctx: click.Context,
    db: Path | None,
    lang: str | None,
    session_id: str | None,
    author: str | None,
) -> None:
    """Run citizen consultations from the terminal.

    Without a command, opens the app: start a session or continue one.
    """
    if ctx.invoked_subcommand is not None:
        if ctx.invoked_subcommand != "demo":  # opens no screen: see facilitator.launch
            from facilitator.gcpause import resume

            resume()
        return
    path = setup(ctx, db, lang)
    store = open_store(path)
    if session_id:
        from facilitator.store import NotFound

        try:
            store.sessions.get(session_id)
        except NotFound as exc:
            store.close()
            fail(str(exc))
    from facilitator.tui.app import make_app

    app = make_app(store, session_id=session_id, author=author)
    try:
        app.run()
    finally:
        store.close()
    if app.return_code:
        sys.exit(app.return_code)


@main.command()
@common
@click.option(
    "--speed",
    type=click.FloatRange(min=0.1, max=3600),
    default=demo_run.SPEED,
    show_default=True,
    help="How many times faster than real time the demo clock runs.",
)
@click.option(
    "--programme",
    "programme_id",
    default=demo_run.PROGRAMME,
    show_default=True,
    help="Programme of the sample session.",
)
@click.pass_context
def demo(
    ctx: click.Context, db: Path | None, lang: str | None, speed: float, programme_id: str
) -> None:
    """A sample session on a throw-away database, the clock SPEED times faster.

    The database is deleted when the app closes, unless --db names one.
    """
    setup(ctx, None, lang)
    try:
        demo_run.play(db, speed, programme_id)
    except demo_run.DemoRefused as exc:
        fail(str(exc))


@main.command()
@common
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the contract's shape).")
@click.option(
    "--check", is_flag=True, help="Exit with status 2 when any programme file has a mistake."
)
@click.pass_context
def programmes(
    ctx: click.Context, db: Path | None, lang: str | None, as_json: bool, check: bool
) -> None:
    """List the programme files and say what is wrong with any invalid one."""
    setup(ctx, db, lang)
    from facilitator.core.programme import load_all
    from facilitator.paths import user_programmes_dir

    progs = load_all()
    if as_json:
        out = []
        for p in progs:
            d = p.to_dict()
            d["blocks"] = [
                {k: b[k] for k in ("kind", "phase", "name", "minutes", "work_forms", "prompts")}
                for b in d["blocks"]
            ]
            out.append(d)
        print_json(out)
    else:
        for p in progs:
            mark = "ok " if p.valid else "ERR"
            click.echo(f"{mark} {p.id:<28} {p.total_minutes:>4} min  {p.theme or '-'}")
            click.echo(f"    {p.file}")
            for e in p.errors:
                click.echo(f"    - {e}")
            for w in p.warnings:
                click.echo(f"    ! {w}")
        click.echo("")
        click.echo(t("cli.own_programmes", folder=str(user_programmes_dir())))
    if check and any(not p.valid for p in progs):
        sys.exit(2)


@main.command()
@common
@click.option(
    "--programme",
    "programme_id",
    required=True,
    help="Programme id (see `facilitator programmes`).",
)
@click.option("--place", required=True, help="Where the session takes place.")
@click.option("--date", "date_text", help="YYYY-MM-DD (default: today).")
@click.option(
    "--facilitator", "facilitators", multiple=True, help="A facilitator's name (repeat for more)."
)
@click.option("--participants", type=click.IntRange(min=0), help="Expected number of participants.")
@click.option(
    "--timezone",
    help="The session's time zone, for the times in its reports (default Europe/Amsterdam).",
)
@click.option("--json", "as_json", is_flag=True, help='Print {"id": ...} as JSON.')
@click.pass_context
def new(
    ctx: click.Context,
    db: Path | None,
    lang: str | None,
    programme_id: str,
    place: str,
    date_text: str | None,
    facilitators: tuple[str, ...],
    participants: int | None,
    timezone: str | None,
    as_json: bool,
) -> None:
    """Create a session from a programme and print its id."""
    path = setup(ctx, db, lang)
    from facilitator.core.clock import utcnow
    from facilitator.core.programme import find
    from facilitator.core.timeutil import parse_date
    from facilitator.store import StoreError

    day = date_text or date_cls.today().isoformat()
    try:
        parse_date(day)
    except ValueError as exc:
        fail(str(exc))
    programme = find(programme_id)
    if programme is None:
        fail(t("cli_errors.no_programme", programme=repr(programme_id)))
    store = open_store(path)
    try:
        sid = store.sessions.create(
            programme,
            place,
            day,
            facilitators=list(facilitators),
            expected_participants=participants,
            now=utcnow(),
            timezone=timezone,
        )
    except StoreError as exc:
        fail(str(exc))
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps({"id": sid}))
    else:
        click.echo(sid)


@main.command()
@common
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the contract's shape).")
@click.pass_context
def sessions(ctx: click.Context, db: Path | None, lang: str | None, as_json: bool) -> None:
    """List the sessions in this database with their state."""
    path = setup(ctx, db, lang)
    if not named_db(ctx, db) and not Path(path).exists():
        rows = []  # the default database before its first session: nothing to list yet
    else:
        store = open_store(path, read_only=True)
        try:
            rows = store.sessions.list()
        finally:
            store.close()
    if as_json:
        print_json(
            [
                {
                    "id": s.id,
                    "programme": s.programme_id,
                    "place": s.place,
                    "date": s.date,
                    "state": s.state,
                    "theme": s.programme.theme,
                }
                for s in rows
            ]
        )
        return
    if not rows:
        click.echo(t("cli.no_sessions"))
        return
    for s in rows:
        click.echo(
            f"{s.id:<32} {s.date}  {t('state.' + s.state):<10} {s.place}  ({s.programme.theme})"
        )


def _early_language(args: list[str]) -> None:
    """Settle the language before click parses, so its usage errors speak it too."""
    explicit = None
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            explicit = args[i + 1]
        elif arg.startswith("--lang="):
            explicit = arg.partition("=")[2]
    try:
        i18n.set_language(i18n.choose_language(explicit if explicit in i18n.LANGUAGES else None))
    except Exception:  # a broken settings file must not hide the real error
        i18n.set_language(i18n.DEFAULT)


def click_message(exc: click.ClickException) -> str:
    """click's own errors, by their class and parameter, in the interface language."""
    if isinstance(exc, click.NoSuchOption):
        return t("cli_errors.no_such_option", option=exc.option_name)
    if isinstance(exc, click.BadOptionUsage):
        key = "option_takes_no_value" if "does not take" in exc.message else "option_needs_value"
        return t(f"cli_errors.{key}", option=exc.option_name)
    if isinstance(exc, click.BadParameter):
        param = exc.param
        name = exc.param_hint or (param.get_error_hint(exc.ctx) if param and exc.ctx else "")
        if not isinstance(name, str):
            name = " / ".join(repr(n) for n in name)
        if isinstance(exc, click.MissingParameter):
            return t("cli_errors.missing_parameter", param=name)
        if param is not None and isinstance(param.type, click.Choice):
            choices = ", ".join(str(c) for c in param.type.choices)
            return t("cli_errors.bad_choice", param=name, choices=choices)
        numbers = (click.types.IntParamType, click.types.FloatParamType)
        if param is not None and isinstance(param.type, numbers):
            return t("cli_errors.bad_number", param=name)
        return t("cli_errors.bad_value", param=name)
    if isinstance(exc, click.UsageError):
        unknown = re.match(r"No such command '(.*)'", exc.message)
        if unknown:
            return t("cli_errors.no_such_command", command=repr(unknown.group(1)))
        if exc.message.startswith("Got unexpected extra argument"):
            return t("cli_errors.extra_arguments")
        return t("cli_errors.usage")
    if isinstance(exc, click.FileError):
        return t("cli_errors.file_error", file=exc.ui_filename)
    return speak(exc.format_message())


def run() -> None:
    """The console script: click's own usage errors also become one line on stderr, exit 2."""
    _early_language(sys.argv[1:])
    with errors_reported():
        main.main(standalone_mode=False, prog_name="facilitator")


@contextmanager
def errors_reported() -> Iterator[None]:
    """What `run` says when a command ends in an error: one line on stderr, an exit status."""
    try:
        yield
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo(f"facilitator: {t('cli_errors.aborted')}", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        ctx = getattr(exc, "ctx", None)  # usage errors carry the command they were about
        where = t("cli_errors.see_help", command=ctx.info_name) if ctx and ctx.parent else ""
        click.echo(f"facilitator: {click_message(exc)}{where}", err=True)
        sys.exit(2)
    except sqlite3.Error as exc:
        # The database stayed locked past the busy timeout, or a page turned out damaged.
        click.echo(f"facilitator: {t('cli_errors.database_unusable', error=exc)}", err=True)
        sys.exit(2)
    except BrokenPipeError:
        # The reader went away (`... | head`): stop quietly, and keep Python's final flush of
        # stdout from failing again on the closed pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except OSError as exc:
        # Writing the output failed (a full disk behind `> file`): one line, not a traceback.
        name = f" ({exc.filename})" if exc.filename else ""
        click.echo(f"facilitator: {os_reason(exc)}{name}", err=True)
        sys.exit(2)


def report(exc: BaseException) -> NoReturn:
    """An error that ended the bare `facilitator demo`, which runs without click (see
    facilitator.launch), said as `run` would have said it."""
    if isinstance(exc, demo_run.DemoRefused):
        fail(str(exc))
    if isinstance(exc, EOFError | KeyboardInterrupt):
        click.echo(file=sys.stderr)  # as click's own main does, before its Abort
        exc = click.exceptions.Abort()
    with errors_reported():
        raise exc
    raise AssertionError("unreachable")  # errors_reported exits, or lets `exc` through


# Commands of later capabilities are added below this line.


def _progress_printer() -> Callable[[int, int], None] | None:
    """A percentage on stderr while a long export runs, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None
    last = [-1]

    def show(done: int, total: int) -> None:
        pct = int(100 * done / max(1, total))
        if pct != last[0]:
            last[0] = pct
            end = "\n" if done >= total else ""
            click.echo(f"\r{t('export.progress', pct=pct)}{end}", err=True, nl=False)

    return show


@main.command("export")
@common
@click.argument("session_id", metavar="SESSION", required=False)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "html", "json", "csv", "docx", "qdpx"]),
    default="md",
    show_default=True,
    help="What to write.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write; without it md, html, json and csv go to stdout and docx and qdpx "
    "(a REFI-QDA project for ATLAS.ti, NVivo, MAXQDA, QualCoder) to SESSION.docx or "
    "SESSION.qdpx in the current folder ('-' sends them to stdout).",
)
@click.option(
    "--series",
    "series",
    metavar="all|THEME",
    help="The series over all sessions or one theme's (programme id or theme), instead of "
    "one session: the report (md, html, docx), one spreadsheet (csv) or a qdpx project.",
)
@click.option(
    "--for-participants",
    "participants",
    is_flag=True,
    help="The participant version (conceptverslag): no internal observations, no hidden "
    "remarks, no names of facilitators or note-takers. md, html or docx.",
)
@click.option(
    "--delimiter",
    type=click.Choice(["comma", "semicolon", "tab"]),
    default="comma",
    show_default=True,
    help="CSV only: the column separator (semicolon for Dutch Excel).",
)
@click.pass_context
def export_command(
    ctx: click.Context,
    db: Path | None,
    lang: str | None,
    session_id: str | None,
    fmt: str,
    out: Path | None,
    series: str | None,
    participants: bool,
    delimiter: str,
) -> None:
    """Export a session as a draft report (md, html, docx), as data (json, csv), or the series report.

    The draft follows the final report's structure: set-up, questions, what each phase produced,
    key insights, the recommendations table by level, anonymous remarks and the timeline.
    """
    path = setup(ctx, db, lang)
    from facilitator.core.clock import utcnow
    from facilitator.export import (
        BINARY_FORMATS,
        REPORT_FORMATS,
        SERIES_FORMATS,
        ExportError,
        default_name,
        export_series,
        export_session,
        write_file,
    )
    from facilitator.store import StoreError

    if bool(session_id) == bool(series):
        fail(t("cli_errors.export_one_or_series"))
    if series and fmt not in SERIES_FORMATS:
        fail(t("cli_errors.series_formats", formats=", ".join(SERIES_FORMATS), format=fmt))
    if series and participants:
        fail(t("cli_errors.participants_not_series"))
    if participants and fmt not in REPORT_FORMATS:
        fail(t("cli_errors.participants_formats", formats=", ".join(REPORT_FORMATS)))
    store = open_store(path, read_only=True)
    progress = _progress_printer()
    try:
        sep = {"comma": ",", "semicolon": ";", "tab": "\t"}[delimiter]
        if series:
            content = export_series(
                store, series, fmt, now=utcnow(), progress=progress, delimiter=sep
            )
        else:
            assert session_id is not None  # checked above: a session or a series
            content = export_session(
                store,
                session_id,
                fmt,
                now=utcnow(),
                progress=progress,
                audience="participants" if participants else "team",
                delimiter=sep,
            )
    except (StoreError, ExportError) as exc:
        fail(str(exc))
    finally:
        store.close()
    if out is None and fmt in BINARY_FORMATS:
        subject = f"reeks-{series}" if series else str(session_id)
        out = Path(default_name(subject, fmt, audience="participants" if participants else "team"))
    if out is None or str(out) == "-":
        # UTF-8 whatever the console's encoding (the HTML says utf-8, the CSV starts with its
        # BOM): `> verslag.md` under a Windows code page would otherwise fail or write cp1252.
        data = content.encode("utf-8") if isinstance(content, str) else content
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        written = write_file(out, content)
    except OSError as exc:
        fail(t("cli_errors.cannot_write", path=out, error=os_reason(exc)))
    if written.is_file():  # not after the content itself, for --out /dev/stdout or a pipe
        click.echo(str(written))


@main.command("import")
@common
@click.argument("file", metavar="FILE.json", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help='Print {"id": ...} as JSON.')
@click.option(
    "--merge",
    is_flag=True,
    help="Add a note-taker's export to the same session in this database (entries matched by id).",
)
@click.pass_context
def import_command(
    ctx: click.Context,
    db: Path | None,
    lang: str | None,
    file: Path,
    as_json: bool,
    merge: bool = False,
) -> None:
    """Load a session from a JSON export (`facilitator export SESSION --format json`) into this database.

    Ids, times, the clock, entries with their earlier versions, remarks and the participants'
    profile come back as they were; a session already in the database is refused.
    """
    path = setup(ctx, db, lang)
    from facilitator.export import read_import
    from facilitator.export.jsondoc import DocError
    from facilitator.store import StoreError

    try:
        data = read_import(file)  # names the file, entry and field of anything wrong
    except DocError as exc:
        fail(str(exc))
    store = open_store(path)
    if merge:
        _merge_import(store, data, file, as_json)
        return
    try:
        sid = store.transfer.import_session(data)
    except StoreError as exc:
        fail(f"{file}: {exc}")
    except sqlite3.Error as exc:
        fail(t("cli_errors.not_imported", file=file, error=speak(str(exc))))
    finally:
        store.close()
    click.echo(json.dumps({"id": sid}) if as_json else sid)


def _merge_import(store: Any, data: Any, file: Path, as_json: bool) -> None:
    from facilitator.store import StoreError
    from facilitator.sync.store_sync import merge_export

    try:
        counts = merge_export(store, data)
    except StoreError as exc:
        fail(str(exc))
    except sqlite3.Error as exc:
        fail(t("cli_errors.not_merged", file=file, error=speak(str(exc))))
    finally:
        store.close()
    sid = data.session.id
    if as_json:
        click.echo(
            json.dumps(
                {
                    "id": sid,
                    "added": counts.added,
                    "changed": counts.changed,
                    "unchanged": counts.unchanged,
                }
            )
        )
    else:
        click.echo(sid)
        click.echo(
            t(
                "sync.merged",
                added=counts.added,
                changed=counts.changed,
                unchanged=counts.unchanged,
            ),
            err=True,
        )


# -- serve: the remark server without the TUI --


@main.command()
@common
@click.argument("session")
@click.option(
    "--host", help="Address to listen on (default 0.0.0.0: every network of this laptop)."
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    help="Port to listen on (default 8080; 0: any free port).",
)
@click.option(
    "--url",
    "public_url",
    help="Base address phones should open, when the detected one is wrong (e.g. http://10.0.0.5:8080).",
)
@click.option(
    "--batch",
    type=click.IntRange(min=0),
    help="Show remarks to the facilitator this many at a time (0: only when their block ends).",
)
@click.option(
    "--qr",
    "qr_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write the QR code as PNG and SVG, for table cards, into this folder.",
)
@click.option(
    "--sync-port",
    type=click.IntRange(0, 65535),
    help="Port of the note-takers' HTTPS server (default 8443; 0: any free port).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    db: Path | None,
    lang: str | None,
    session: str,
    host: str | None,
    port: int | None,
    public_url: str | None,
    batch: int | None,
    qr_dir: Path | None,
    sync_port: int | None = None,
) -> None:
    """Run only the participants' remark server for SESSION, without the TUI.

    The first line printed is the participants' URL. Remarks are accepted while the session
    runs (in the TUI of this or another laptop on the same database). Ctrl+C stops it.
    """
    import asyncio

    from facilitator.store import StoreError

    path = setup(ctx, db, lang)
    store = open_store(path)
    try:
        info = store.sessions.get(session)
        if batch is not None:
            store.remarks.set_batch_size(batch)
    except StoreError as exc:
        store.close()
        fail(str(exc))
    from facilitator.web.server import resolve_options

    given = {"enabled": True, "host": host, "port": port, "url": public_url}
    try:
        options = resolve_options({k: v for k, v in given.items() if v is not None})
    except ValueError as exc:
        store.close()
        fail(str(exc))
    try:
        asyncio.run(_serve(store, info, options, qr_dir, sync_port))
    finally:
        store.close()


async def _serve(
    store: Any, info: Any, options: Any, qr_dir: Path | None, sync_port: int | None = None
) -> None:
    import asyncio
    import signal

    from facilitator.web.app import WebConfig
    from facilitator.web.server import RemarkServer

    server = RemarkServer(store, options, config=WebConfig(session_id=info.id))
    # Out of file descriptors: one plain line, never a traceback per accept (see web.conn).
    server.on_trouble = lambda _kind: click.echo(t("remarks.serve_out_of_files"), err=True)
    try:
        await server.start()
    except OSError as exc:
        fail(exc.strerror or str(exc))
    url, problem = server.url_for(info.remark_token)
    click.echo(url)
    sys.stdout.flush()
    if sys.stdout.isatty():
        from rich.console import Console

        from facilitator.tui.widgets.qr import half_block_text
        from facilitator.web.qr import qr_matrix

        Console().print(half_block_text(qr_matrix(url)))
    click.echo(t("remarks.serve_url"), err=True)
    if problem == "no_network":
        click.echo(t("remarks.serve_no_network"), err=True)
    elif problem == "loopback":
        click.echo(t("remarks.serve_loopback", host=options.host), err=True)
    if qr_dir is not None:
        from facilitator.web.qr import write_card_files

        try:
            png, svg = write_card_files(url, qr_dir, f"opmerkingen-{info.id}")
        except OSError as exc:
            await server.stop()
            fail(t("cli_errors.cannot_write_qr", folder=qr_dir, error=os_reason(exc)))
        click.echo(t("remarks.serve_files", png=str(png), svg=str(svg)), err=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    # After the signal handlers: a stop while its certificate is being made is a clean stop.
    notetakers = await _start_notetakers(store, info, options.host, sync_port)
    click.echo(t("remarks.serve_stop"), err=True)
    try:
        await stop.wait()
    finally:
        if notetakers is not None:
            await notetakers.stop()
        await server.stop()


async def _start_notetakers(store: Any, info: Any, host: str, port: int | None) -> Any:
    """The note-takers' HTTPS server beside the remark server (issue 10); None if it cannot."""
    from facilitator.sync.host import NoteTakerServer

    notetakers = NoteTakerServer(store, host=host, port=port)
    try:
        await notetakers.start()
    except Exception as exc:  # noqa: BLE001 - whatever stops it, the remark server goes on
        # Not only OSError: making its certificate loads a library and writes the database,
        # and an error there once ended `serve` itself while phones were out of descriptors.
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        click.echo(t("sync.serve_notetakers_failed", error=reason), err=True)
        return None
    click.echo(t("sync.serve_notetakers", url=notetakers.base_url(), session=info.id), err=True)
    return notetakers


# -- end serve --


# -- note-takers' laptops: pair (on the host), join and sync (on a laptop) --


@main.command()
@common
@click.argument("session")
@click.pass_context
def pair(ctx: click.Context, db: Path | None, lang: str | None, session: str) -> None:
    """Print a join address for a note-taker's laptop (first line): a one-time code, valid for
    10 minutes, for the host run by `facilitator serve SESSION` (or the app) on this database."""
    import socket
    from urllib.parse import urlsplit

    from facilitator.core.clock import utcnow
    from facilitator.store import StoreError
    from facilitator.sync.host import announced, join_address
    from facilitator.sync.store_sync import new_pairing_code

    path = setup(ctx, db, lang)
    store = open_store(path)
    try:
        store.sessions.get(session)
        where = announced(store)
        if where is None:
            fail(t("sync.no_server", session=session))
        code = new_pairing_code(store, session, now=utcnow())
    except StoreError as exc:
        fail(str(exc))
    finally:
        store.close()
    address = join_address(where["url"], session, code, where["fingerprint"])
    click.echo(address)
    sys.stdout.flush()
    if sys.stdout.isatty():
        from rich.console import Console

        from facilitator.tui.widgets.qr import half_block_text
        from facilitator.web.qr import qr_matrix

        Console().print(half_block_text(qr_matrix(address)))
    click.echo(t("sync.pair_code", code=code), err=True)
    parts = urlsplit(where["url"])
    from facilitator.sync.client import short_fingerprint

    click.echo(
        t(
            "sync.typed",
            address=parts.netloc,
            code=code,
            fingerprint=short_fingerprint(where["fingerprint"]),
        ),
        err=True,
    )
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
    except OSError:
        click.echo(t("sync.server_down", url=where["url"]), err=True)


@main.command()
@common
@click.argument("address")
@click.option("--author", required=True, help="Your initials, stamped on what you capture.")
@click.option("--no-open", "no_open", is_flag=True, help="Set the laptop up and exit.")
@click.option("--code", help="With ADDRESS typed as HOST:PORT: the code on the host's screen.")
@click.option(
    "--fingerprint",
    help="With ADDRESS typed as HOST:PORT: the fingerprint on the host's screen (at least its "
    "first 16 hex digits); without it you are asked to compare.",
)
@click.pass_context
def join(
    ctx: click.Context,
    db: Path | None,
    lang: str | None,
    address: str,
    author: str,
    no_open: bool,
    code: str | None = None,
    fingerprint: str | None = None,
) -> None:
    """Join a session as a note-taker: pair with the host at ADDRESS (the join address from
    `facilitator pair` or the app's Note-takers screen, or HOST:PORT with --code), copy the
    session here and open it in note-taker mode."""
    import asyncio

    from facilitator.store import StoreError
    from facilitator.sync.client import SyncError
    from facilitator.sync.client import join as join_host

    path = setup(ctx, db, lang)
    typed = "://" not in address
    if typed and not code:
        fail(t("sync.need_code"))
    check = _fingerprint_check(fingerprint) if typed else None
    store = open_store(path)

    async def run_join() -> str:
        from facilitator.sync.client import typed_join_address

        target: Any = address
        if typed:
            assert code is not None
            target = await typed_join_address(address, code, check)
        return await join_host(store, target, author)

    try:
        session_id = asyncio.run(run_join())
    except ValueError as exc:
        store.close()
        fail(str(exc))
    except SyncError as exc:
        store.close()
        click.echo(f"facilitator: {exc}", err=True)
        sys.exit(1 if exc.reason == "unreachable" else 2)
    except StoreError as exc:
        store.close()
        fail(str(exc))
    count = store.entries.count(session_id)
    click.echo(session_id)
    click.echo(t("sync.joined", session=session_id, received=count), err=True)
    if no_open:
        store.close()
        return
    from facilitator.tui.app import make_app

    app = make_app(store, session_id=session_id, author=author)
    try:
        app.run()
    finally:
        store.close()


def _fingerprint_check(given: str | None) -> Callable[[str], bool]:
    """Accepts the host's certificate when its fingerprint starts with the digits given, or
    when the person at the keyboard says it matches the host's screen."""
    from facilitator.sync.client import short_fingerprint

    if given is not None:
        wanted = "".join(c for c in given.lower() if c in "0123456789abcdef")
        if len(wanted) < 16:
            fail(t("sync.short_fingerprint"))
        return lambda fp: fp.startswith(wanted)
    if not sys.stdin.isatty():
        fail(t("sync.need_fingerprint"))

    def ask(fp: str) -> bool:
        click.echo(t("sync.compare", fingerprint=short_fingerprint(fp)), err=True)
        answer = click.prompt(t("sync.compare_question"), default="", show_default=False, err=True)
        return answer.strip().lower() in ("j", "ja", "y", "yes")

    return ask


@main.command("sync")
@common
@click.argument("session", required=False)
@click.pass_context
def sync_command(
    ctx: click.Context, db: Path | None, lang: str | None, session: str | None
) -> None:
    """Push this laptop's outbox to the host and fetch the others' entries and the clock, once.

    Exit status 0 when every shared session synced, 1 when a host could not be reached or
    refused (nothing is lost: the outbox stays for the next time).
    """
    import asyncio

    path = setup(ctx, db, lang)
    store = open_store(path)
    try:
        sessions = [session] if session else store.sync.linked_sessions()
        if not sessions:
            fail(t("sync.none_linked"))
        for sid in sessions:
            if store.sync.host_link(sid) is None:
                fail(t("sync.not_linked", session=sid))
        failed = asyncio.run(_sync_all(store, sessions))
    finally:
        store.close()
    if failed:
        sys.exit(1)


async def _sync_all(store: Any, sessions: list[str]) -> bool:
    from facilitator.sync.client import SyncClient, SyncError

    failed = False
    for sid in sessions:
        client = SyncClient(store, sid)
        try:
            result = await client.sync_once()
        except SyncError as exc:
            failed = True
            pending = await store.call(store.sync.pending_count, sid)
            click.echo(
                f"facilitator: {t('sync.sync_failed', session=sid, error=str(exc), pending=pending)}",
                err=True,
            )
            continue
        finally:
            await client.close()
        click.echo(
            t(
                "sync.synced",
                session=sid,
                sent=result.sent,
                received=result.received,
                pending=result.pending,
            )
        )
    return failed
