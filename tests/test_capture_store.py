"""Capture in the core and the store: tags, safe search, the log's filters, drafts, edits."""

from __future__ import annotations

import sqlite3

import pytest

from facilitator.core import clock as ck
from facilitator.core.entries import Capture, fts_query, last_tag_prefix, parse_tags, summary
from facilitator.store import Store

HOSTILE_QUERIES = [
    '"',
    '""',
    "AND",
    "OR NOT",
    "NEAR(a b)",
    "text:foo",
    "*",
    "foo*bar",
    "^begin",
    "(",
    ")",
    "a + b",
    "'; DROP TABLE entries; --",
    "[@click=app.quit]",
    "\x1b[31mred",
    "🎉",
    "مرحبا",
    "x" * 5000,
    "- -- ---",
    "{text title}: x",
]


def test_tags_are_split_and_normalised():
    assert parse_tags("Wonen, rode draad; #taal #werk\nWONEN,, ") == [
        "wonen",
        "rode-draad",
        "taal",
        "werk",
    ]
    assert parse_tags("") == []
    assert last_tag_prefix("wonen, ta") == ("wonen,", " ta")
    assert last_tag_prefix("wo") == ("", "wo")


def test_fts_query_quotes_every_word_and_prefixes_the_last():
    assert fts_query("buur") == '"buur"*'
    assert fts_query("buur ") == '"buur"'
    assert fts_query('AND "x NEAR(') == '"AND" """x" "NEAR("*'
    assert fts_query("🎉 ...") is None
    assert fts_query("   ") is None


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_search_input_never_raises(store, session_id, clock, query):
    store.entries.add(session_id, "quote", {"text": "Een gewone zin"}, now=clock())
    found = store.entries.find(session_id, search=query)
    assert store.entries.count(session_id, search=query) == len(found)
    # The entries table survived whatever was typed.
    assert store.entries.count(session_id) == 1


def _seed(store, session_id, clock):
    """A quote in phase 1 and an advice in phase 4; a story before the first block."""
    story = store.entries.add(
        session_id, "story", {"text": "Eén keer per week koken we samen"}, now=clock()
    )
    store.clock.add(session_id, ck.START, clock(), {"key": "fase1"})
    clock.advance(minutes=1)
    quote = store.entries.add(
        session_id,
        "quote",
        {"text": "Ik voel me hier thuis", "speaker": "deelnemer, Venlo"},
        block_key="fase1",
        tags=["Thuis", "wonen"],
        now=clock(),
    )
    clock.advance(minutes=1)
    advice = store.entries.add(
        session_id,
        "advice",
        {"text": "Investeer in buurthuizen", "level": "local"},
        block_key="fase4",
        tags=["wonen"],
        links=[quote.id],
        now=clock(),
    )
    return story, quote, advice


def test_log_is_newest_first_and_filters(store, session_id, clock):
    story, quote, advice = _seed(store, session_id, clock)
    ids = lambda entries: [e.id for e in entries]  # noqa: E731
    assert ids(store.entries.find(session_id)) == [advice.id, quote.id, story.id]
    assert ids(store.entries.find(session_id, kind="quote")) == [quote.id]
    assert ids(store.entries.find(session_id, tag="WONEN")) == [advice.id, quote.id]
    assert ids(store.entries.find(session_id, phase=1)) == [quote.id]
    assert ids(store.entries.find(session_id, phase=4)) == [advice.id]
    assert ids(store.entries.find(session_id, phase=0)) == [story.id]  # no block yet
    assert ids(store.entries.find(session_id, phase=2)) == []
    assert ids(store.entries.find(session_id, limit=2)) == [advice.id, quote.id]
    assert ids(store.entries.find(session_id, limit=2, offset=2)) == [story.id]


def test_search_as_you_type_with_diacritics_speakers_and_tags(store, session_id, clock):
    story, quote, advice = _seed(store, session_id, clock)
    assert [e.id for e in store.entries.find(session_id, search="buurt")] == [advice.id]  # prefix
    assert [e.id for e in store.entries.find(session_id, search="een keer")] == [story.id]  # één
    assert [e.id for e in store.entries.find(session_id, search="venlo")] == [quote.id]  # speaker
    assert [e.id for e in store.entries.find(session_id, search="thuis")] == [quote.id]
    # A tag typed in full finds entries tagged with it even when the words differ.
    assert {e.id for e in store.entries.find(session_id, search="wonen")} == {quote.id, advice.id}
    # Words must all match; their order does not matter.
    assert [e.id for e in store.entries.find(session_id, search="thuis hier")] == [quote.id]
    assert store.entries.find(session_id, search="thuis buurthuizen") == []


