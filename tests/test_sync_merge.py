"""The merge rules for note-takers' laptops: pure merge of entry states, and two real databases
that create, edit, delete and restore in any interleaving and then sync, converging."""

from __future__ import annotations

import json
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilitator.core.merge import EntryState, Version, make_state, merge
from facilitator.core.timeutil import parse_iso
from facilitator.store import Store
from facilitator.sync import store_sync as ss
from tests.conftest import T0

FIXED = {
    "session_id": "s",
    "kind": "quote",
    "block_key": "b1",
    "created_at": "2026-03-01T09:00:00.000+00:00",
    "author": "AB",
}


def _version(minute: int, text: str) -> Version:
    at = (T0 + timedelta(minutes=minute)).isoformat(timespec="milliseconds")
    return Version.make(at, {"text": text, "speaker": "", "tags": [], "links": []})


versions = st.builds(_version, st.integers(0, 5), st.sampled_from(["a", "b", "c", "d"]))
deletes = st.one_of(
    st.none(),
    st.tuples(st.integers(0, 5), st.booleans()),
)


@st.composite
def states(draw) -> EntryState:
    vs = draw(st.lists(versions, min_size=1, max_size=4))
    d = draw(deletes)
    deleted_at = changed = None
    if d is not None:
        changed = (T0 + timedelta(minutes=d[0])).isoformat(timespec="milliseconds")
        deleted_at = changed if d[1] else None
    return make_state("e1", FIXED, vs, deleted_at=deleted_at, deleted_changed_at=changed)


@given(states(), states(), states())
def test_merge_is_a_join(a, b, c):
    assert merge(a, b) == merge(b, a)
    assert merge(merge(a, b), c) == merge(a, merge(b, c))
    assert merge(a, a) == a
    assert merge(merge(a, b), b) == merge(a, b)


@given(states(), states())
def test_nothing_typed_is_lost_and_the_latest_edit_wins(a, b):
    m = merge(a, b)
    assert set(a.versions) | set(b.versions) == set(m.versions)
    latest = max([*a.versions, *b.versions], key=Version.order)
    assert m.current == latest
    assert m.revision == len(m.history()) + 1


def test_concurrent_edits_keep_the_other_text_in_history():
    base = _version(0, "eerste")
    a = make_state("e1", FIXED, [base, _version(2, "van laptop A")])
    b = make_state("e1", FIXED, [base, _version(3, "van laptop B")])
    m = merge(a, b)
    assert m.current.content["text"] == "van laptop B"
    assert [h["text"] for h in m.history()] == ["eerste", "van laptop A"]


def test_a_restore_after_a_delete_carries_over():
    v = _version(0, "x")
    gone = make_state("e1", FIXED, [v], deleted_at="2026-03-01T09:10:00.000+00:00")
    back = make_state("e1", FIXED, [v], deleted_changed_at="2026-03-01T09:11:00.000+00:00")
    assert merge(gone, back).deleted_at is None
    assert merge(back, gone).deleted_at is None


def test_the_wire_format_round_trips():
    s = make_state("e1", FIXED, [_version(0, "x"), _version(1, "y")], deleted_at=None)
    assert EntryState.from_wire(s.to_wire()) == s


# -- two real databases ------------------------------------------------------------------------


def _session(store: Store, programme) -> str:
    return store.sessions.create(programme, "Utrecht", "2026-03-01", now=T0, session_id="utr")


def _exchange(src: Store, dst: Store) -> None:
    states, _ = src.sync.changes_since("utr", 0, limit=10_000)
    ss.apply_states(dst, "utr", states)


def _snapshot(store: Store) -> list[tuple]:
    out = []
    for e in store.entries.list("utr", include_deleted=True, newest_first=False):
        out.append((e.id, e.text, e.revision, e.deleted, tuple(e.tags), tuple(e.links), e.author))
    hist = store.entries.history("utr")
    return sorted(out) + sorted((k, json.dumps(v, sort_keys=True)) for k, v in hist.items())


ops = st.lists(
    st.tuples(
        st.sampled_from(["A", "B"]),
        st.sampled_from(["create", "edit", "delete", "restore", "sync"]),
        st.integers(0, 7),  # which entry (by position) an edit, delete or restore is about
        st.integers(0, 3),  # minutes the clock moves on (0: the same millisecond)
        st.sampled_from(["rood", "groen", "blauw"]),
    ),
    max_size=25,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops)
