"""The host's server for note-takers' laptops: HTTPS (self-signed, pinned), JSON, paired laptops only.

Separate from the participants' remark server (plain HTTP, for phones): another port, another
app. Endpoints, all under /v1:

- POST pair {session, code, author}: a one-time code buys a laptop a secret token and the
  session (programme, place, date); 403 with the reason when the code is wrong, expired, used
  or has seen too many wrong tries.
- GET pull?after=N&clock=M: entry states changed after change N (a page, `more` if there is
  more), and the host's clock events when they moved on from M.
- POST push {entries: [...], pending}: entry states merged in (idempotent).
- POST heartbeat {pending}: the laptop is there; how far the host is.

Nothing is logged but the kind of an unexpected error: no token, code, address or entry text.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import os
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from facilitator.core.clock import Clock, utcnow
from facilitator.core.merge import EntryState
from facilitator.core.timeutil import iso
from facilitator.store import NotFound, Store, StoreError
from facilitator.sync import store_sync as ss
from facilitator.sync import tls
from facilitator.web.net import listen_first_free

log = logging.getLogger("facilitator.sync")

DEFAULT_PORT = 8443
PORT_TRIES = 10
PAGE = 500  # entry states per pull
MAX_BODY = 16 * 1024 * 1024  # a push of a few hundred long entries fits
ANNOUNCE = "sync.announce"  # settings key: where the running host listens, for `pair`
SILENCED = ("aiohttp.access", "aiohttp.server", "aiohttp.web", "aiohttp.internal")

STORE_KEY = web.AppKey("store", Store)
CLOCK_KEY = web.AppKey("clock", object)
CHANGED_KEY = web.AppKey("changed", object)


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False))


def _error(status: int, reason: str) -> web.Response:
    return _json({"error": reason}, status)


@web.middleware
async def _guard(request: web.Request, handler: Callable[..., Any]) -> web.StreamResponse:
    """Every failure becomes a short JSON answer; nothing about the request is logged."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        return _error(exc.status, exc.reason or "error")
    except (ValueError, TypeError, KeyError, json.JSONDecodeError):
        return _error(400, "bad request")
    except StoreError as exc:
        return _error(400 if not isinstance(exc, NotFound) else 404, str(exc))
    except Exception as exc:  # noqa: BLE001 - answer, never crash the host's app
        log.error("note-takers' server: unexpected %s", type(exc).__name__)
        return _error(500, "error")
    response.headers["Cache-Control"] = "no-store"
    return response


async def _body(request: web.Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.read())
    except (ValueError, UnicodeDecodeError):
        raise ValueError("not JSON") from None
    if not isinstance(data, dict):
        raise ValueError("not an object")
    return data


async def _device(request: web.Request) -> dict[str, Any] | None:
    store = request.app[STORE_KEY]
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer ") or len(auth) > 200:
        return None
    device = await store.call(store.sync.device_for_token, auth[7:].strip())
    if device is None:
        return None
    pending = request.headers.get("X-Pending")
    try:
        count = int(pending) if pending is not None else None
    except ValueError:
        count = None
    now = request.app[CLOCK_KEY]()  # type: ignore[operator]
    await store.call(store.sync.heard_from, device["id"], now=now, pending=count)
    return device


async def pair(request: web.Request) -> web.Response:
    store = request.app[STORE_KEY]
    data = await _body(request)
    session_id, code, author = data.get("session"), data.get("code"), data.get("author")
    if not all(isinstance(x, str) and 0 < len(x) <= 100 for x in (code, author)) or not (
        isinstance(session_id, str) and len(session_id) <= 100
    ):
        return _error(400, "bad request")
    now = request.app[CLOCK_KEY]()  # type: ignore[operator]
    if not session_id:  # typed as host, port and code: the code knows its session
        session_id = await store.call(ss.code_session, store, code) or ""
        if not session_id:
            try:  # counts the wrong try against every open code
                await store.call(ss.redeem_code, store, "", code, author, now=now)
            except ss.PairingError:
                pass
            return _error(403, "wrong")
    try:
        info = await store.call(store.sessions.get, session_id)
        device, token = await store.call(ss.redeem_code, store, session_id, code, author, now=now)
    except ss.PairingError as exc:
        return _error(403, str(exc))
    except NotFound:
        return _error(403, "wrong")  # a session that is not here looks like a wrong code
    return _json(
        {
            "device_id": device,
            "token": token,
            "session": {
                "id": info.id,
                "programme": info.programme.to_dict(),
                "place": info.place,
                "date": info.date,
                "facilitators": info.facilitators,
                "expected_participants": info.expected_participants,
                "created_at": info.created_at,
            },
            "server_time": iso(now),
        }
    )


async def pull(request: web.Request) -> web.Response:
    device = await _device(request)
    if device is None:
        return _error(401, "not paired")
    store = request.app[STORE_KEY]
    after = int(request.query.get("after", "0"))
    known_clock = int(request.query.get("clock", "-1"))
    sid = device["session_id"]
    states, nxt = await store.call(store.sync.changes_since, sid, after, limit=PAGE)
    more = nxt > after and len(states) >= PAGE
    clock_seq, events = await store.call(ss.clock_wire, store, sid)
    now = request.app[CLOCK_KEY]()  # type: ignore[operator]
    return _json(
        {
            "entries": [s.to_wire() for s in states],
            "next": nxt,
            "more": more,
            "clock_seq": clock_seq,
            "clock": events if clock_seq != known_clock else None,
            "server_time": iso(now),
        }
    )


