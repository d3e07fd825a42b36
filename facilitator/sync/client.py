"""A note-taker's laptop: join a host, push the outbox, pull what the others wrote.

Every entry is committed to this laptop's own database first (the store does that, whatever
the network); `sync_once` then sends the outbox in the order it was written and fetches the
host's changes and clock. The host's certificate is pinned: `aiohttp.Fingerprint` checks its
SHA-256 on the TLS connection before a single byte of the request is sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import aiohttp

from facilitator.core.merge import EntryState
from facilitator.core.timeutil import parse_iso
from facilitator.i18n import t
from facilitator.store import NotFound, Store, StoreError
from facilitator.sync import store_sync as ss
from facilitator.sync.tls import normalise_fingerprint

PUSH_BATCH = 200
TIMEOUT = 10.0  # seconds for one request: a venue's wifi can be slow, never this slow


class SyncError(Exception):
    """Syncing did not happen; the message says why in the user's language. `reason` is one of
    unreachable, fingerprint, code_wrong, code_expired, code_used, code_tries, removed,
    refused."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class JoinAddress:
    base: str  # https://host:port
    session_id: str
    code: str
    fingerprint: str


def parse_join_address(text: str) -> JoinAddress:
    """https://10.0.0.5:8443/j/SESSION?c=CODE&fp=SHA256 as `facilitator pair` prints it;
    ValueError with a readable message otherwise."""
    problem = t("sync.bad_address")
    try:
        parts = urlsplit(text.strip())
        parts.port  # noqa: B018 - a port out of range raises ValueError
    except ValueError:
        raise ValueError(problem) from None
    query = parse_qs(parts.query)
    segments = [s for s in parts.path.split("/") if s]
    if (
        parts.scheme != "https"
        or not parts.hostname
        or len(segments) != 2
        or segments[0] != "j"
        or len(query.get("c", [])) != 1
        or len(query.get("fp", [])) != 1
    ):
        raise ValueError(problem)
    fingerprint = normalise_fingerprint(query["fp"][0])
    code = ss.normalise_code(query["c"][0])
    if fingerprint is None or len(code) != 8:
        raise ValueError(problem)
    return JoinAddress(
        base=f"https://{parts.netloc}",
        session_id=unquote(segments[1]),
        code=code,
        fingerprint=fingerprint,
    )


def short_fingerprint(fingerprint: str) -> str:
    """The first 64 bits, as people compare them by eye: 4DBB A20D 9871 1A5B."""
    head = fingerprint[:16].upper()
    return " ".join(head[i : i + 4] for i in range(0, 16, 4))


def parse_typed_address(text: str) -> tuple[str, int]:
    """HOST:PORT as typed from the host's screen (10.0.0.5:8443); ValueError otherwise."""
    try:
        parts = urlsplit("//" + text.strip())
        port = parts.port
    except ValueError:
        raise ValueError(t("sync.bad_address")) from None
    if not parts.hostname or port is None or parts.path or parts.query or parts.username:
        raise ValueError(t("sync.bad_address"))
    return parts.hostname, port


async def peer_fingerprint(host: str, port: int) -> str:
    """The SHA-256 of the certificate the other side shows; only the TLS handshake happens,
    nothing is sent. SyncError when it cannot be reached."""
    import ssl as ssl_mod

    ctx = ssl_mod.SSLContext(ssl_mod.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl_mod.TLSVersion.TLSv1_2
    ctx.check_hostname = False
    ctx.verify_mode = ssl_mod.CERT_NONE  # self-signed: the fingerprint is what is checked
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=ctx), TIMEOUT
        )
    except (OSError, TimeoutError, ssl_mod.SSLError):
        raise SyncError("unreachable", t("sync.unreachable")) from None
    try:
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
    finally:
        writer.close()
    import hashlib

    return hashlib.sha256(der).hexdigest()


