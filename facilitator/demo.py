"""The sample session of `facilitator demo`: a programme, a place, the first block running."""

from __future__ import annotations

from datetime import datetime

from facilitator.core.clock import START
from facilitator.core.programme import Programme
from facilitator.store import Store


def seed_demo(store: Store, programme: Programme, now: datetime) -> str:
    """Create the demo session, start its first block and return its id."""
    session_id = store.create_session(
        programme,
        "Demo",
        now.astimezone().date().isoformat(),
        facilitators=["Demo"],
        expected_participants=20,
        now=now,
    )
    store.add_clock_event(session_id, START, now, {"key": programme.blocks[0].key})
    seed_capture(store, session_id, now)  # capture: sample entries
    return session_id


# -- capture: sample entries --
def seed_capture(store: Store, session_id: str, now: datetime) -> None:
    """A handful of entries in the report's spirit, so the demo's log has something to show.

    Each is stamped with a block of the phase it belongs to (the report's four phases), a few
    minutes before the demo starts, by two note-takers.
    """
    from datetime import timedelta

    programme = store.get_session(session_id).programme
    first = programme.blocks[0].key
    by_phase = {b.phase: b.key for b in reversed(programme.blocks) if b.phase}

    def add(minutes_ago: int, kind: str, phase: int | None, fields: dict, **kw):
        return store.add_entry(
            session_id,
            kind,
            fields,
            block_key=by_phase.get(phase, first) if phase else first,
            now=now - timedelta(minutes=minutes_ago),
            **kw,
        )

    add(30, "observation", None, {"text": "Twee deelnemers kwamen samen binnen en bleven "
        "de hele welkomstronde naast elkaar zitten; de rest zocht een plek bij onbekenden."},
        author="DEMO", tags=["sfeer"])  # fmt: skip
    add(28, "story", 1, {"text": "In de bus sprak een oudere vrouw mij aan op mijn hoofddoek. "
        "Ik schrok, maar ze wilde alleen weten waar ik hem had gekocht.\nDaarna praatten we tot "
        "haar halte."}, author="DEMO", tags=["misverstand", "openbare-ruimte"])  # fmt: skip
    quote = add(27, "quote", 1, {"text": "Het is belangrijk dat je kunt oefenen om als omstander "
        "in te grijpen. Mij viel op hoeveel een klein gebaar of een vraag kan doen.",
        "speaker": "deelnemer, Zwolle"}, author="AS", tags=["omstanders"])  # fmt: skip
    add(25, "emblem", 1, {"title": "De open deur", "text": "Een huis met een deur die op een "
        "kier staat; binnen een tafel met stoelen van verschillende kleuren."}, author="AS",
        tags=["ontmoeting"])  # fmt: skip
    add(20, "design_question", 2, {"text": "Hoe kunnen we omstanders helpen om te reageren "
        "wanneer iemand wordt buitengesloten?"}, author="DEMO", tags=["omstanders"])  # fmt: skip
    add(15, "rule", 3, {"text": "Licht je beweegredenen toe", "source": "Het verhaal over de "
        "vrouw in de bus"}, author="AS", tags=["misverstand"])  # fmt: skip
    add(12, "prototype", 3, {"title": "De Buurtkeuken", "text": "Een keuken in het buurthuis "
        "waar buren om de beurt voor elkaar koken.", "building_blocks": [
        "Activiteiten als motor voor verbinding", "Bruggenbouwers maken het verschil"]},
        author="DEMO", tags=["ontmoeting"])  # fmt: skip
    add(8, "insight", 2, {"text": "Verbinden is een werkwoord: het gebeurt niet vanzelf."},
        author="AS", tags=["ontmoeting"])  # fmt: skip
    add(5, "advice", 4, {"text": "Erken omstanders als bondgenoten en geef hen "
        "handelingsperspectief, bijvoorbeeld met trainingen en campagnes.", "level": "national"},
        author="DEMO", tags=["omstanders"], links=[quote.id])  # fmt: skip


# -- end capture: sample entries --