def test_search_across_sessions(store, session_id, clock, programme):
    _seed(store, session_id, clock)
    other = store.sessions.create(programme, "Venlo", "2026-04-01", now=clock())
    far = store.entries.add(
        other, "insight", {"text": "Buurthuizen zijn te vaak dicht"}, now=clock()
    )
    here = [e.session_id for e in store.entries.find(session_id, search="buurthuizen")]
    assert here == [session_id]
    everywhere = store.entries.find(None, search="buurthuizen")
    assert {e.session_id for e in everywhere} == {session_id, other}
    assert far.id in {e.id for e in everywhere}
    assert store.entries.count(None, search="buurthuizen") == 2


def test_punctuation_and_emoji_search_fall_back_to_the_text(store, session_id, clock):
    party = store.entries.add(
        session_id, "observation", {"text": "Gelach 🎉 bij de soep"}, now=clock()
    )
    store.entries.add(session_id, "observation", {"text": "Stilte"}, now=clock())
    assert [e.id for e in store.entries.find(session_id, search="🎉")] == [party.id]


def test_deleted_entries_leave_the_log_and_come_back(store, session_id, clock):
    _story, quote, _advice = _seed(store, session_id, clock)
    store.entries.delete(quote.id, now=clock())
    assert quote.id not in {e.id for e in store.entries.find(session_id)}
    assert quote.id not in {e.id for e in store.entries.find(session_id, search="thuis")}
    assert quote.id in {e.id for e in store.entries.find(session_id, include_deleted=True)}
    store.entries.restore(quote.id)
    assert quote.id in {e.id for e in store.entries.find(session_id, search="thuis")}


def test_signature_moves_on_every_change_in_scope(store, session_id, clock, programme):
    """Each change gives a signature unlike the one before it (what the log last saw)."""
    seen = [store.entries.signature(session_id)]
    entry = store.entries.add(session_id, "insight", {"text": "a"}, now=clock())
    seen.append(store.entries.signature(session_id))
    store.entries.update(entry.id, {"text": "b"}, now=clock())
    seen.append(store.entries.signature(session_id))
    store.entries.delete(entry.id, now=clock())
    seen.append(store.entries.signature(session_id))
    store.entries.restore(entry.id)
    seen.append(store.entries.signature(session_id))
    second = store.entries.add(session_id, "insight", {"text": "c"}, now=clock())
    store.entries.delete(second.id, now=clock())
    store.entries.restore(entry.id)
    seen.append(store.entries.signature(session_id))
    assert all(a != b for a, b in zip(seen, seen[1:], strict=False))
    # Deleting one entry and restoring another between two looks still shows as a change.
    store.entries.delete(entry.id, now=clock())
    store.entries.restore(second.id)
    assert store.entries.signature(session_id) != seen[-1]
    sig = store.entries.signature(session_id)
    other = store.sessions.create(programme, "Venlo", "2026-04-01", now=clock())
    store.entries.add(other, "insight", {"text": "elders"}, now=clock())
    assert store.entries.signature(session_id) == sig  # another session's entry: no reload here
    assert store.entries.signature(None) != sig


def test_drafts_are_kept_and_dropped_with_the_entry(store, session_id, clock):
    data = {"capture": Capture("quote", {"text": "half"}).to_dict(), "owner": {"pid": 1}}
    store.drafts.save("d1", session_id, "quote", data, author="AB", now=clock())
    store.drafts.save("d1", session_id, "quote", {**data, "x": 1}, author="AB", now=clock())
    rows = store.drafts.list(session_id)
    assert [(r["id"], r["author"], r["data"]["x"]) for r in rows] == [("d1", "AB", 1)]
    store.entries.add(session_id, "quote", {"text": "heel"}, now=clock(), draft_id="d1")
    assert store.drafts.list(session_id) == []
    store.drafts.save("d2", session_id, "story", data, now=clock())
    store.drafts.discard("d2")
    assert store.drafts.list() == []