async def typed_join_address(text: str, code: str, check: Any) -> JoinAddress:
    """A join address from what a person typed (HOST:PORT and the code) and the certificate's
    fingerprint, accepted by `check(short_fingerprint)`: a hex prefix of at least 16 digits
    given with --fingerprint, or the person comparing it with the host's screen. SyncError
    "fingerprint" when it is not accepted; nothing has been sent then."""
    host, port = parse_typed_address(text)
    clean_code = ss.normalise_code(code)
    if len(clean_code) != 8:
        raise ValueError(t("sync.code_wrong"))
    fingerprint = await peer_fingerprint(host, port)
    if not check(fingerprint):
        raise SyncError("fingerprint", t("sync.fingerprint_mismatch"))
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return JoinAddress(f"https://{netloc}", "", clean_code, fingerprint)


def _http(fingerprint: str) -> aiohttp.ClientSession:
    pin = aiohttp.Fingerprint(bytes.fromhex(fingerprint))
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(ssl=pin, limit=2),
        timeout=aiohttp.ClientTimeout(total=TIMEOUT),
    )


async def _request(
    http: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    token: str | None = None,
    pending: int | None = None,
    body: dict[str, Any] | None = None,
) -> tuple[int, dict[str, Any]]:
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if pending is not None:
        headers["X-Pending"] = str(pending)
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    if data is not None:
        headers["Content-Type"] = "application/json"
    try:
        async with http.request(method, url, data=data, headers=headers) as resp:
            raw = await resp.read()
            try:
                answer = json.loads(raw) if raw else {}
            except ValueError:
                answer = {}
            return resp.status, answer if isinstance(answer, dict) else {}
    except aiohttp.ServerFingerprintMismatch:
        raise SyncError("fingerprint", t("sync.fingerprint_mismatch")) from None
    except (TimeoutError, aiohttp.ClientError, OSError):
        raise SyncError("unreachable", t("sync.unreachable")) from None


async def join(store: Store, address: str | JoinAddress, author: str) -> str:
    """Pair with the host in the join address, copy its session here and sync once; returns
    the session id. ValueError for an address that is not one, SyncError when pairing fails."""
    addr = address if isinstance(address, JoinAddress) else parse_join_address(address)
    author = author.strip()
    if not author:
        raise ValueError(t("sync.no_author"))
    async with _http(addr.fingerprint) as http:
        status, answer = await _request(
            http,
            "POST",
            f"{addr.base}/v1/pair",
            body={"session": addr.session_id, "code": addr.code, "author": author},
        )
    if status == 403 and answer.get("error") in ("wrong", "expired", "used", "tries"):
        reason = f"code_{answer['error']}"
        raise SyncError(reason, t(f"sync.{reason}"))
    if status != 200 or not isinstance(answer.get("session"), dict):
        raise SyncError("refused", t("sync.refused", status=status))
    session_id = str(answer["session"].get("id") or addr.session_id)
    await store.call(_set_up_session, store, answer["session"])
    await store.call(
        store.sync.link_host,
        session_id,
        address=addr.base,
        fingerprint=addr.fingerprint,
        token=str(answer["token"]),
        device_id=str(answer["device_id"]),
        author=author,
    )
    client = SyncClient(store, session_id)
    try:
        await client.sync_once()
    finally:
        await client.close()
    return session_id


def _set_up_session(store: Store, info: dict[str, Any]) -> None:
    """The host's session in this database (programme, place, date); a session that is here
    already must follow the same programme (its entries then go to the host)."""
    from facilitator.core.programme import Programme
    from facilitator.core.session import SessionData, SessionInfo

    programme = Programme.from_dict(info["programme"])
    try:
        here = store.sessions.get(str(info["id"]))
    except NotFound:
        here = None
    if here is not None:
        if here.programme_id != programme.id:
            raise StoreError(
                f"session {here.id!r} is in this database with programme {here.programme_id!r}, "
                f"the host's follows {programme.id!r}"
            )
        return
    store.transfer.import_session(
        SessionData(
            session=SessionInfo(
                id=str(info["id"]),
                programme=programme,
                place=str(info["place"]),
                date=str(info["date"]),
                facilitators=[str(x) for x in info.get("facilitators") or []],
                expected_participants=info.get("expected_participants"),
                state="planned",
                created_at=str(info["created_at"]),
                remark_token="",
            ),
            clock_events=[],
            entries=[],
            history={},
            remarks=[],
            participants={},
        )
    )


