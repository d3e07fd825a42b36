"""The note-takers' HTTPS server and a laptop's client, in one process on loopback: pairing,
push and pull, the clock, codes that are wrong, expired, used or tried too often, a certificate
that is not the pinned one, a removed laptop, and nothing secret in any log."""

from __future__ import annotations

import asyncio
import logging
import ssl

import aiohttp
import pytest

from facilitator.core.clock import utcnow
from facilitator.store import Store
from facilitator.sync import store_sync as ss
from facilitator.sync import tls
from facilitator.sync.client import SyncClient, SyncError, join, parse_join_address
from facilitator.sync.host import NoteTakerServer
from tests.conftest import FakeClock

SID = "utrecht-2026-03-01"


@pytest.fixture
def host(tmp_path, programme):
    s = Store.open(tmp_path / "host.db")
    s.sessions.create(programme, "Utrecht", "2026-03-01", now=utcnow(), session_id=SID)
    yield s
    s.close()


@pytest.fixture
def laptop(tmp_path):
    s = Store.open(tmp_path / "laptop.db")
    yield s
    s.close()


async def _server(store, clock=utcnow) -> NoteTakerServer:
    server = NoteTakerServer(store, host="127.0.0.1", port=0, clock=clock)
    await server.start()
    return server


async def test_a_laptop_joins_and_entries_and_the_clock_go_both_ways(host, laptop, tmp_path):
    server = await _server(host)
    try:
        host.entries.add(SID, "quote", {"text": "van de host"}, author="AB", now=utcnow())
        address, _code = await server.join_address(SID)
        assert await join(laptop, address, "CD") == SID
        assert [e.text for e in laptop.entries.list(SID)] == ["van de host"]
        assert laptop.sessions.get(SID).programme_id == host.sessions.get(SID).programme_id

        mine = laptop.entries.add(
            SID, "story", {"text": "van de laptop"}, author="CD", now=utcnow()
        )
        assert laptop.sync.pending_count(SID) == 1
        ev = host.clock.add(SID, "start", utcnow(), {"key": "welkom"})
        host.clock.add(SID, "undo", utcnow(), {"undoes": ev.seq})
        client = SyncClient(laptop, SID)
        try:
            result = await client.sync_once()
            assert (result.sent, result.pending, result.clock_changed) == (1, 0, True)
            assert host.entries.get(mine.id).author == "CD"
            assert [e.kind for e in laptop.clock.events(SID)] == ["start", "undo"]
            assert laptop.sessions.get(SID).state == host.sessions.get(SID).state
            # The host's edit and delete come back; the laptop's own entry is not sent again.
            host.entries.update(mine.id, {"text": "verbeterd door de host"}, now=utcnow())
            host.entries.delete(mine.id, now=utcnow())
            again = await client.sync_once()
            assert (again.sent, again.received) == (0, 1)
            e = laptop.entries.get(mine.id)
            assert e.text == "verbeterd door de host" and e.deleted
            assert laptop.sync.pending_count(SID) == 0
            host.entries.restore(mine.id)
            await client.sync_once()
            assert not laptop.entries.get(mine.id).deleted
            idle = await client.sync_once()
            assert (idle.sent, idle.received, idle.clock_changed) == (0, 0, False)
        finally:
            await client.close()
        seen = host.sync.devices(SID)
        assert [d["author"] for d in seen] == ["CD"] and seen[0]["pending"] == 0
    finally:
        await server.stop()


