#!/usr/bin/env python3
"""Note-takers' laptops on loopback: the host's HTTPS server and two laptops' sync loops (the
app's own `SyncLoop`: push within 50 ms of a save, pull every 0.5 s), in one process.

    sync_latency   an entry saved on laptop A until it is in laptop B's database: median and
                   p99, beside a bare aiohttp request/response round trip (plain HTTP and HTTPS
                   with keep-alive) measured in the same run. Poll interval: 0.5 s.
    sync_catchup   1,000 entries written on a laptop while the host was away, until all are on
                   the host once it is back (one `sync_once`), beside the same JSON bytes sent as
                   bare aiohttp POSTs to a handler that only reads them.
    sync_room      the host's app (headless, its own process) with three laptops capturing,
                   editing and deleting for a scripted hour compressed into a minute while 200
                   phones post remarks: entries lost, stored twice, "database is locked".
Set FACILITATOR_BENCH_N to change the number of latency samples (default 60).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SID = "bench-2026-03-01"


def stats(samples: list[float]) -> tuple[float, float]:
    """Median and 99th percentile, in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(round(0.99 * (len(ordered) - 1))))]
    return statistics.median(ordered) * 1000, p99 * 1000


async def _bare_round_trips(n: int, *, tls_pem: str | None) -> list[float]:
    import aiohttp
    from aiohttp import web

    async def ok(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.router.add_get("/", ok)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    ssl_ctx = None
    if tls_pem is not None:
        from facilitator.sync.tls import server_context

        ssl_ctx = server_context(tls_pem)
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_ctx)
    await site.start()
    port = runner.addresses[0][1]
    scheme = "https" if tls_pem else "http"
    samples = []
    connector = aiohttp.TCPConnector(ssl=False) if tls_pem else aiohttp.TCPConnector()
    async with aiohttp.ClientSession(connector=connector) as http:
        for i in range(n + 5):
            t0 = time.perf_counter()
            async with http.get(f"{scheme}://127.0.0.1:{port}/") as resp:
                await resp.read()
            if i >= 5:  # the first few set the connection up
                samples.append(time.perf_counter() - t0)
    await runner.cleanup()
    return samples


def _setup(tmp: Path):
    from facilitator.core.clock import utcnow
    from facilitator.core.programme import find, shipped_dir
    from facilitator.store import Store

    prog = find("spelregels", [shipped_dir()])
    host = Store.open(tmp / "host.db")
    host.sessions.create(prog, "Bench", "2026-03-01", now=utcnow(), session_id=SID)
    return host


async def _latency() -> None:
    from facilitator.core.clock import utcnow
    from facilitator.store import Store
    from facilitator.sync.client import POLL_SECONDS, SyncLoop, join
    from facilitator.sync.host import NoteTakerServer
    from facilitator.sync.tls import host_pem

    n = int(os.environ.get("FACILITATOR_BENCH_N", "60"))
    with tempfile.TemporaryDirectory() as tmp:
        host = _setup(Path(tmp))
        server = NoteTakerServer(host, host="127.0.0.1", port=0)
        await server.start()
        laptops = []
        for name in ("a", "b"):
            s = Store.open(Path(tmp) / f"{name}.db")
            address, _ = await server.join_address(SID)
            await join(s, address, name.upper())
            laptops.append(s)
        a, b = laptops
        loops = [SyncLoop(s) for s in laptops]
        tasks = [asyncio.create_task(loop.run()) for loop in loops]
        samples = []
        try:
            for i in range(n):
                await asyncio.sleep(random.uniform(0.05, 0.6))  # anywhere in the poll cycle
                t0 = time.perf_counter()
                e = await a.call(
                    a.entries.add, SID, "quote", {"text": f"citaat {i}"}, author="A", now=utcnow()
                )
                while not await b.call(
                    lambda eid=e.id: bool(b.query("SELECT 1 FROM entries WHERE id = ?", (eid,)))
                ):
                    await asyncio.sleep(0.005)
                samples.append(time.perf_counter() - t0)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await server.stop()
            pem = host_pem(host)
            for s in (host, *laptops):
                s.close()
        plain = await _bare_round_trips(200, tls_pem=None)
        tls = await _bare_round_trips(200, tls_pem=pem)
    med, p99 = stats(samples)
    pmed, pp99 = stats(plain)
    tmed, tp99 = stats(tls)
    target = 3 * pmed + POLL_SECONDS * 1000
    print(f"  entry on A visible on B   median {med:8.1f} ms   p99 {p99:8.1f} ms   (n={n})")
    print(f"  bare aiohttp round trip   median {pmed:8.2f} ms   p99 {pp99:8.2f} ms   (HTTP)")
    print(f"  bare aiohttp round trip   median {tmed:8.2f} ms   p99 {tp99:8.2f} ms   (HTTPS)")
    print(
        f"  median / (3 x bare + poll {POLL_SECONDS * 1000:.0f} ms) = {med / target:.2f}"
        f"   p99 {'under' if p99 < 2000 else 'OVER'} 2 s"
    )