def test_a_draft_that_cannot_be_read_is_not_fatal(store, session_id, clock):
    store.drafts.save("d1", session_id, "quote", {}, now=clock())
    with store.transaction() as conn:
        conn.execute("UPDATE drafts SET data = 'not json' WHERE id = 'd1'")
    assert store.drafts.list(session_id)[0]["data"] == {}


def test_two_apps_editing_the_same_entry_both_keep_their_version(db_path, session_id, clock):
    """update_entry reads the entry inside its write transaction, so no revision collides."""
    first, second = Store.open(db_path), Store.open(db_path)
    try:
        entry = first.entries.add(session_id, "insight", {"text": "v1"}, now=clock())
        first.entries.update(entry.id, {"text": "v2"}, now=clock())
        second.entries.update(entry.id, {"text": "v3"}, now=clock())
        assert second.entries.get(entry.id).revision == 3
        assert [r["text"] for r in first.entries.revisions(entry.id)] == ["v1", "v2"]
    finally:
        first.close()
        second.close()


def test_speakers_block_names_and_entries_by_id(store, session_id, clock):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    store.clock.add(
        session_id, ck.EXTRA_BREAK, clock(), {"key": "extra1", "name": "Extra pauze", "minutes": 10}
    )
    a = store.entries.add(
        session_id, "quote", {"text": "x", "speaker": "deelnemer, Zwolle"}, now=clock()
    )
    clock.advance(1)
    b = store.entries.add(
        session_id, "quote", {"text": "y", "speaker": "deelnemer, Venlo"}, now=clock()
    )
    assert store.entries.speakers() == ["deelnemer, Venlo", "deelnemer, Zwolle"]
    place, names = store.sessions.block_names()[session_id]
    assert (
        place == "Utrecht" and names["fase1"] == "De diepte in" and names["extra1"] == "Extra pauze"
    )
    assert [e.id for e in store.entries.by_id([b.id, "nope", a.id])] == [b.id, a.id]


def test_capture_values(store, session_id, clock):
    cap = Capture("advice", {"text": "  "}, "")
    assert cap.is_blank() and cap.missing() == ["text", "level"]
    cap = Capture(
        "prototype", {"title": "Buurtkeuken", "building_blocks": ["A", " "]}, "#Koken, eten"
    )
    assert not cap.is_blank() and cap.missing() == [] and cap.tags == ["koken", "eten"]
    entry = store.entries.add(
        session_id, "prototype", cap.store_fields(), tags=cap.tags, links=cap.links, now=clock()
    )
    assert cap.same_as(entry)
    assert Capture.from_entry(entry).equivalent(cap)
    assert not Capture("prototype", {"title": "Anders"}, "koken, eten").same_as(entry)
    assert Capture.from_dict(cap.to_dict()) == cap
    with pytest.raises(ValueError):
        Capture.from_dict({"kind": "nonsense"})
    assert summary(entry) == "Buurtkeuken"


def test_fts_stays_in_step_with_rows_written_by_a_bare_connection(
    store, session_id, clock, db_path
):
    """The triggers index what any process writes, not only this store."""
    store.entries.add(session_id, "insight", {"text": "eerste"}, now=clock())
    conn = sqlite3.connect(db_path)
    conn.execute(
        "INSERT INTO entries (id, session_id, kind, created_at, updated_at, text) "
        "VALUES ('raw1', ?, 'insight', '2026-03-01T10:00:00.000+00:00', "
        "'2026-03-01T10:00:00.000+00:00', 'geschreven door een ander proces')",
        (session_id,),
    )
    conn.commit()
    conn.close()
    assert [e.id for e in store.entries.find(session_id, search="ander proces")] == ["raw1"]


def test_blank_space_around_typed_text_is_not_kept_inside_it_is(store, session_id, clock):
    story = store.entries.add(
        session_id,
        "story",
        {"text": "\n  Eerste regel\n\n  tweede regel  \n\n"},
        now=clock(),
    )
    assert story.text == "Eerste regel\n\n  tweede regel"
