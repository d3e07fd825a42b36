"""Three real processes on loopback: a host run by `facilitator serve`, two laptops set up by
`facilitator join` and synced by `facilitator sync`. The host is killed with SIGKILL mid-sync,
a laptop mid-push, the host is away a while; afterwards every side holds the same entries,
each once."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from facilitator.core.clock import utcnow
from facilitator.store import Store

pytestmark = pytest.mark.slow

EXE = Path(sys.executable).with_name("facilitator")
SID = "zwolle-2026-03-01"


def free_port(*taken: int) -> int:
    """A free port in this issue's range (19000-19099), else any."""
    for port in range(19020, 19100):
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(condition, seconds: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached in {seconds} s")
        time.sleep(0.05)


def entry_count(db: Path) -> int:
    conn = sqlite3.connect(db, timeout=10)
    try:
        return int(conn.execute("SELECT count(*) FROM entries").fetchone()[0])
    finally:
        conn.close()


def snapshot(db: Path) -> list[tuple]:
    """Every entry with its current fields, versions, tags, links and delete state."""
    s = Store.open(db)
    try:
        rows = []
        for e in s.entries.list(SID, include_deleted=True, newest_first=False):
            rows.append(
                (
                    e.id,
                    e.author,
                    e.text,
                    e.revision,
                    e.deleted,
                    tuple(e.tags),
                    tuple(e.links),
                    json.dumps(s.entries.revisions(e.id), sort_keys=True),
                )
            )
        return sorted(rows)
    finally:
        s.close()


class Cluster:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.env = {
            **os.environ,
            "TZ": "UTC",
            "XDG_CONFIG_HOME": str(tmp / "cfg"),
            "XDG_DATA_HOME": str(tmp / "data"),
            "FACILITATOR_LANG": "nl",
        }
        self.host_db = tmp / "host.db"
        self.remark_port = free_port()
        self.sync_port = free_port(self.remark_port)
        self.host: subprocess.Popen[str] | None = None

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(EXE), *args], capture_output=True, text=True, env=self.env, check=check
        )

    def start_host(self) -> None:
        self.host = subprocess.Popen(
            [
                str(EXE),
                "serve",
                SID,
                "--db",
                str(self.host_db),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.remark_port),
                "--sync-port",
                str(self.sync_port),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env,
        )

        def listening() -> bool:
            try:
                socket.create_connection(("127.0.0.1", self.sync_port), timeout=0.5).close()
                return True
            except OSError:
                return False

        wait_for(listening, what="the host listening")

    def kill_host(self, sig: int = signal.SIGKILL) -> None:
        assert self.host is not None
        self.host.send_signal(sig)
        self.host.wait(timeout=30)
        self.host.stdout.close()  # type: ignore[union-attr]
        self.host.stderr.close()  # type: ignore[union-attr]
        self.host = None

    def join(self, name: str, author: str) -> Path:
        address = self.run("pair", SID, "--db", str(self.host_db)).stdout.splitlines()[0]
        db = self.tmp / f"{name}.db"
        joined = self.run("join", address, "--author", author, "--no-open", "--db", str(db))
        assert joined.stdout.strip() == SID
        return db

    def sync(self, db: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = self.run("sync", "--db", str(db), check=False)
        if check:
            assert result.returncode == 0, result.stderr
        return result


def write(db: Path, author: str, n: int, *, start: int = 0) -> list[str]:
    s = Store.open(db, durable=False)
    try:
        now = utcnow()
        return [
            s.entries.add(
                SID,
                "quote",
                {"text": f"{author} {i}"},
                author=author,
                tags=[author.lower()],
                now=now + timedelta(milliseconds=i),
            ).id
            for i in range(start, start + n)
        ]
    finally:
        s.close()


def test_kills_and_a_host_away_leave_every_side_with_the_same_entries_once(tmp_path):
    c = Cluster(tmp_path)
    made = c.run(
        "new",
        "--programme",
        "spelregels",
        "--place",
        "Zwolle",
        "--date",
        "2026-03-01",
        "--db",
        str(c.host_db),
    )
    assert made.stdout.strip() == SID
    c.start_host()
    try:
        host_store = Store.open(c.host_db)
        try:
            host_store.clock.add(SID, "start", utcnow(), {"key": "welkom"})
            fa = host_store.entries.add(
                SID, "insight", {"text": "van de host"}, author="FA", now=utcnow()
            )
        finally:
            host_store.close()
        a = c.join("a", "AA")
        b = c.join("b", "BB")
        joined = Store.open(b)
        try:
            assert [e.text for e in joined.entries.list(SID)] == ["van de host"]
            assert joined.sessions.get(SID).state == "running"  # the host's clock came along
        finally:
            joined.close()

        # A laptop killed mid-push: what reached the host is there once, the rest follows.
        write(a, "AA", 1000)
        pushing = subprocess.Popen(
            [str(EXE), "sync", "--db", str(a)],
            env=c.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(
            lambda: entry_count(c.host_db) > 1 or pushing.poll() is not None,
            what="the push under way",
        )
        pushing.send_signal(signal.SIGKILL)
        pushing.wait(timeout=30)
        mid = entry_count(c.host_db)
        assert 1 <= mid <= 1001
        out = c.sync(a)
        assert "verzonden" in out.stdout and "0 te versturen" in out.stdout
        assert entry_count(c.host_db) == 1001

        # The host killed mid-sync: the laptop says so, keeps its outbox, and catches up later.
        write(b, "BB", 1000)
        pulling = subprocess.Popen(
            [str(EXE), "sync", "--db", str(b)],
            env=c.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        wait_for(
            lambda: entry_count(c.host_db) > 1001 or pulling.poll() is not None,
            what="the second push under way",
        )
        c.kill_host()
        _out, err = pulling.communicate(timeout=60)
        if pulling.returncode != 0:  # it was still pushing when the host went
            assert pulling.returncode == 1
            assert "niet bereikbaar" in err and "te versturen" in err
            assert "Traceback" not in err

        # The host away a while: every laptop goes on writing, editing and deleting.
        down = c.sync(a, check=False)
        assert down.returncode == 1 and "niet bereikbaar" in down.stderr
        sa, sb = Store.open(a), Store.open(b)
        try:
            first_a = sa.entries.list(SID, newest_first=False)[1]
            sa.entries.update(first_a.id, {"text": "verbeterd op A"}, now=utcnow())
            # Both laptops edit the host's entry: the later edit wins, the other stays in history.
            sa.entries.update(fa.id, {"text": "eerder verbeterd op A"}, now=utcnow())
            sb.entries.update(fa.id, {"text": "later verbeterd op B"}, now=utcnow())
            own_b = sb.entries.list(SID, newest_first=False)[-1]
            sb.entries.delete(own_b.id, now=utcnow())
            sa.entries.add(
                SID,
                "advice",
                {"text": "advies", "level": "local"},
                author="AA",
                links=[first_a.id],
                now=utcnow(),
            )
        finally:
            sa.close()
            sb.close()
        c.start_host()
        for db in (a, b, a, b):
            c.sync(db)
        host_view, a_view, b_view = snapshot(c.host_db), snapshot(a), snapshot(b)
        assert host_view == a_view == b_view
        assert len(host_view) == 2002
        assert len({row[0] for row in host_view}) == 2002
        texts = {row[2] for row in host_view}
        assert {"verbeterd op A", "later verbeterd op B", "advies"} <= texts
        check = Store.open(c.host_db)
        try:
            assert [v["text"] for v in check.entries.revisions(fa.id)] == [
                "van de host",
                "eerder verbeterd op A",
            ]
            assert check.entries.get(own_b.id).deleted
            advice = check.entries.list(SID, kind="advice")[0]
            assert advice.links == [first_a.id] and advice.author == "AA"
        finally:
            check.close()
        # Syncing again changes nothing anywhere.
        for db in (a, b):
            assert "0 verzonden, 0 ontvangen" in c.sync(db).stdout
        assert snapshot(c.host_db) == host_view
    finally:
        if c.host is not None:
            c.kill_host(signal.SIGTERM)
