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
    sid = store.create_session(find("spelregels"), "Bench", "2026-03-01", now=ck.utcnow())
    store.add_clock_event(sid, ck.START, ck.utcnow(), {"key": "welkom"})
    # One address for 200 phones here: a limiter that never says no, so its cost still counts.
    limiter = RateLimiter(capacity=10**9, per_seconds=1)
    web = {"enabled": True, "host": "127.0.0.1", "port": 0, "limiter": limiter}
    app = make_app(store, session_id=sid, web=web)
    async with app.run_test(headless=True, size=(120, 40)) as pilot:
        # The app starts its remark server after the first paint.
        while app.remark_server is None and app.remark_server_error is None:
            await pilot.pause(0.05)
            await app.workers.wait_for_complete()
        from facilitator.web.qr import remark_path
        print(app.remark_server.port, remark_path(store.get_session(sid).remark_token), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        print(store.remark_counts(sid), file=sys.stderr)
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
    async with http.get(url) as page:
        field = re.search(r'name="f" value="([^"]+)"', await page.text()).group(1)
    for i in range(n):
        start = time.perf_counter()
        async with http.post(
            url, data={"text": f"opmerking {i} van een telefoon", "f": field}, allow_redirects=False
        ) as resp:
            await resp.read()
            if resp.status != 303:
                errors.append(resp.status)
        latencies.append(time.perf_counter() - start)


async def load(port: int, path: str) -> tuple[float, float, float, int]:
    """(remarks per second, p50 ms, p99 ms, errors) for PHONES phones posting at once."""
    import aiohttp

    url = f"http://127.0.0.1:{port}{path}"
    latencies: list[float] = []
    errors: list[int] = []
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        start = time.perf_counter()
        await asyncio.gather(
            *(phone(http, url, POSTS_PER_PHONE, latencies, errors) for _ in range(PHONES))
        )
        elapsed = time.perf_counter() - start
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


BENCHES = {"web_remarks": bench_remarks}

if __name__ == "__main__":
    bench_remarks()