async def test_wrong_expired_used_and_too_often_tried_codes_are_refused(host, tmp_path):
    clock = FakeClock(utcnow())
    server = await _server(host, clock)
    try:
        address, code = await server.join_address(SID)
        wrong = address.replace(f"c={code}", "c=AAAA-AAAA")

        async def try_join(addr: str, name: str) -> str:
            lap = Store.open(tmp_path / f"{name}.db")
            try:
                with pytest.raises(SyncError) as err:
                    await join(lap, addr, "XY")
                assert lap.sessions.list() == []  # nothing written
                return err.value.reason
            finally:
                lap.close()

        assert await try_join(wrong, "w") == "code_wrong"
        lap = Store.open(tmp_path / "ok.db")
        try:
            await join(lap, address, "OK")
        finally:
            lap.close()
        assert await try_join(address, "used") == "code_used"

        late, _ = await server.join_address(SID)
        clock.advance(minutes=10, seconds=1)
        assert await try_join(late, "late") == "code_expired"

        fresh, _ = await server.join_address(SID)
        for i in range(ss.CODE_TRIES):
            assert await try_join(wrong, f"g{i}") == "code_wrong"
        assert await try_join(fresh, "fresh") == "code_tries"
        assert [d["author"] for d in host.sync.devices(SID)] == ["OK"]
    finally:
        await server.stop()


async def test_a_certificate_that_is_not_the_pinned_one_gets_nothing(host, laptop, tmp_path):
    """A man in the middle answers with his own certificate: the laptop stops before sending."""
    server = await _server(host)
    received: list[bytes] = []
    ctx = tls.server_context(tls.make_pem())

    async def rogue(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            received.append(await asyncio.wait_for(reader.read(65536), 5))
        except (TimeoutError, OSError, ssl.SSLError):
            pass
        writer.close()

    middle = await asyncio.start_server(rogue, "127.0.0.1", 0, ssl=ctx)
    port = middle.sockets[0].getsockname()[1]
    try:
        address, _ = await server.join_address(SID)
        genuine = parse_join_address(address)
        forged = address.replace(genuine.base, f"https://127.0.0.1:{port}")
        with pytest.raises(SyncError) as err:
            await join(laptop, forged, "CD")
        assert err.value.reason == "fingerprint"
        assert "niet de laptop van de facilitator" in str(err.value)
        assert laptop.sessions.list() == []
        assert b"".join(received) == b""  # not even the request line reached it
        # The genuine host still accepts the code: nothing was spent on the forgery.
        assert await join(laptop, address, "CD") == SID
    finally:
        middle.close()
        await middle.wait_closed()
        await server.stop()


async def test_a_removed_laptop_can_no_longer_sync_and_a_remark_token_reads_nothing(host, laptop):
    server = await _server(host)
    try:
        address, _ = await server.join_address(SID)
        await join(laptop, address, "CD")
        laptop.entries.add(SID, "quote", {"text": "na verwijderen"}, author="CD", now=utcnow())
        (device,) = host.sync.devices(SID)
        assert host.sync.remove_device(device["id"], now=utcnow())
        client = SyncClient(laptop, SID)
        try:
            with pytest.raises(SyncError) as err:
                await client.sync_once()
        finally:
            await client.close()
        assert err.value.reason == "removed"
        assert laptop.sync.pending_count(SID) == 1  # kept for a new pairing
        assert host.entries.list(SID) == []

        remark_token = host.sessions.get(SID).remark_token
        link = laptop.sync.host_link(SID)
        pin = aiohttp.Fingerprint(bytes.fromhex(link["fingerprint"]))
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=pin)) as http:
            for token in (remark_token, link["token"], ""):
                async with http.get(
                    f"{link['address']}/v1/pull?after=0",
                    headers={"Authorization": f"Bearer {token}"},
                ) as resp:
                    assert resp.status == 401
            async with http.post(f"{link['address']}/v1/push", data=b"{not json") as resp:
                assert resp.status == 401
    finally:
        await server.stop()


async def test_no_token_code_or_entry_text_in_any_log(host, laptop, caplog):
    caplog.set_level(logging.DEBUG)
    server = await _server(host)
    try:
        address, code = await server.join_address(SID)
        await join(laptop, address, "CD")
        laptop.entries.add(SID, "quote", {"text": "geheim citaat"}, author="CD", now=utcnow())
        client = SyncClient(laptop, SID)
        try:
            await client.sync_once()
        finally:
            await client.close()
        token = laptop.sync.host_link(SID)["token"]
    finally:
        await server.stop()
    text = caplog.text + "".join(str(r.args) for r in caplog.records)
    for secret in (token, code, code.replace("-", ""), "geheim citaat"):
        assert secret not in text
    assert host.entries.list(SID)[0].text == "geheim citaat"


