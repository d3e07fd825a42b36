"""The participants' remark server: an aiohttp app over the store, built by `create_web_app`.

What it keeps about a participant: nothing. No access log, no cookie; the address is used only
in memory for the rate limit (keyed by a hash that changes every start) and the connection caps
(web.conn); the chosen language travels in the URL, the phone's Accept-Language is read for the
answer only; a remark is stored with its slot, not its time, and not alone: the newest wait in
memory and are written as a shuffled group (RemarkBuffer, Remarks.write_group).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from aiohttp import web

from facilitator.core.clock import Clock, utcnow
from facilitator.core.text import clean
from facilitator.store import Store, StoreError
from facilitator.web import page
from facilitator.web.conn import BODY_TIMEOUT, HEADER_TIMEOUT
from facilitator.web.guard import FormSigner, RateLimiter
from facilitator.web.qr import PATH_PREFIX, public_token
from facilitator.web.strings import LANGUAGES, from_accept_language, pick

log = logging.getLogger("facilitator.web")

MAX_CHARS = 1000
# 1000 characters of 4 UTF-8 bytes each, percent-encoded (3 bytes per byte), plus the form field.
CLIENT_MAX_SIZE = 16 * 1024
MAX_FIELDS = 4
RELEASE_INTERVAL = 2.0
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Server": "facilitator",
}
# Loggers that would write a participant's address ("Error handling request from <IP>").
SILENCED_LOGGERS = ("aiohttp.access", "aiohttp.server", "aiohttp.web", "aiohttp.internal")

OnChange = Callable[[str, int], None]  # (session id, how many remarks were just released)


@dataclass
class WebConfig:
    """What the remark server needs besides the store; tests pass their own clock and limits.

    Every `release_interval` seconds the server releases batches whose block has ended and,
    after a release, checkpoints and truncates the WAL (Remarks.scrub_journal).
    """

    clock: Clock = utcnow
    session_id: str | None = None  # serve only this session (`facilitator serve SESSION`)
    max_chars: int = MAX_CHARS
    batch_size: int | None = None  # None: the store's setting, read on every post
    release_interval: float = RELEASE_INTERVAL
    hold: int = 3  # remarks of a session written together (HOLD; 1: each at once, for tests)
    body_timeout: float = BODY_TIMEOUT  # seconds to send a remark's body (see web.conn)
    header_timeout: float = HEADER_TIMEOUT  # seconds to send a request (RemarkServer uses it)
    on_change: OnChange | None = None
    signer: FormSigner = field(default_factory=FormSigner)
    limiter: RateLimiter | None = field(default_factory=RateLimiter)  # remarks kept
    # Posts refused (empty, too long, an old page): a separate, looser limit.
    refused_limiter: RateLimiter | None = field(
        default_factory=lambda: RateLimiter(capacity=30, per_seconds=60)
    )


STORE = web.AppKey("store", Store)
CONFIG = web.AppKey("config", WebConfig)
TOKENS = web.AppKey("tokens", dict)  # public token -> session id, refreshed on a miss
TOKENS_STAMP = web.AppKey("tokens_stamp", list)  # [the sessions' stamp when tokens were loaded]
RELEASER = web.AppKey("releaser", asyncio.Task)
SCRUB_DUE = web.AppKey("scrub_due", list)  # [True when a batch was released since the last scrub]


# At most HOLD - 1 remarks of a session wait in memory; the HOLD-th is written with them.
HOLD = 3


class RemarkBuffer:
    """Holds the newest remarks in memory and writes them in shuffled groups.

    Why: one commit per post leaves the WAL with one frame per remark in arrival order, and
    rows inserted one by one sit in the file in the order they came. So remarks wait here until
    HOLD of a session have come (or fewer, when that fills a batch or their block has ended),
    and are then written as one shuffled group with the table rewritten at random
    (Remarks.write_group). The price, said in the README: a kill -9 or a power cut loses the
    remarks still held (at most HOLD - 1 per session); a clean stop writes them (`park`).

    Posts that arrive while the database thread is busy share its next call. `held` and
    `db_waiting` are touched only on the store's database thread (every method below but `post`
    runs there), so they need no lock.
    """

    def __init__(self, store: Store, config: WebConfig) -> None:
        self.store, self.config = store, config
        self.pending: list[tuple[str, str, asyncio.Future[tuple[str | None, int]]]] = []
        self.draining = False
        self.held: dict[str, list[tuple[str, str]]] = {}  # session -> [(slot, text)]
        self.db_waiting: dict[str, int] = {}  # session -> waiting rows of its slot on disk
        self.scrub_due = False

    def held_count(self, session_id: str) -> int:
        return len(self.held.get(session_id, ()))

    async def post(self, session_id: str, text: str) -> tuple[str | None, int]:
        future: asyncio.Future[tuple[str | None, int]] = asyncio.get_running_loop().create_future()
        self.pending.append((session_id, text, future))
        if not self.draining:
            self.draining = True
            asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        try:
            while self.pending:
                group, self.pending = self.pending, []
                try:
                    results = await self.store.call(
                        self.accept,
                        [(sid, text) for sid, text, _ in group],
                        now=self.config.clock(),
                        batch_size=self.config.batch_size,
                    )
                except Exception as exc:  # each waiting handler answers for its own remark
                    for *_, future in group:
                        if not future.done():
                            future.set_exception(exc)
                else:
                    for (*_, future), result in zip(group, results, strict=True):
                        if not future.done():
                            future.set_result(result)
        finally:
            self.draining = False

    def accept(
        self, items: list[tuple[str, str]], *, now: datetime, batch_size: int | None
    ) -> list[tuple[str | None, int]]:
        """(slot or None, released) for each (session, text); writes a group when one is due."""
        store = self.store
        batch = store.remarks.batch_size() if batch_size is None else batch_size
        slots: dict[str, str | None] = {}
        results: list[tuple[str | None, int]] = []
        last: dict[str, int] = {}
        new: dict[str, int] = {}
        for i, (sid, text) in enumerate(items):
            if sid not in slots:
                slots[sid] = store.remarks.slot_now(sid, now=now)
            slot = slots[sid]
            results.append((slot, 0))
            if slot is None:
                continue
            self.held.setdefault(sid, []).append((slot, text))
            last[sid] = i
            new[sid] = new.get(sid, 0) + 1
        for sid, i in last.items():
            if self._due(sid, batch):
                try:
                    released = self._flush(sid, now, batch)
                except BaseException:
                    # This call's remarks are refused (their phones say so and keep the words);
                    # the ones held from before stay for the next try.
                    self.held[sid] = self.held[sid][: -new[sid]]
                    raise
                results[i] = (slots[sid], released)
        return results

    def _due(self, sid: str, batch: int) -> bool:
        n = self.held_count(sid)
        return n >= max(1, self.config.hold) or (0 < batch <= n + self.db_waiting.get(sid, 0))

    def _flush(self, sid: str, now: datetime, batch: int | None) -> int:
        items = self.held.get(sid, [])
        if not items:
            return 0
        released, waiting = self.store.remarks.write_group(sid, items, now=now, batch_size=batch)
        self.held.pop(sid, None)
        self.db_waiting[sid] = waiting
        # The WAL now holds the group's pages: checkpoint it away at once (or at the next tick,
        # when another process's reader is in the way).
        self.scrub_due = not self.store.remarks.scrub_journal()
        return released

    def tick(self, *, now: datetime, batch_size: int | None) -> dict[str, int]:
        """Write held remarks whose block has ended; release what the clock made due."""
        store = self.store
        out: dict[str, int] = {}
        if self.scrub_due:
            self.scrub_due = not store.remarks.scrub_journal()
        for sid in list(self.held):
            slot = store.remarks.slot_now(sid, now=now)
            if any(held_slot != slot for held_slot, _ in self.held[sid]):
                out[sid] = out.get(sid, 0) + self._flush(sid, now, batch_size)
        for sid in store.remarks.sessions_waiting():
            if self.config.session_id is not None and sid != self.config.session_id:
                continue
            released = store.remarks.release_due(sid, now=now, batch_size=batch_size)
            if released:
                out[sid] = out.get(sid, 0) + released
                self.db_waiting[sid] = 0
        return {sid: n for sid, n in out.items() if n}

    def park(self, session_id: str | None = None, *, now: datetime) -> int:
        """Write what is held (of one session, or all) as waiting remarks: a clean stop, or the
        facilitator asked to release now. Returns how many were released by the way."""
        released = 0
        for sid in [session_id] if session_id is not None else list(self.held):
            if self.held.get(sid):
                # batch_size 0: a release happens only when their block has ended anyway.
                released += self._flush(sid, now, 0)
        return released


WRITER = web.AppKey("writer", RemarkBuffer)


def silence_request_loggers() -> None:
    """aiohttp's own loggers name the client's address; the server keeps them quiet."""
    for name in SILENCED_LOGGERS:
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False
        logger.disabled = True


def _html(text: str, status: int = 200) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def _not_found(request: web.Request) -> web.Response:
    """One page for every unknown address (in the phone's language; it repeats nothing sent)."""
    return _html(page.not_found_page(_language(request)), 404)


def _query_value(request: web.Request, name: str) -> str | None:
    try:
        return request.query.get(name)
    except (UnicodeError, ValueError):
        return None


def _language(request: web.Request) -> str:
    """?lang= when it names one of the five; else the phone's Accept-Language; else Dutch.
    Used for this answer only: never stored or logged."""
    chosen = _query_value(request, "lang")
    if chosen in LANGUAGES:
        return chosen
    return pick(from_accept_language(request.headers.get("Accept-Language")))


def _token(request: web.Request) -> str:
    """The token in the path, as the QR code prints it: a hand-typed lower-case address works."""
    return request.match_info.get("token", "").upper()


async def _session_for(request: web.Request) -> str | None:
    """The session whose URL this is, or None (every unknown token looks the same: a 404)."""
    token = _token(request)
    app = request.app
    tokens: dict[str, str] = app[TOKENS]
    if token not in tokens:
        # A wrong token costs one tiny query; the tokens reload only when sessions came or went.
        store = app[STORE]
        stamp = await store.call(store.remarks.tokens_stamp)
        if stamp != app[TOKENS_STAMP][0]:
            pairs = await store.call(store.remarks.tokens)
            only = app[CONFIG].session_id
            tokens.clear()
            tokens.update(
                {public_token(tok): sid for sid, tok in pairs if only is None or sid == only}
            )
            app[TOKENS_STAMP][0] = stamp
    return tokens.get(token)


_UNEXPECTED_LOGGED = [0]
UNEXPECTED_LOG_LIMIT = 20  # a flood of one failure must not become a flood of log lines


def _log_unexpected(exc: BaseException) -> None:
    """Log the kind of an unexpected error (nothing of the request), the first few times."""
    count = _UNEXPECTED_LOGGED[0] = _UNEXPECTED_LOGGED[0] + 1
    if count < UNEXPECTED_LOG_LIMIT:
        log.error("remark server: unexpected %s", type(exc).__name__)
    elif count == UNEXPECTED_LOG_LIMIT:
        log.error("remark server: unexpected %s; further errors are not logged", type(exc).__name__)


@web.middleware
async def _guard(request: web.Request, handler: Callable[[web.Request], Any]) -> web.StreamResponse:
    """Every failure becomes a short page: a plain 404 for unknown paths, never a traceback."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status in (404, 405):
            return _not_found(request)
        if exc.status < 400:
            raise
        lang = _language(request)
        key = "too_big" if exc.status == 413 else "bad_request"
        return _html(page.message_page(lang, request.path, key), exc.status)
    except (asyncio.CancelledError, ConnectionError):
        raise
    except (
        Exception
    ) as exc:  # a bug: answer plainly, log the kind of error and nothing of the request
        _log_unexpected(exc)
        return _html(page.message_page(_language(request), request.path, "failed"), 500)


async def _security_headers(request: web.Request, response: web.StreamResponse) -> None:
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    response.headers.popall("Set-Cookie", None)


class _GuardedRequest(web.Request):
    """A request whose replies always carry the security headers.

    aiohttp answers a request it cannot even parse (a broken request line, a bad header) with
    its own 400 before any route or middleware runs; on_response_prepare does not see that one.
    """

    async def _prepare_hook(self, response: web.StreamResponse) -> None:
        await super()._prepare_hook(response)
        if self._match_info is None:
            await _security_headers(self, response)


def _guard_unparsed_requests(app: web.Application) -> None:
    factory = web.Application._make_request
    if "_cls" in inspect.signature(factory).parameters:  # aiohttp's request factory hook
        guarded = functools.partial(factory, app, _cls=_GuardedRequest)
        object.__setattr__(app, "_make_request", guarded)


def error_response(status: int) -> web.Response:
    """Our page for a request aiohttp could not parse (web.conn.GuardedHandler.handle_error):
    no route, no language known, so Dutch with the five language links; the security headers."""
    key = "too_big" if status == 413 else "failed" if status >= 500 else "bad_request"
    resp = _html(page.message_page(pick(None), None, key, status=status), status)
    for name, value in SECURITY_HEADERS.items():
        resp.headers[name] = value
    return resp


async def show_form(request: web.Request) -> web.Response:
    session_id = await _session_for(request)
    if session_id is None:
        return _not_found(request)
    config = request.app[CONFIG]
    lang = _language(request)
    path = request.path
    if _query_value(request, "sent") == "1":
        return _html(page.thanks_page(lang, path))
    store = request.app[STORE]
    slot = await store.call(store.remarks.slot_now, session_id, now=config.clock())
    if slot is None:
        return _html(page.closed_page(lang, path, ended=await _ended(store, session_id)))
    field_value = config.signer.issue(_token(request))
    return _html(page.form_page(lang, path, field_value, max_chars=config.max_chars))


async def _ended(store: Store, session_id: str) -> bool:
    """The session is over (not yet begun, it is "closed for now")."""
    try:
        info = await store.call(store.sessions.get, session_id)
    except (sqlite3.Error, StoreError):
        return False
    return info.state == "closed"


def _read_form(body: bytes) -> dict[str, str] | None:
    """The posted fields, or None for anything a browser's form would not send."""
    try:
        pairs = parse_qsl(
            body.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        return None
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            return None
        fields[name] = value
    return fields


def _same_origin(request: web.Request) -> bool:
    """False only for a post that names another site as its origin (browsers may send "null")."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return True
    try:
        return urlsplit(origin).netloc.lower() == request.host.lower()
    except ValueError:
        return False


async def post_remark(request: web.Request) -> web.Response:
    session_id = await _session_for(request)
    if session_id is None:
        return _not_found(request)
    app = request.app
    config = app[CONFIG]
    lang = _language(request)
    path = request.path
    token = _token(request)

    def again(error: str, text: str = "", status: int = 400, **values: int) -> web.Response:
        fresh = config.signer.issue(token)
        return _html(
            page.form_page(
                lang,
                path,
                fresh,
                max_chars=config.max_chars,
                text=text,
                error=error,
                error_values=values,
            ),
            status,
        )

    if request.content_type != "application/x-www-form-urlencoded":
        return _html(page.message_page(lang, path, "bad_request"), 400)
    charset = request.charset
    if charset is not None and charset.lower().replace("_", "-") not in ("utf-8", "utf8"):
        return _html(page.message_page(lang, path, "bad_request"), 400)
    if request.content_length is not None and request.content_length > CLIENT_MAX_SIZE:
        return again("too_big", status=413)
    try:
        async with asyncio.timeout(config.body_timeout):  # a body shorter than it says: web.conn
            body = await request.read()
    except TimeoutError:
        slow = _html(page.message_page(lang, path, "too_slow"), 408)
        slow.force_close()  # and no lingering for the rest of the body (aiohttp's 10 s)
        return slow
    except RuntimeError:  # aiohttp's "Connection closed.": the phone (or our guard) hung up
        raise ConnectionResetError("the connection closed while the remark was sent") from None
    except web.HTTPRequestEntityTooLarge:
        return again("too_big", status=413)
    except web.RequestPayloadError:  # a body that is not what its headers say (bad gzip, chunks)
        return _html(page.message_page(lang, path, "bad_request"), 400)
    fields = _read_form(body)
    if fields is None or set(fields) != {"text", "f"}:
        return _html(page.message_page(lang, path, "bad_request"), 400)
    raw = fields.get("text", "")
    text = clean(raw).strip()
    client = request.remote or ""  # in memory for this answer only (see web.guard)

    def refused(error: str, text: str = "", status: int = 400, **values: int) -> web.Response:
        # A refused post spends from its own, looser limit: correcting a too-long remark a few
        # times must not end in "slow down" instead of the real message.
        if config.refused_limiter is not None and not config.refused_limiter.allow(client):
            return again("slow_down", text, 429)
        return again(error, text, status, **values)

    if config.limiter is not None and not config.limiter.can(client):
        return again("slow_down", raw, 429)
    form_field = fields.get("f", "")
    verdict = config.signer.check(token, form_field)
    if verdict == "expired":
        return refused("expired", raw)
    if verdict != "ok" or not _same_origin(request):
        # The words stay in the field: an app restarted since the page was opened is not the
        # writer's fault (and a forged post only sees its own text back, escaped).
        return refused("bad_request", raw, status=403)
    if not text:
        return refused("empty")
    if len(text) > config.max_chars:
        return refused("too_long", raw, count=len(text))
    # Only a remark that is kept spends from the rate limit (taken now, given back below if
    # it is not kept after all).
    if config.limiter is not None and not config.limiter.allow(client):
        return again("slow_down", raw, 429)
    # Post/redirect/get: reloading the thank-you page cannot send the remark twice.
    thanks = web.Response(
        status=303, headers={"Location": path + "?" + urlencode({"lang": lang, "sent": "1"})}
    )
    if not config.signer.claim(form_field):
        if config.limiter is not None:
            config.limiter.give_back(client)
        return thanks  # this page was sent already: once is enough
    try:
        slot, released = await app[WRITER].post(session_id, text)
    except (sqlite3.Error, StoreError, OSError) as exc:
        config.signer.unclaim(form_field)
        if config.limiter is not None:
            config.limiter.give_back(client)
        log.error("remark server: could not store a remark (%s)", type(exc).__name__)
        return again("failed", raw, 503)
    if slot is None:
        config.signer.unclaim(form_field)
        if config.limiter is not None:
            config.limiter.give_back(client)
        ended = await _ended(app[STORE], session_id)
        return _html(page.closed_page(lang, path, raw, ended=ended), 409)
    if released:
        app[SCRUB_DUE][0] = True
    if config.on_change is not None:
        config.on_change(session_id, released)
    return thanks


async def _release_forever(app: web.Application) -> None:
    """Release batches whose block has ended, also when no new remark comes in to trigger it."""
    store = app[STORE]
    config = app[CONFIG]
    while True:
        await asyncio.sleep(config.release_interval)
        try:
            if app[SCRUB_DUE][0] and await store.call(store.remarks.scrub_journal):
                app[SCRUB_DUE][0] = False
            buffer = app[WRITER]
            released = await store.call(
                buffer.tick, now=config.clock(), batch_size=config.batch_size
            )
            for sid, count in released.items():
                if config.on_change is not None:
                    config.on_change(sid, count)
        except (sqlite3.Error, StoreError, OSError) as exc:
            log.warning("remark server: release check failed (%s)", type(exc).__name__)


async def _releaser(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_release_forever(app))
    app[RELEASER] = task
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    store = app[STORE]
    buffer = app[WRITER]
    if buffer.held:
        # A clean stop loses nothing: what was held is written as one shuffled group.
        try:
            await store.call(buffer.park, now=app[CONFIG].clock())
        except sqlite3.ProgrammingError:  # the store was closed first (a test's teardown)
            pass
        except (sqlite3.Error, StoreError, OSError) as exc:
            log.error("remark server: could not write the held remarks (%s)", type(exc).__name__)
    if app[SCRUB_DUE][0]:
        with contextlib.suppress(sqlite3.Error):
            await store.call(store.remarks.scrub_journal)


def create_web_app(
    store: Store, config: WebConfig | None = None, **options: Any
) -> web.Application:
    """The aiohttp app for participants; `options` are WebConfig fields (clock, session_id, ...)."""
    silence_request_loggers()
    config = config or WebConfig(**options)
    if not config.signer.secret_given:
        # Shared by every app on this database and kept across restarts: see web.guard.
        config.signer.use_secret(store.remarks.form_secret())
    app = web.Application(middlewares=[_guard], client_max_size=CLIENT_MAX_SIZE)
    app[STORE] = store
    app[CONFIG] = config
    app[TOKENS] = {}
    app[TOKENS_STAMP] = [None]
    app[SCRUB_DUE] = [False]
    app[WRITER] = RemarkBuffer(store, config)
    app.on_response_prepare.append(_security_headers)
    _guard_unparsed_requests(app)
    app.cleanup_ctx.append(_releaser)
    for prefix in (PATH_PREFIX, PATH_PREFIX.lower()):  # /R/ as printed, /r/ as hand-typed
        app.router.add_get(prefix + "{token}", show_form)
        app.router.add_post(prefix + "{token}", post_remark)
    return app