async def _catchup() -> None:
    import aiohttp
    from aiohttp import web

    from facilitator.core.clock import utcnow
    from facilitator.store import Store
    from facilitator.sync.client import PUSH_BATCH, SyncClient, join
    from facilitator.sync.host import NoteTakerServer

    with tempfile.TemporaryDirectory() as tmp:
        host = _setup(Path(tmp))
        server = NoteTakerServer(host, host="127.0.0.1", port=0)
        await server.start()
        port = server.port
        laptop = Store.open(Path(tmp) / "a.db")
        address, _ = await server.join_address(SID)
        await join(laptop, address, "A")
        await server.stop()  # the host goes away; the laptop writes on
        for i in range(1000):
            laptop.entries.add(
                SID, "quote", {"text": f"offline citaat {i}"}, author="A", now=utcnow()
            )
        payloads = []
        after = 0
        while True:
            states, nxt = laptop.sync.changes_since(SID, after, limit=PUSH_BATCH, local_only=True)
            if not states:
                break
            payloads.append(json.dumps({"entries": [s.to_wire() for s in states]}).encode())
            after = nxt
        server = NoteTakerServer(host, host="127.0.0.1", port=port)
        await server.start()
        client = SyncClient(laptop, SID)
        t0 = time.perf_counter()
        result = await client.sync_once()
        took = time.perf_counter() - t0
        await client.close()
        on_host = host.entries.count(SID)
        await server.stop()

        async def swallow(request: web.Request) -> web.Response:
            await request.read()
            return web.json_response({"ok": True})

        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_post("/", swallow)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        bare_port = runner.addresses[0][1]
        async with aiohttp.ClientSession() as http:
            t1 = time.perf_counter()
            for body in payloads:
                async with http.post(f"http://127.0.0.1:{bare_port}/", data=body) as resp:
                    await resp.read()
            bare = time.perf_counter() - t1
        await runner.cleanup()
        host.close()
        laptop.close()
    size = sum(len(p) for p in payloads)
    print(
        f"  1,000 offline entries to the host   {took * 1000:8.0f} ms   "
        f"({result.sent} sent, {on_host} on the host; target under 10 s)"
    )
    print(
        f"  bare aiohttp POSTs of the same JSON {bare * 1000:8.0f} ms   "
        f"({len(payloads)} batches, {size / 1024:.0f} KiB)   ratio {took / bare:.1f}x"
    )


def sync_latency() -> None:
    asyncio.run(_latency())


def sync_catchup() -> None:
    asyncio.run(_catchup())


# -- three laptops and 200 phones on one host ---------------------------------------------------

ROOM_HOST = r"""
import asyncio, sys
from facilitator.core import clock as ck
from facilitator.core.programme import find
from facilitator.store import Store
from facilitator.tui.app import make_app
from facilitator.web.guard import RateLimiter

async def main(path):
    store = Store.open(path)
    sid = store.sessions.create(find("spelregels"), "Bench", "2026-03-01", now=ck.utcnow(),
                               session_id="bench-2026-03-01")
    store.clock.add(sid, ck.START, ck.utcnow(), {"key": "welkom"})
    # 200 phones on one loopback address: a limiter that never says no, so its cost still counts.
    limiter = RateLimiter(capacity=10**9, per_seconds=1)
    web = {"enabled": True, "host": "127.0.0.1", "port": 0, "limiter": limiter}
    app = make_app(store, session_id=sid, web=web)
    async with app.run_test(headless=True, size=(120, 40)) as pilot:
        while (app.remarks.server is None or app.sync.server is None) and app.sync.error is None:
            await pilot.pause(0.05)
        from facilitator.web.qr import remark_path
        addresses = [(await app.sync.server.join_address(sid))[0] for _ in range(3)]
        print(app.remarks.server.port, remark_path(store.sessions.get(sid).remark_token),
              *addresses, flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    store.close()

asyncio.run(main(sys.argv[1]))
"""

ROOM_SECONDS = 60  # the scripted hour, compressed
ROOM_PHONES = 200