def test_a_join_address_that_is_not_one_is_refused_plainly():
    for bad in (
        "http://10.0.0.5:8443/j/s?c=ABCD-EFGH&fp=" + "a" * 64,
        "https://10.0.0.5:8443/j/s?c=ABCD-EFGH&fp=abc",
        "https://10.0.0.5:8443/j/s?fp=" + "a" * 64,
        "https://10.0.0.5:99999/j/s?c=ABCD-EFGH&fp=" + "a" * 64,
        "zomaar wat",
    ):
        with pytest.raises(ValueError, match="geen aanmeldadres"):
            parse_join_address(bad)
    ok = parse_join_address("https://10.0.0.5:8443/j/s-1?c=abcd-efgh&fp=" + "AB:" * 31 + "AB")
    assert (ok.base, ok.session_id, ok.code) == ("https://10.0.0.5:8443", "s-1", "ABCDEFGH")


async def test_a_laptop_that_made_the_session_itself_brings_its_entries_along(
    host, laptop, programme
):
    """Two note-takers who each ran `facilitator new` for the same session: joining merges."""
    laptop.sessions.create(programme, "Utrecht", "2026-03-01", now=utcnow(), session_id=SID)
    ev = laptop.clock.add(SID, "start", utcnow(), {"key": "welkom"})
    assert ev.seq
    mine = laptop.entries.add(SID, "story", {"text": "al geschreven"}, author="CD", now=utcnow())
    host.entries.add(SID, "quote", {"text": "op de host"}, author="AB", now=utcnow())
    server = await _server(host)
    try:
        address, _ = await server.join_address(SID)
        await join(laptop, address, "CD")
        assert host.entries.get(mine.id).text == "al geschreven"
        assert sorted(e.text for e in laptop.entries.list(SID)) == ["al geschreven", "op de host"]
        # The host's clock is the session's: the laptop's own start is gone.
        assert laptop.clock.events(SID) == [] and laptop.sessions.get(SID).state == "planned"
        assert laptop.sync.pending_count(SID) == 0
    finally:
        await server.stop()


async def test_a_session_under_another_programme_is_not_joined(host, laptop):
    from facilitator.core.programme import find, shipped_dir
    from facilitator.store import StoreError

    other = find("verbindende-verhalen", [shipped_dir()])
    laptop.sessions.create(other, "Utrecht", "2026-03-01", now=utcnow(), session_id=SID)
    server = await _server(host)
    try:
        address, _ = await server.join_address(SID)
        with pytest.raises(StoreError, match="programme"):
            await join(laptop, address, "CD")
        assert laptop.sync.host_link(SID) is None
    finally:
        await server.stop()


async def test_a_typed_host_port_and_code_join_once_the_fingerprint_matches(host, tmp_path):
    from facilitator.sync.client import short_fingerprint, typed_join_address

    server = await _server(host)
    try:
        address, code = await server.join_address(SID)
        typed = f"127.0.0.1:{server.port}"
        fp = server.fingerprint
        assert fp is not None
        shown: list[str] = []

        def says_no(seen: str) -> bool:
            shown.append(short_fingerprint(seen))
            return False

        with pytest.raises(SyncError) as err:
            await typed_join_address(typed, code, says_no)
        assert err.value.reason == "fingerprint"
        assert shown == [short_fingerprint(fp)] and len(shown[0]) == 19

        lap = Store.open(tmp_path / "typed.db")
        try:
            wrong = await typed_join_address(typed, "AAAA-AAAA", lambda seen: seen == fp)
            with pytest.raises(SyncError) as err:
                await join(lap, wrong, "CD")
            assert err.value.reason == "code_wrong"
            ok = await typed_join_address(
                typed, code.lower(), lambda seen: seen.startswith(fp[:16])
            )
            assert await join(lap, ok, "CD") == SID
            assert lap.sync.host_link(SID)["fingerprint"] == fp
        finally:
            lap.close()
    finally:
        await server.stop()