def test_any_interleaving_on_two_laptops_converges(programme, ops):
    with tempfile.TemporaryDirectory() as tmp:
        a = Store.open(Path(tmp) / "a.db", durable=False)
        b = Store.open(Path(tmp) / "b.db", durable=False)
        try:
            _session(a, programme)
            _session(b, programme)
            now = T0
            sides = {"A": a, "B": b}
            for side, op, which, step, word in ops:
                now += timedelta(minutes=step)
                store = sides[side]
                other = b if side == "A" else a
                known = store.entries.list("utr", include_deleted=True, newest_first=False)
                target = known[which % len(known)] if known else None
                if op == "create":
                    links = [target.id] if target is not None else []
                    store.entries.add(
                        "utr",
                        "advice",
                        {"text": word, "level": "local"},
                        author=side,
                        links=links,
                        tags=[word],
                        now=now,
                    )
                elif op == "edit" and target is not None and target.kind == "advice":
                    # One laptop's clock goes forward: its next edit of an entry comes later
                    # than the version it replaces (two laptops may still edit at one moment).
                    at = max(now, parse_iso(target.updated_at) + timedelta(milliseconds=1))
                    store.entries.update(target.id, {"text": f"{word} {side}"}, now=at)
                elif op == "delete" and target is not None:
                    store.entries.delete(target.id, now=now)
                elif op == "restore" and target is not None:
                    store.entries.restore(target.id)
                elif op == "sync":
                    _exchange(store, other)
            _exchange(a, b)
            _exchange(b, a)
            assert _snapshot(a) == _snapshot(b)
            # Syncing again changes nothing.
            before = a.sync.last_change("utr"), b.sync.last_change("utr")
            _exchange(a, b)
            _exchange(b, a)
            assert (a.sync.last_change("utr"), b.sync.last_change("utr")) == before
            # Links survive, each entry once.
            ids = [e.id for e in a.entries.list("utr", include_deleted=True)]
            assert len(ids) == len(set(ids))
        finally:
            a.close()
            b.close()


def test_an_untidy_version_from_another_laptop_is_stored_once_and_never_rewritten(programme):
    with tempfile.TemporaryDirectory() as tmp:
        s = Store.open(Path(tmp) / "x.db", durable=False)
        try:
            _session(s, programme)
            at = T0.isoformat(timespec="milliseconds")
            untidy = make_state(
                "e1",
                {**FIXED, "session_id": "utr"},
                [
                    Version.make(
                        at,
                        {
                            "text": "  hallo \x1b[31m ",
                            "speaker": "",
                            "tags": ["Rood ", "rood"],
                            "links": ["e1", "x"],
                        },
                    )
                ],
            )
            assert ss.apply_states(s, "utr", [untidy]).added == 1
            e = s.entries.get("e1")
            assert (e.tags, e.links) == (["rood"], ["x"])
            before = s.sync.last_change("utr")
            again = ss.apply_states(s, "utr", [untidy])
            assert (again.unchanged, s.sync.last_change("utr")) == (1, before)
        finally:
            s.close()


def test_deletes_and_restores_are_stamped_after_the_change_they_undo(programme):
    with tempfile.TemporaryDirectory() as tmp:
        s = Store.open(Path(tmp) / "x.db", durable=False)
        try:
            _session(s, programme)
            e = s.entries.add("utr", "quote", {"text": "x"}, now=T0)
            ahead = T0.replace(year=2099)  # a delete stamped by a clock far ahead of this one
            s.entries.delete(e.id, now=ahead)
            s.entries.restore(e.id)
            state = s.sync.entry_state(e.id)
            assert state is not None and state.deleted_at is None
            assert state.deleted_changed_at == "2099-03-01T09:00:00.001+00:00"
            s.entries.delete(e.id, now=T0)  # and a delete after that restore comes after it too
            again = s.sync.entry_state(e.id)
            assert again is not None and again.deleted_at == T0.isoformat(timespec="milliseconds")
            assert again.deleted_changed_at == "2099-03-01T09:00:00.002+00:00"
            s.entries.restore(e.id)
            later = s.entries.add("utr", "quote", {"text": "y"}, now=T0)
            s.entries.delete(later.id, now=T0)
            assert s.sync.entry_state(later.id).deleted_changed_at == T0.isoformat(
                timespec="milliseconds"
            )
        finally:
            s.close()