async def push(request: web.Request) -> web.Response:
    device = await _device(request)
    if device is None:
        return _error(401, "not paired")
    store = request.app[STORE_KEY]
    data = await _body(request)
    items = data.get("entries")
    if not isinstance(items, list):
        return _error(400, "bad request")
    states = [EntryState.from_wire(x) for x in items]
    counts = await store.call(ss.apply_states, store, device["session_id"], states)
    if counts.added or counts.changed:
        changed = request.app[CHANGED_KEY]
        if changed is not None:
            changed()  # type: ignore[operator]
    return _json({"added": counts.added, "changed": counts.changed, "unchanged": counts.unchanged})


async def heartbeat(request: web.Request) -> web.Response:
    device = await _device(request)
    if device is None:
        return _error(401, "not paired")
    store = request.app[STORE_KEY]
    sid = device["session_id"]
    last = await store.call(store.sync.last_change, sid)
    clock_seq, _ = await store.call(ss.clock_wire, store, sid)
    now = request.app[CLOCK_KEY]()  # type: ignore[operator]
    return _json({"last_change": last, "clock_seq": clock_seq, "server_time": iso(now)})


def create_sync_app(
    store: Store, *, clock: Clock = utcnow, on_change: Callable[[], None] | None = None
) -> web.Application:
    for name in SILENCED:
        logger = logging.getLogger(name)
        logger.setLevel(logging.CRITICAL + 1)
        logger.propagate = False
        logger.disabled = True
    app = web.Application(middlewares=[_guard], client_max_size=MAX_BODY)
    app[STORE_KEY] = store
    app[CLOCK_KEY] = clock
    app[CHANGED_KEY] = on_change
    app.router.add_post("/v1/pair", pair)
    app.router.add_get("/v1/pull", pull)
    app.router.add_post("/v1/push", push)
    app.router.add_post("/v1/heartbeat", heartbeat)
    return app


def join_address(base: str, session_id: str, code: str, fingerprint: str) -> str:
    """What a note-taker types or scans: the host, the session, the code and the certificate's
    fingerprint (https://10.0.0.5:8443/j/utrecht-2026-03-01?c=K7QX-M3PA&fp=...)."""
    query = urlencode({"c": code, "fp": fingerprint})
    return f"{base}/j/{quote(session_id, safe='')}?{query}"


class NoteTakerServer:
    """The note-takers' HTTPS server over one store, listening while started."""

    def __init__(
        self,
        store: Store,
        *,
        host: str = "0.0.0.0",
        port: int | None = None,
        clock: Clock = utcnow,
        on_change: Callable[[], None] | None = None,
        detect: Callable[[], str | None] | None = None,
    ) -> None:
        self.store = store
        self.host = host
        env_port = os.environ.get("FACILITATOR_SYNC_PORT", "").strip()
        self.port_given = port is not None or bool(env_port)
        self.wanted_port = port if port is not None else int(env_port or DEFAULT_PORT)
        self.clock = clock
        self.on_change = on_change
        self.detect = detect
        self.port: int | None = None
        self.fingerprint: str | None = None
        self._runner: web.AppRunner | None = None

    @property
    def running(self) -> bool:
        return self._runner is not None

    async def start(self) -> None:
        """Listen (making the certificate on first use) and announce where, for `pair`."""
        if self._runner is not None:
            return
        pem = await self.store.call(tls.host_pem, self.store)
        ctx = await asyncio.to_thread(tls.server_context, pem)
        self.fingerprint = tls.fingerprint(pem)
        app = create_sync_app(self.store, clock=self.clock, on_change=self.on_change)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=2, handle_signals=False)
        await runner.setup()
        await listen_first_free(
            runner,
            lambda port: web.TCPSite(runner, self.host, port, ssl_context=ctx),
            self.wanted_port,
            tries=1 if self.port_given or self.wanted_port == 0 else PORT_TRIES,
            host=self.host,
        )
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        try:
            await self.store.call(
                self.store.settings.set,
                ANNOUNCE,
                json.dumps({"url": self.base_url(), "fingerprint": self.fingerprint}),
            )
        except BaseException:  # cancelled or failed before `pair` could know where: stop
            await self.stop()
            raise

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        self.port = None
        if runner is not None:
            await runner.cleanup()

    def base_url(self) -> str:
        host = self.host
        try:
            bound = ipaddress.ip_address(host)
        except ValueError:
            return f"https://{host}:{self.port}"
        if bound.is_unspecified:
            from facilitator.web.net import detect_lan_address

            host = (self.detect or detect_lan_address)() or "127.0.0.1"
        return f"https://{f'[{host}]' if ':' in host else host}:{self.port}"

    async def join_address(self, session_id: str) -> tuple[str, str]:
        """(a join address with a fresh one-time code, the code)."""
        code = await self.store.call(ss.new_pairing_code, self.store, session_id, now=self.clock())
        assert self.fingerprint is not None
        return join_address(self.base_url(), session_id, code, self.fingerprint), code


def announced(store: Store) -> dict[str, str] | None:
    """Where a host on this database said it listens ({"url", "fingerprint"}), or None."""
    raw = store.settings.get(ANNOUNCE)
    if not raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) and "url" in data else None
