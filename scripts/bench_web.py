"""Remarks per second and p99 latency for 200 phones posting at once.

Two servers, each in its own process, the same load from this one:
  facilitator  the TUI running headless on a live session, its remark server inside the app's loop
               (form check, signed field, rate limit, clock, batching, shuffled rewrite, WAL scrub);
  bare         a bare aiohttp handler that inserts the posted text into SQLite (same WAL and
               synchronous=FULL, one database thread) and nothing else: the baseline.
Only loopback addresses are used. Target: facilitator at least half the bare remarks/s.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from phones import form_field, post_remark

PHONES = 200
POSTS_PER_PHONE = 5
ROUNDS = 2
ROOT = Path(__file__).resolve().parent.parent

FACILITATOR_SERVER = r"""
import asyncio, sys
from facilitator.core import clock as ck
from facilitator.core.programme import find
from facilitator.store import Store
from facilitator.tui.app import make_app
from facilitator.web.guard import RateLimiter

async def main(path):
    store = Store.open(path)
    sid = store.sessions.create(find("spelregels"), "Bench", "2026-03-01", now=ck.utcnow())
    store.clock.add(sid, ck.START, ck.utcnow(), {"key": "welkom"})
    # One address for 200 phones here: a limiter that never says no, so its cost still counts.
    limiter = RateLimiter(capacity=10**9, per_seconds=1)
    web = {"enabled": True, "host": "127.0.0.1", "port": 0, "limiter": limiter}
    app = make_app(store, session_id=sid, web=web)
    async with app.run_test(headless=True, size=(120, 40)) as pilot:
        # The app starts its remark server after the first paint.
        while app.remarks.server is None and app.remarks.error is None:
            await pilot.pause(0.05)
            await app.workers.wait_for_complete()
        from facilitator.web.qr import remark_path
        print(app.remarks.server.port, remark_path(store.sessions.get(sid).remark_token), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        print(store.remarks.counts(sid), file=sys.stderr)
    store.close()

asyncio.run(main(sys.argv[1]))
"""

BARE_SERVER = r"""
import asyncio, sqlite3, sys, secrets
from concurrent.futures import ThreadPoolExecutor
from aiohttp import web

def main(path):
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL"); conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE r (id TEXT PRIMARY KEY, text TEXT NOT NULL) WITHOUT ROWID")
    pool = ThreadPoolExecutor(max_workers=1)

    def insert(text):
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO r VALUES (?, ?)", (secrets.token_hex(8), text))
        conn.execute("COMMIT")

    async def form(request):
        return web.Response(text='<form method="post"><input type="hidden" name="f" value="x">',
                            content_type="text/html")

    async def post(request):
        data = await request.post()
        await asyncio.get_running_loop().run_in_executor(pool, insert, data["text"])
        return web.Response(status=303, headers={"Location": request.path + "?sent=1"})

    app = web.Application()
    app.router.add_get("/R/{t}", form)
    app.router.add_post("/R/{t}", post)

    async def serve():
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        print(runner.addresses[0][1], "/R/BARE", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await runner.cleanup()

    asyncio.run(serve())

main(sys.argv[1])
"""


async def phone(http, url: str, n: int, latencies: list[float], errors: list[int]) -> None:
    field = await form_field(http, url)
    for i in range(n):
        start = time.perf_counter()
        status = await post_remark(http, url, f"opmerking {i} van een telefoon", field)
        if status != 303:
            errors.append(status)
        latencies.append(time.perf_counter() - start)


async def load(port: int, path: str) -> tuple[float, float, float, int]:
    """(remarks per second, p50 ms, p99 ms, errors) for PHONES phones posting at once."""
    import aiohttp

    url = f"http://127.0.0.1:{port}{path}"
    latencies: list[float] = []
    errors: list[int] = []
    # Each phone its own address (127.0.5.x), as on a venue's network: the server caps the
    # connections of one address (web.conn), as a phone never needs many.
    sessions = [
        aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(f"127.0.5.{i + 1}", 0)))
        for i in range(PHONES)
    ]
    try:
        start = time.perf_counter()
        await asyncio.gather(
            *(phone(http, url, POSTS_PER_PHONE, latencies, errors) for http in sessions)
        )
        elapsed = time.perf_counter() - start
    finally:
        for http in sessions:
            await http.close()
    q = statistics.quantiles(latencies, n=100)
    return len(latencies) / elapsed, q[49] * 1000, q[98] * 1000, len(errors)


def measure(script: str) -> tuple[float, float, float, int]:
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "FACILITATOR_DB": str(Path(tmp) / "x.db")}
        proc = subprocess.Popen(
            [sys.executable, "-c", script, str(Path(tmp) / "bench.db")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            line = proc.stdout.readline().split()
            if len(line) != 2:
                raise SystemExit(f"server did not start: {proc.stderr.read()[-2000:]}")
            return asyncio.run(load(int(line[0]), line[1]))
        finally:
            proc.stdin.close()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def bench_remarks() -> None:
    results: dict[str, list[tuple[float, float, float, int]]] = {"facilitator": [], "bare": []}
    for _ in range(ROUNDS):  # alternate, so drift on a shared machine hits both alike
        results["facilitator"].append(measure(FACILITATOR_SERVER))
        results["bare"].append(measure(BARE_SERVER))
    best = {name: max(runs) for name, runs in results.items()}
    print(f"{PHONES} phones x {POSTS_PER_PHONE} remarks each, best of {ROUNDS} rounds")
    for name in ("facilitator", "bare"):
        rate, p50, p99, errors = best[name]
        print(
            f"  {name:<12} {rate:8.1f} remarks/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms"
            f"   errors {errors}"
        )
    ratio = best["facilitator"][0] / best["bare"][0]
    verdict = "meets" if ratio >= 0.5 else "MISSES"
    print(f"  ratio        {ratio:8.2f} of bare (target >= 0.50: {verdict})")


# -- a normal phone while 2,000 connections hold the server (ulimit -n 1024) ---------------

FLOOD = 2000
FLOOD_SERVER = r"""
import resource, sys
resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))
from facilitator.core import clock as ck
from facilitator.core.programme import find
from facilitator.store import Store
path = sys.argv[1]
store = Store.open(path)
sid = store.sessions.create(find("spelregels"), "Bench", "2026-03-01", now=ck.utcnow())
store.clock.add(sid, ck.START, ck.utcnow(), {"key": "welkom"})
store.close()
sys.argv = ["facilitator", "--db", path, "serve", sid, "--host", "127.0.0.1", "--port", "0"]
from facilitator.cli import run
run()
"""


def _hold(port: int, count: int, payload: bytes) -> list:
    """`count` connections from 90 loopback addresses (127.0.1.x), each sending `payload`."""
    import select
    import socket

    socks = []
    for i in range(count):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.bind((f"127.0.1.{i % 90 + 1}", 0))
            s.connect_ex(("127.0.0.1", port))
        except OSError:
            s.close()
            continue
        socks.append(s)
    if payload:
        poller = select.poll()
        waiting = {s.fileno(): s for s in socks}
        for fd in waiting:
            poller.register(fd, select.POLLOUT)
        end = time.monotonic() + 3
        while waiting and time.monotonic() < end:
            for fd, _ in poller.poll(100):
                poller.unregister(fd)
                sock = waiting.pop(fd)
                try:
                    sock.send(payload)
                except OSError:
                    pass
    return socks


def _normal_phone(url: str) -> float:
    """Seconds for a phone from 127.0.0.1 to open the page and send a remark."""
    import urllib.parse
    import urllib.request

    began = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as resp:
        field = re.search(r'name="f" value="([^"]+)"', resp.read().decode()).group(1)
    body = urllib.parse.urlencode({"text": "gewoon een telefoon", "f": field}).encode()
    with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=30) as resp:
        resp.read()
    return time.perf_counter() - began


def bench_flood() -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 3 * FLOOD), hard))
    try:
        with tempfile.TemporaryDirectory(prefix="bench-flood-") as tmp:
            env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
            proc = subprocess.Popen(
                [sys.executable, "-c", FLOOD_SERVER, str(Path(tmp) / "bench.db")],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                env=env,
            )
            try:
                url = "http" + proc.stdout.readline().strip()[4:]
                port = int(re.search(r":(\d+)/", url).group(1))
                path = url.split(str(port), 1)[1].encode()
                print(f"a normal phone (page + remark) while {FLOOD} connections hold on,")
                print("server under ulimit -n 1024; the idle server is the baseline")
                base = min(_normal_phone(url) for _ in range(3))
                print(f"  {'idle server':<12} {base * 1000:8.1f} ms")
                kinds = {
                    "idle": b"",
                    "slow-header": b"GET " + path + b" HTTP/1.1\r\nHost: x\r\nX-Slow: ",
                    "slow-body": b"POST " + path + b" HTTP/1.1\r\nHost: x\r\n"
                    b"Content-Type: application/x-www-form-urlencoded\r\n"
                    b"Content-Length: 900\r\n\r\ntext=traag",
                }
                for name, payload in kinds.items():
                    held = _hold(port, FLOOD, payload)
                    try:
                        seconds = _normal_phone(url)
                    finally:
                        for sock in held:
                            sock.close()
                    verdict = "meets" if seconds < 1.0 else "MISSES"
                    print(
                        f"  {name:<12} {seconds * 1000:8.1f} ms  ({seconds / base:5.1f}x idle;"
                        f" target < 1 s: {verdict})"
                    )
            finally:
                proc.terminate()
                proc.wait(timeout=20)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


BENCHES = {"web_remarks": bench_remarks, "web_flood": bench_flood}

if __name__ == "__main__":
    bench_remarks()
    bench_flood()
