"""Fault tests with real sockets on loopback: `facilitator serve` under a lowered open-file limit,
held down by idle, slow-header, slow-body and flooding clients, must still serve a normal phone.

The attackers bind other loopback addresses (127.0.1.x; all of 127/8 is this machine on Linux)
so the server sees many clients, and the normal phone comes from 127.0.0.1. Every loop here is
bounded in count and in time.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import resource
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from facilitator.core import clock as ck
from facilitator.i18n import t
from facilitator.store import Store

FACILITATOR = str(Path(sys.executable).with_name("facilitator"))
ATTACKERS = 2000
# Generous for a busy machine (5 s was once too short with other tests on both cores): the test
# shows a phone gets through at all while the connections hold on; `scripts/bench.py web_flood`
# measures the 1-second target.
DEADLINE = 30.0

pytestmark = pytest.mark.slow


@contextlib.contextmanager
def more_descriptors(wanted: int):
    """This test process holds the attackers' sockets: raise its own limit for a while."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < wanted:
        pytest.skip(f"the hard open-file limit ({hard}) is below {wanted}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@contextlib.contextmanager
def serve(db_path: Path, session_id: str, nofile: int, tmp_path: Path, env=None):
    """`facilitator serve` with `ulimit -n nofile`; yields (port, url, path of its stderr)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    err_path = tmp_path / f"serve-{nofile}.err"
    env = {**os.environ, **(env or {}), "FACILITATOR_DB": str(db_path), "PYTHONUNBUFFERED": "1"}
    with open(err_path, "w") as err:
        proc = subprocess.Popen(
            [FACILITATOR, "serve", session_id, "--host", "127.0.0.1", "--port", "0"],
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            env=env,
            preexec_fn=limit,
        )
    try:
        url = proc.stdout.readline().strip()
        assert url, err_path.read_text()
        port = int(re.search(r":(\d+)/", url).group(1))
        yield port, url, err_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        proc.stdout.close()


def attack(port: int, count: int, addresses: list[str], payload: bytes) -> list[socket.socket]:
    """Open `count` connections from `addresses` in turn and send `payload` on each (and then
    nothing more: an idle, slow-header or slow-body client)."""
    socks = []
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((addresses[i % len(addresses)], 0))
            s.connect_ex(("127.0.0.1", port))
        except OSError:
            s.close()
            continue
        socks.append(s)
    if payload:
        poller = select.poll()
        pending = {s.fileno(): s for s in socks}
        for fd in pending:
            poller.register(fd, select.POLLOUT)
        end = time.monotonic() + 3
        while pending and time.monotonic() < end:
            for fd, _ in poller.poll(100):
                s = pending.pop(fd, None)
                poller.unregister(fd)
                if s is not None:
                    with contextlib.suppress(OSError):
                        s.send(payload)
    return socks


def close_all(socks: list[socket.socket]) -> None:
    for s in socks:
        s.close()


def phone(base: str, text: str) -> tuple[int, float]:
    """A normal phone from 127.0.0.1: open the page, send a remark; (status, seconds taken)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **kw):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    began = time.monotonic()
    with opener.open(base, timeout=DEADLINE) as resp:
        html = resp.read().decode()
    field = re.search(r'name="f" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"text": text, "f": field}).encode()
    try:
        with opener.open(urllib.request.Request(base, data=body), timeout=DEADLINE) as resp:
            status = resp.status
    except urllib.error.HTTPError as exc:
        status = exc.code
    return status, time.monotonic() - began


def addresses(n: int) -> list[str]:
    return [f"127.0.1.{i}" for i in range(1, n + 1)]


def test_a_phone_gets_through_while_2000_connections_hold_on(store, session_id, db_path, tmp_path):
    store.clock.add(session_id, ck.START, ck.utcnow(), {"key": "welkom"})
    store.remarks.set_batch_size(1)  # each remark written at once, to count them afterwards
    with (
        more_descriptors(ATTACKERS * 2 + 200),
        serve(db_path, session_id, 1024, tmp_path) as (
            port,
            url,
            err_path,
        ),
    ):
        base = "http" + url[4:]
        path = urllib.parse.urlsplit(base).path
        scenarios = {
            "idle": b"",
            "slow-header": b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nX-Slow: ",
            "slow-body": (
                b"POST " + path.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 900\r\n\r\ntext=traag"
            ),
        }
        sent = []
        taken = {}
        for name, payload in scenarios.items():
            # Many clients (the total cap), and one client with many connections (its own cap).
            held = attack(port, ATTACKERS - 200, addresses(90), payload)
            held += attack(port, 200, ["127.0.0.2"], payload)
            try:
                status, seconds = phone(base, f"ondanks {name}")
            finally:
                close_all(held)
            assert status == 303, name
            sent.append(f"ondanks {name}")
            taken[name] = seconds

        # A flood: connections opened and dropped all the time while the phone sends.
        stop = threading.Event()

        def flood() -> None:
            end = time.monotonic() + 3 * DEADLINE
            rounds = 0
            while not stop.is_set() and time.monotonic() < end and rounds < 40:
                close_all(attack(port, 100, addresses(50), b"GET / HTTP/1.1\r\n"))
                rounds += 1

        flooder = threading.Thread(target=flood)
        flooder.start()
        try:
            status, seconds = phone(base, "ondanks flood")
        finally:
            stop.set()
            flooder.join(timeout=30)
        assert status == 303
        sent.append("ondanks flood")
        taken["flood"] = seconds
        print("seconds per normal phone:", taken)
        for name, seconds in taken.items():
            assert seconds < DEADLINE, (name, seconds)

    err = err_path.read_text()
    assert "Traceback" not in err and len(err) < 5000, err[:2000]
    again = Store.open(db_path)
    try:
        stored = {r["text"] for r in again.remarks.list(session_id)}
    finally:
        again.close()
    assert stored == set(sent)


def test_running_out_of_descriptors_is_said_once_and_the_server_recovers(
    store, session_id, db_path, tmp_path
):
    store.clock.add(session_id, ck.START, ck.utcnow(), {"key": "welkom"})
    with more_descriptors(1200), serve(db_path, session_id, 64, tmp_path) as (port, url, err_path):
        base = "http" + url[4:]
        held = []
        try:
            for _ in range(4):  # four waves, each far beyond the 64 descriptors
                held += attack(port, 250, addresses(60), b"")
                time.sleep(0.3)
            # Browsers retry a page whose connection was reset; so does this phone, for a while.
            # Generous: the kernel's deepened queue is full of the attack's connections, which
            # the server accepts and drops 64 descriptors at a time, pausing a second at each
            # EMFILE (asyncio's accept retry); on a busy machine that took over 30 s once.
            end = time.monotonic() + 150
            status = None
            while status is None and time.monotonic() < end:
                try:
                    status, _ = phone(base, "na de storm")
                except (OSError, urllib.error.URLError):
                    time.sleep(0.2)
        finally:
            close_all(held)
        assert status == 303, err_path.read_text()[-3000:]  # a server that ended says why
    err = err_path.read_text()
    said = t("remarks.serve_out_of_files")
    assert err.count(said) == 1, err[:2000]
    assert "Traceback" not in err and "Errno 24" not in err
    assert len(err) < 5000


def test_serve_goes_on_when_the_note_takers_server_cannot_load_its_library(
    store, session_id, db_path, tmp_path
):
    """Out of descriptors, loading cryptography's compiled part (for the note-takers' server's
    certificate, made on first use just after the URL is printed) fails with an ImportError,
    not an OSError. That once ended `serve` itself: the remark server was gone, and a phone
    could not connect until the end of the descriptor test above. Here the library fails to
    load every time (a stand-in package first on the path), so it is the same each run."""
    store.clock.add(session_id, ck.START, ck.utcnow(), {"key": "welkom"})
    fake = tmp_path / "fake" / "cryptography"
    fake.mkdir(parents=True)
    dlerror = f"/x/_cffi_backend.so: cannot open shared object file: {os.strerror(errno.EMFILE)}"
    (fake / "__init__.py").write_text(f"raise ImportError({dlerror!r})\n")
    paths = [str(fake.parent), os.environ.get("PYTHONPATH", "")]
    env = {"PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    said = t("sync.serve_notetakers_failed", error=os.strerror(errno.EMFILE))
    with serve(db_path, session_id, 1024, tmp_path, env) as (port, url, err_path):
        end = time.monotonic() + DEADLINE
        while said not in err_path.read_text() and "Traceback" not in err_path.read_text():
            assert time.monotonic() < end, err_path.read_text()
            time.sleep(0.05)
        status, _ = phone("http" + url[4:], "toch bewaard")
        assert status == 303
    err = err_path.read_text()
    assert said in err and "Traceback" not in err, err[-3000:]


LISTEN_WITHOUT_DESCRIPTORS = """
import asyncio, os, resource
from aiohttp import web
from facilitator.i18n import t
from facilitator.web.net import listen_first_free

async def main():
    runner = web.AppRunner(web.Application())
    await runner.setup()
    t("os_errors.cannot_listen")  # the interface's words are read before the storm, as in serve
    resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
    held = []
    try:
        while True:
            held.append(os.open(os.devnull, os.O_RDONLY))
    except OSError:
        pass
    try:
        site = await listen_first_free(
            runner, lambda port: web.TCPSite(runner, "127.0.0.1", port), 0, tries=1,
            host="127.0.0.1",
        )
        print("listening", runner.addresses)
    except OSError as exc:
        print("OSError", exc.errno, exc.strerror)
    finally:
        for fd in held:
            os.close(fd)
        await runner.cleanup()

asyncio.run(main())
"""


def test_listening_with_no_descriptors_left_is_an_os_error():
    """asyncio's create_server skips a socket() that fails and starts a server listening
    nowhere; both servers then read their port from an empty list (an IndexError, which
    `serve` and the app did not expect). listen_first_free says why instead."""
    out = subprocess.run(
        [sys.executable, "-c", LISTEN_WITHOUT_DESCRIPTORS],
        capture_output=True,
        text=True,
        timeout=DEADLINE,
    )
    assert out.returncode == 0, out.stderr
    reason = t("os_errors.too_many_files")
    expected = t("os_errors.cannot_listen", where="127.0.0.1:0", error=reason)
    assert out.stdout.strip() == f"OSError {errno.EMFILE} {expected}"