async def _room(port: int, path: str, addresses: list[str], tmp: Path, host_db: Path) -> None:
    import sqlite3

    import aiohttp
    from phones import post_remark

    from facilitator.core.clock import utcnow
    from facilitator.store import Store
    from facilitator.sync.client import SyncLoop, join

    laptops = []
    for i, address in enumerate(addresses):
        s = Store.open(tmp / f"laptop{i}.db")
        await join(s, address, f"L{i}")
        laptops.append(s)
    loops = [SyncLoop(s) for s in laptops]
    tasks = [asyncio.create_task(loop.run()) for loop in loops]
    errors: list[str] = []
    created: list[str] = []
    remark_status: list[int] = []

    async def note_taker(n: int, store: Store) -> None:
        rng = random.Random(n)
        mine: list[str] = []
        deadline = time.monotonic() + ROOM_SECONDS
        i = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(rng.uniform(0.05, 0.5))
            try:
                roll = rng.random()
                if roll < 0.1 and mine:
                    await store.call(
                        store.entries.update,
                        rng.choice(mine),
                        {"text": f"L{n} bewerkt {i}"},
                        now=utcnow(),
                    )
                elif roll < 0.13 and mine:
                    await store.call(store.entries.delete, rng.choice(mine), now=utcnow())
                else:
                    e = await store.call(
                        store.entries.add,
                        SID,
                        "quote",
                        {"text": f"L{n} citaat {i}"},
                        author=f"L{n}",
                        now=utcnow(),
                    )
                    mine.append(e.id)
                    created.append(e.id)
            except Exception as exc:  # noqa: BLE001 - counted, never hidden
                errors.append(f"laptop {n}: {exc}")
            i += 1

    async def phone(http: aiohttp.ClientSession, k: int) -> None:
        rng = random.Random(1000 + k)
        url = f"http://127.0.0.1:{port}{path}"
        await asyncio.sleep(rng.uniform(0, ROOM_SECONDS - 5))
        try:
            for j in range(2):  # a form field works once: each remark from a fresh page
                remark_status.append(
                    await post_remark(http, url, f"opmerking {j} van telefoon {k}")
                )
        except Exception as exc:  # noqa: BLE001
            errors.append(f"phone {k}: {exc}")

    t0 = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        await asyncio.gather(
            *(note_taker(n, s) for n, s in enumerate(laptops)),
            *(phone(http, k) for k in range(ROOM_PHONES)),
        )
    # Everyone settles: nothing left to send, and every laptop holds what the host holds.
    settle0 = time.perf_counter()

    def ids(db: Path) -> set[str]:
        conn = sqlite3.connect(db, timeout=10)
        try:
            return {r[0] for r in conn.execute("SELECT id FROM entries")}
        finally:
            conn.close()

    while time.perf_counter() - settle0 < 60:
        pending = [s.sync.pending_count(SID) for s in laptops]
        host_ids = ids(host_db)
        if not any(pending) and all(ids(s.path) == host_ids for s in laptops):
            break
        await asyncio.sleep(0.2)
    settled = time.perf_counter() - settle0
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for loop in loops:
        for status in loop.status.values():
            if status.error:
                errors.append(f"sync: {status.error}")
    conn = sqlite3.connect(host_db, timeout=10)
    try:
        twice = conn.execute(
            "SELECT count(*) FROM (SELECT text FROM entries WHERE text LIKE 'L_ citaat %' "
            "GROUP BY author, created_at HAVING count(*) > 1)"
        ).fetchone()[0]
        remarks = conn.execute("SELECT count(*) FROM remarks").fetchone()[0]
    finally:
        conn.close()
    host_ids = ids(host_db)
    lost = [e for e in created if e not in host_ids]
    same = all(ids(s.path) == host_ids for s in laptops)
    for s in laptops:
        s.close()
    locked = [e for e in errors if "locked" in e]
    print(
        f"  {len(created)} entries made on 3 laptops in {time.perf_counter() - t0 - settled:.0f} s, "
        f"{sum(1 for s in remark_status if s == 303)} of {len(remark_status)} remarks from "
        f"{ROOM_PHONES} phones stored ({remarks} on the host)"
    )
    print(
        f"  lost {len(lost)}   stored twice {twice}   'database is locked' {len(locked)}   "
        f"other errors {len(errors) - len(locked)}   all sides equal {same} "
        f"(settled {settled:.1f} s after the last save)"
    )
    for e in errors[:5]:
        print(f"    {e}")


def sync_room() -> None:
    import subprocess

    with tempfile.TemporaryDirectory(prefix="bench-sync-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "FACILITATOR_DB": str(Path(tmp) / "x.db")}
        host_db = Path(tmp) / "host.db"
        proc = subprocess.Popen(
            [sys.executable, "-c", ROOM_HOST, str(host_db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            line = proc.stdout.readline().split()
            if len(line) != 5:
                raise SystemExit(f"host did not start: {proc.stderr.read()[-2000:]}")
            asyncio.run(_room(int(line[0]), line[1], line[2:], Path(tmp), host_db))
        finally:
            proc.stdin.close()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        err = proc.stderr.read()
        if "locked" in err or "Traceback" in err:
            print(f"  host stderr: {err[-1000:]}")


BENCHES = {"sync_latency": sync_latency, "sync_catchup": sync_catchup, "sync_room": sync_room}


if __name__ == "__main__":
    for name, fn in BENCHES.items():
        print(f"== {name}")
        fn()
        print()
