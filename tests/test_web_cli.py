"""`facilitator serve`: the remark server as its own process, killed for real with SIGKILL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from facilitator.cli import main
from facilitator.core import clock as ck
from facilitator.store import Store
from facilitator.web.qr import remark_path

FACILITATOR = str(Path(sys.executable).with_name("facilitator"))


def spawn(db_path, *args):
    env = {**os.environ, "FACILITATOR_DB": str(db_path), "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [FACILITATOR, "serve", *args, "--host", "127.0.0.1", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def first_line(proc) -> str:
    line = proc.stdout.readline().strip()
    assert line, proc.stderr.read()
    return line


def http(url: str, data: dict | None = None) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **kw):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=body), timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def send(url: str, text: str) -> int:
    status, html = http(url)
    assert status == 200, html
    field = re.search(r'name="f" value="([^"]+)"', html).group(1)
    return http(url, {"text": text, "f": field})[0]


@pytest.mark.slow
def test_serve_prints_the_url_first_and_loses_at_most_two_when_killed(
    store, session_id, clock, db_path
):
    store.clock.add(session_id, ck.START, ck.utcnow(), {"key": "welkom"})
    proc = spawn(db_path, session_id)
    try:
        url = first_line(proc)
        path = remark_path(store.sessions.get(session_id).remark_token)
        assert re.fullmatch(r"HTTP://127\.0\.0\.1:\d+" + re.escape(path), url)
        # The upper-case URL is what the QR code holds; a browser lower-cases only scheme and host.
        local = "http" + url[4:]
        sent = [f"opmerking {i} ✓ مرحبا" for i in range(7)]
        for text in sent:
            assert send(local, text) == 303
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    again = Store.open(db_path)
    try:
        # Six came out in batches of three. The seventh was held in memory (fewer than three
        # are written together, so the file keeps no order): the README says a kill -9 may
        # lose up to two remarks per session, and no more.
        kept = sorted(r["text"] for r in again.remarks.list(session_id))
        assert kept == sorted(sent[:6])
        assert again.remarks.counts(session_id) == {"waiting": 0, "shown": 6, "hidden": 0}
    finally:
        again.close()


@pytest.mark.slow
def test_serve_stops_cleanly_on_sigterm_and_writes_card_files(store, session_id, db_path, tmp_path):
    proc = spawn(db_path, session_id, "--qr", str(tmp_path / "cards"), "--batch", "5")
    try:
        url = first_line(proc)
        status, html = http("http" + url[4:])
        assert status == 200 and "Nu even dicht" in html  # not started yet
        deadline = time.monotonic() + 30
        while not (tmp_path / "cards" / f"opmerkingen-{session_id}.svg").exists():
            assert time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        err = proc.stderr.read()
        assert "opmerkingen-" in err and ".png" in err
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert (tmp_path / "cards" / f"opmerkingen-{session_id}.png").stat().st_size > 100
    assert Store.open(db_path).remarks.batch_size() == 5


def test_serve_refuses_an_unknown_session_and_a_busy_port(store, session_id, db_path):
    runner = CliRunner()
    result = runner.invoke(main, ["serve", "nope", "--db", str(db_path), "--lang", "en"])
    assert result.exit_code == 2
    assert "no session 'nope'" in result.output and "Traceback" not in result.output

    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = runner.invoke(
            main,
            ["serve", session_id, "--db", str(db_path), "--host", "127.0.0.1", "--port", str(port)],
        )
    assert result.exit_code == 2
    assert "al in gebruik" in result.output


def test_serve_has_help():
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    for option in ("--host", "--port", "--url", "--batch", "--qr", "--db"):
        assert option in result.output


@pytest.mark.parametrize(
    "url", ["ftp://10.0.0.5", "http://", "http://host:99999", "http://me:pw@host", "http://h/?a=1"]
)
def test_serve_refuses_an_address_phones_could_not_open(store, session_id, db_path, url):
    result = CliRunner().invoke(main, ["serve", session_id, "--db", str(db_path), "--url", url])
    assert result.exit_code == 2
    assert "http://10.0.0.5:8080" in result.output and "Traceback" not in result.output


def test_serve_takes_an_address_without_scheme_as_http(store, session_id, db_path):
    proc = spawn(db_path, session_id, "--url", "10.1.2.3:8080/consult")
    try:
        url = first_line(proc)
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert url.startswith("HTTP://10.1.2.3:8080/consult/R/")