@dataclass
class SyncResult:
    sent: int = 0
    received: int = 0
    clock_changed: bool = False
    pending: int = 0
    offset: float | None = None  # seconds the host's clock is ahead of this laptop's


class SyncClient:
    """Syncs one note-taker's session with its host; keeps one HTTPS connection alive."""

    def __init__(self, store: Store, session_id: str) -> None:
        self.store = store
        self.session_id = session_id
        self._http: aiohttp.ClientSession | None = None
        self._fingerprint: str | None = None

    async def close(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            await http.close()

    async def _link(self) -> dict[str, Any]:
        link = await self.store.call(self.store.sync.host_link, self.session_id)
        if link is None:
            raise SyncError("refused", t("sync.not_linked", session=self.session_id))
        if self._http is None or self._fingerprint != link["fingerprint"]:
            await self.close()
            self._http = _http(link["fingerprint"])
            self._fingerprint = link["fingerprint"]
        return link

    async def sync_once(self) -> SyncResult:
        """Push the outbox in order, then pull until current. SyncError when the host cannot
        be reached or refuses; what was not confirmed stays in the outbox."""
        result = SyncResult()
        link = await self._link()
        try:
            await self._push(link, result)
            await self._pull(link, result)
        except SyncError as exc:
            await self.store.call(
                self.store.sync.set_cursor, self.session_id, last_error=exc.reason
            )
            raise
        result.pending = await self.store.call(self.store.sync.pending_count, self.session_id)
        from facilitator.core.clock import utcnow
        from facilitator.core.timeutil import iso

        await self.store.call(
            self.store.sync.set_cursor, self.session_id, last_ok_at=iso(utcnow()), last_error=None
        )
        return result

    def _check(self, status: int, answer: dict[str, Any]) -> None:
        if status == 401:
            raise SyncError("removed", t("sync.removed"))
        if status != 200:
            raise SyncError("refused", t("sync.refused", status=status))

    async def _push(self, link: dict[str, Any], result: SyncResult) -> None:
        assert self._http is not None
        after = int(link["pushed_seq"])
        while True:
            states, nxt = await self.store.call(
                self.store.sync.changes_since,
                self.session_id,
                after,
                limit=PUSH_BATCH,
                local_only=True,
            )
            if not states:
                return
            pending = await self.store.call(self.store.sync.pending_count, self.session_id)
            status, answer = await _request(
                self._http,
                "POST",
                f"{link['address']}/v1/push",
                token=link["token"],
                pending=pending,
                body={"entries": [s.to_wire() for s in states]},
            )
            self._check(status, answer)
            await self.store.call(self.store.sync.set_cursor, self.session_id, pushed_seq=nxt)
            result.sent += len(states)
            after = nxt

    async def _pull(self, link: dict[str, Any], result: SyncResult) -> None:
        assert self._http is not None
        after = int(link["pulled_seq"])
        pending = await self.store.call(self.store.sync.pending_count, self.session_id)
        while True:
            sent_at = time.time()
            status, answer = await _request(
                self._http,
                "GET",
                f"{link['address']}/v1/pull?after={after}&clock={int(link['clock_seq'])}",
                token=link["token"],
                pending=pending,
            )
            self._check(status, answer)
            try:
                # The host's time, against the middle of the round trip on this laptop's.
                host_now = parse_iso(str(answer["server_time"])).timestamp()
                result.offset = host_now - (sent_at + time.time()) / 2
            except (KeyError, ValueError):
                pass
            try:
                states = [EntryState.from_wire(x) for x in answer.get("entries") or []]
                nxt = int(answer["next"])
            except (ValueError, KeyError, TypeError):
                raise SyncError("refused", t("sync.refused", status=status)) from None
            if states:
                counts = await self.store.call(
                    ss.apply_states, self.store, self.session_id, states, from_host=True
                )
                result.received += counts.added + counts.changed
            if answer.get("clock") is not None:
                changed = await self.store.call(
                    ss.replace_clock,
                    self.store,
                    self.session_id,
                    int(answer["clock_seq"]),
                    list(answer["clock"]),
                )
                result.clock_changed = result.clock_changed or changed
                link = {**link, "clock_seq": int(answer["clock_seq"])}
            await self.store.call(self.store.sync.set_cursor, self.session_id, pulled_seq=nxt)
            after = nxt
            if not answer.get("more"):
                return


# -- the background loop (the app's, and the benchmark's) -------------------------------------

POLL_SECONDS = 0.5  # pull this often; an entry written here goes out at the next tick
TICK_SECONDS = 0.05  # how often the outbox is looked at (one indexed count)
OFFLINE_RETRY_SECONDS = 2.0  # while the host cannot be reached


@dataclass
class SyncStatus:
    online: bool | None = None  # None: not tried yet
    pending: int = 0
    error: str | None = None
    reason: str | None = None  # SyncError.reason of the last failure
    offset: float | None = None  # seconds the host's clock is ahead of this laptop's


class SyncLoop:
    """Keeps every session joined from a host in step: pushes the outbox as soon as something
    is in it, pulls every POLL_SECONDS, retries every OFFLINE_RETRY_SECONDS while the host is
    away. `on_status(session_id)` after the status of a session changed, `on_received()` after
    entries or clock events came in."""

    def __init__(
        self,
        store: Store,
        *,
        on_status: Any = None,
        on_received: Any = None,
        poll: float = POLL_SECONDS,
        tick: float = TICK_SECONDS,
    ) -> None:
        self.store = store
        self.on_status = on_status
        self.on_received = on_received
        self.poll = poll
        self.tick = tick
        self.status: dict[str, SyncStatus] = {}
        self._clients: dict[str, SyncClient] = {}
        self._last_try: dict[str, float] = {}

    async def step(self) -> None:
        loop = asyncio.get_running_loop()
        for sid in await self.store.call(self.store.sync.linked_sessions):
            status = self.status.setdefault(sid, SyncStatus())
            before = (status.online, status.pending, status.reason)
            status.pending = await self.store.call(self.store.sync.pending_count, sid)
            wait = self.poll if status.online is not False else OFFLINE_RETRY_SECONDS
            due = loop.time() - self._last_try.get(sid, -1e9) >= wait
            if due or (status.pending and status.online is not False):
                self._last_try[sid] = loop.time()
                client = self._clients.setdefault(sid, SyncClient(self.store, sid))
                try:
                    result = await client.sync_once()
                except SyncError as exc:
                    status.online, status.error, status.reason = False, str(exc), exc.reason
                    status.pending = await self.store.call(self.store.sync.pending_count, sid)
                else:
                    status.online, status.pending = True, result.pending
                    if result.offset is not None:
                        status.offset = result.offset
                    status.error = status.reason = None
                    if (result.received or result.clock_changed) and self.on_received:
                        self.on_received()
            if (status.online, status.pending, status.reason) != before and self.on_status:
                self.on_status(sid)

    async def run(self) -> None:
        try:
            while True:
                try:
                    await self.step()
                except (StoreError, OSError, ValueError) as exc:
                    for status in self.status.values():
                        status.online, status.error, status.reason = False, str(exc), "refused"
                await asyncio.sleep(self.tick)
        finally:
            await self.close()

    async def close(self) -> None:
        clients, self._clients = self._clients, {}
        for client in clients.values():
            await client.close()
