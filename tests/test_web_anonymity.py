"""Anonymity, checked where it could leak: the database file, its WAL, and every log line."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3

from facilitator.core import clock as ck
from facilitator.web.app import WebConfig, create_web_app
from facilitator.web.qr import remark_path

UA = "Mozilla/5.0 (Phone; TestUA-7f3a9c) Mobile"
COOKIE = "cookie-secret-9b2c41"
FORWARDED = "203.0.113.77"


def raw_files(db_path):
    """The bytes of the database and of its WAL (empty when it was checkpointed away)."""
    wal = db_path.with_name(db_path.name + "-wal")
    return db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def field_of(html: str) -> str:
    return re.search(r'name="f" value="([^"]+)"', html).group(1)


async def wal_scrubbed(wal) -> None:
    """The server empties the WAL soon after a release; wait for it, with a generous deadline."""
    deadline = asyncio.get_running_loop().time() + 30
    while wal.exists() and wal.stat().st_size:
        if asyncio.get_running_loop().time() > deadline:
            return  # the assertions after this say what is left
        await asyncio.sleep(0.05)


async def test_nothing_about_the_sender_reaches_disk_or_logs(
    aiohttp_client, store, session_id, clock, db_path, caplog
):
    caplog.set_level(logging.DEBUG)  # everything any logger says, aiohttp's included
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    store.clock.add(session_id, ck.START, clock.advance(minutes=20), {"key": "fase1"})
    store.clock.add(session_id, ck.START, clock.advance(minutes=60), {"key": "pauze1"})
    # Posted at 10:27:43.517, a minute no clock event has: it must appear nowhere.
    posted_at = clock.advance(minutes=7, seconds=43.517)
    client = await aiohttp_client(
        create_web_app(store, WebConfig(clock=clock, release_interval=0.05))
    )
    path = remark_path(store.sessions.get(session_id).remark_token)
    headers = {
        "User-Agent": UA,
        "Cookie": f"session={COOKIE}",
        "X-Forwarded-For": FORWARDED,
        "X-Real-IP": FORWARDED,
        "Accept-Language": "tr-TR,tr;q=0.9",
    }
    texts = ["Ik voelde me buitengesloten.", "Niemand vroeg naar mijn verhaal.", "شعرت بالوحدة"]
    for text in texts:
        page = await client.get(f"{path}?lang=tr", headers=headers)
        resp = await client.post(
            f"{path}?lang=tr",
            data={"text": text, "f": field_of(await page.text())},
            headers=headers,
            allow_redirects=False,
        )
        assert resp.status == 303
        assert "Set-Cookie" not in resp.headers and "Set-Cookie" not in page.headers
    # Errors too: a bad post, a 404 and a too-large body say nothing either.
    await client.post(
        path,
        data=b"text=%FF",
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    await client.get("/R/WRONG", headers=headers)
    await client.post(
        path,
        data=b"x" * 70000,
        headers={**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert store.remarks.counts(session_id) == {"waiting": 0, "shown": 3, "hidden": 0}
    # The server scrubs the WAL (whose frames show the batch growing) soon after a release.
    wal = db_path.with_name(db_path.name + "-wal")
    await wal_scrubbed(wal)

    raw = raw_files(db_path)
    for text in texts:
        assert raw.count(text.encode()) == 1  # stored once, no stale copy of a rewritten row
    for secret in (UA, "TestUA-7f3a9c", COOKIE, FORWARDED, "127.0.0.1", "tr-TR", "lang=tr"):
        assert secret.encode() not in raw, secret
    epoch = str(int(posted_at.timestamp()))
    for stamp in ("10:27", "27:43", epoch[:8]):  # time of day, epoch seconds
        assert stamp.encode() not in raw, stamp

    # The table itself has room for nothing else.
    conn = sqlite3.connect(db_path)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(remarks)")]
    conn.close()
    assert cols == ["id", "session_id", "slot", "text", "hidden", "released"]
    assert {r["slot"] for r in store.remarks.list(session_id)} == {"Pauze 1"}

    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records
    )
    for secret in (UA, COOKIE, FORWARDED, "127.0.0.1", "lang=tr", "tr-TR", *texts):
        assert secret not in logged, secret
    for name in ("aiohttp.access", "aiohttp.server"):
        assert logging.getLogger(name).disabled


def test_order_on_disk_and_on_screen_does_not_follow_arrival(store, session_id, clock, db_path):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    texts = [f"opmerking-nummer-{i:02d}-{'x' * (i % 5)}" for i in range(14)]
    ids_seen = set()
    for text in texts:
        slot, released = store.remarks.post(session_id, text, now=clock(), batch_size=len(texts))
        assert slot == "Welkom en kennismaking"
        ids_seen |= {r["id"] for r in store.remarks.list(session_id)}
    assert released == len(texts)
    rows = store.remarks.list(session_id)
    listed = [r["text"] for r in rows]
    assert sorted(listed) == sorted(texts)
    assert listed != texts and listed != texts[::-1]
    # Waiting rows get fresh random ids at every arrival: many more ids passed than rows remain.
    assert len(ids_seen) > len(texts) * 2
    assert all(re.fullmatch(r"[a-z2-7]{20}", r["id"]) for r in rows)
    # Where the bytes sit in the file says nothing about arrival either.
    raw = raw_files(db_path)
    offsets = [raw.find(t.encode()) for t in texts]
    assert all(o >= 0 for o in offsets)
    by_place = sorted(range(len(texts)), key=offsets.__getitem__)
    assert by_place != list(range(len(texts))) and by_place != list(range(len(texts)))[::-1]
    # A released batch leaves no WAL behind whose frames would show the states in between.
    wal = db_path.with_name(db_path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_nothing_is_accepted_outside_the_running_session(store, session_id, clock):
    assert store.remarks.post(session_id, "te vroeg", now=clock()) == (None, 0)
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    assert store.remarks.post(session_id, "nu wel", now=clock())[0] == "Welkom en kennismaking"
    store.clock.add(session_id, ck.CLOSE, clock.advance(minutes=3))
    assert store.remarks.post(session_id, "te laat", now=clock()) == (None, 0)
    assert [r["text"] for r in store.remarks.list(session_id)] == ["nu wel"]
    # Closing released what still waited.
    assert store.remarks.release_due(session_id, now=clock()) == 1


def test_a_remark_is_cleaned_but_kept_as_typed(store, session_id, clock):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    store.remarks.post(session_id, "  [b]vet?[/b]\r\n\x1b[31mrood\x07 <i>ok</i>  ", now=clock())
    (r,) = store.remarks.list(session_id)
    assert r["text"] == "[b]vet?[/b]\n[31mrood <i>ok</i>"


def test_hide_and_show_again_keeps_the_remark(store, session_id, clock):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    for text in ("een", "twee", "drie"):
        store.remarks.post(session_id, text, now=clock(), batch_size=3)
    rid = store.remarks.list(session_id)[0]["id"]
    assert store.remarks.set_hidden(session_id, rid, True)
    assert store.remarks.counts(session_id) == {"waiting": 0, "shown": 2, "hidden": 1}
    assert rid not in {r["id"] for r in store.remarks.list(session_id, include_hidden=False)}
    assert rid in {r["id"] for r in store.remarks.list(session_id)}
    store.remarks.set_hidden(session_id, rid, False)
    assert store.remarks.counts(session_id)["hidden"] == 0


def test_batch_size_setting(store):
    assert store.remarks.batch_size() == 3
    store.remarks.set_batch_size(0)
    assert store.remarks.batch_size() == 0
    store.settings.set(store.remarks.BATCH_SETTING, "nonsense")
    assert store.remarks.batch_size() == 3


def test_secure_delete_is_on_while_writing_remarks_and_restored_after(store, session_id, clock):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    real = store.remarks._shuffle_waiting
    seen: list[int] = []

    def spy(conn, sid):
        seen.append(conn.execute("PRAGMA secure_delete").fetchone()[0])
        real(conn, sid)

    store.remarks._shuffle_waiting = spy
    for value in (0, 1, 0):
        store.conn.execute(f"PRAGMA secure_delete={value}")
        store.remarks.post(session_id, f"tekst {len(seen)}", now=clock(), batch_size=100)
        assert seen[-1] == 1
        assert store.conn.execute("PRAGMA secure_delete").fetchone()[0] == value


async def test_the_server_scrubs_the_wal_after_a_release(
    aiohttp_client, store, session_id, clock, db_path
):

    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    config = WebConfig(clock=clock, release_interval=0.05)
    client = await aiohttp_client(create_web_app(store, config))
    path = remark_path(store.sessions.get(session_id).remark_token)
    wal = db_path.with_name(db_path.name + "-wal")
    for text in ("een", "twee", "drie"):
        page = await client.get(path)
        resp = await client.post(
            path, data={"text": text, "f": field_of(await page.text())}, allow_redirects=False
        )
        assert resp.status == 303
    assert store.remarks.counts(session_id)["shown"] == 3
    await wal_scrubbed(wal)
    assert not wal.exists() or wal.stat().st_size == 0
