"""The anonymous profile of a group: counts per characteristic, as in the report's appendix 2.

A profile is `{characteristic: {category: count}}` with the stable keys below; the labels are the
report's own words ("Bijlage 2: kenmerken deelnemers"). Nothing here identifies a person: only
counts are kept, per session, and a series report adds them up over any set of sessions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

Profile = dict[str, dict[str, int]]


@dataclass(frozen=True)
class Characteristic:
    """One characteristic (Leeftijd, Geslacht, ...) with its categories in the report's order."""

    key: str
    label: str
    categories: tuple[tuple[str, str], ...]  # (key, label as the report words it)

    @property
    def category_keys(self) -> tuple[str, ...]:
        return tuple(k for k, _ in self.categories)

    def label_of(self, category: str) -> str:
        return dict(self.categories)[category]


CHARACTERISTICS: dict[str, Characteristic] = {
    c.key: c
    for c in (
        Characteristic(
            "age",
            "Leeftijd",
            (
                ("18-30", "Jongeren (18-30)"),
                ("30-50", "Volwassen (30-50)"),
                ("50-65", "Ouderen (50-65)"),
                ("65+", "Senioren (65+)"),
            ),
        ),
        Characteristic(
            "gender",
            "Geslacht",
            (("female", "Vrouwen"), ("male", "Mannen"), ("nonbinary", "Non-binair/anders")),
        ),
        Characteristic(
            "education",
            "Opleidingsniveau",
            (
                ("practical", "Praktisch opgeleid (vmbo, mbo)"),
                ("middle", "Middelbaar opgeleid (havo, vwo, hbo)"),
                ("theoretical", "Theoretisch opgeleid (universitair)"),
            ),
        ),
        Characteristic(
            "migration",
            "Migratieachtergrond",
            (
                ("first", "Eerste generatie migranten"),
                ("second", "Tweede generatie migranten"),
                ("none", "Geen generatie migranten"),
            ),
        ),
        Characteristic(
            "area",
            "Woonlocatie",
            (("urban", "Stedelijk gebied"), ("rural", "Landelijk gebied")),
        ),
    )
}

# The report's appendix title and column heads, verbatim.
APPENDIX_TITLE = "Bijlage 2: kenmerken deelnemers"
COLUMNS = ("Kenmerk", "Categorie", "Totaal aantal respondenten")
# More people than this in one count is a typo (and past what SQLite stores as an integer).
MAX_COUNT = 1_000_000
# One count above this is kept, but the screen asks whether it is right: a session is a room of
# people, and 99999 is a finger that stayed on a key.
PLAUSIBLE_COUNT = 1000
# Shown only when a characteristic was filled in for fewer people than the largest one.
NOT_FILLED = "Niet ingevuld"


class ProfileError(ValueError):
    """A profile with an unknown characteristic or category, or a count that is not 0 or more."""


def normalise(raw: Mapping[str, Any]) -> Profile:
    """A checked copy in the canonical order; raises ProfileError naming what is wrong."""
    out: Profile = {}
    for char_key, counts in raw.items():
        char = CHARACTERISTICS.get(char_key)
        if char is None:
            raise ProfileError(
                f"unknown characteristic {char_key!r} (known: {', '.join(CHARACTERISTICS)})"
            )
        if not isinstance(counts, Mapping):
            raise ProfileError(f"{char_key}: expected counts per category")
        for cat in counts:
            if cat not in char.category_keys:
                raise ProfileError(
                    f"{char_key}: unknown category {cat!r} (known: {', '.join(char.category_keys)})"
                )
        row: dict[str, int] = {}
        for cat in char.category_keys:
            if cat not in counts:
                continue
            value = counts[cat]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
                raise ProfileError(
                    f"{char_key}.{cat}: a count must be a whole number, 0 or more (at most {MAX_COUNT})"
                )
            row[cat] = value
        if row:
            out[char_key] = row
    return {k: out[k] for k in CHARACTERISTICS if k in out}


def sums(profile: Profile) -> dict[str, int]:
    """How many people each characteristic was filled in for."""
    return {k: sum(profile.get(k, {}).values()) for k in CHARACTERISTICS}


def total(profile: Profile) -> int:
    """The number of respondents: the largest count over the characteristics."""
    return max(sums(profile).values(), default=0)


def uneven(profile: Profile) -> list[str]:
    """Characteristics filled in for fewer people than the total (worth a second look)."""
    n = total(profile)
    return [k for k, s in sums(profile).items() if k in profile and s != n]


def over_expected(profile: Profile, expected: int | None) -> list[str]:
    """Characteristics that add up to more people than the session expected (none when it
    expected no number)."""
    if not expected:
        return []
    per = sums(profile)
    return [k for k in CHARACTERISTICS if k in profile and per[k] > expected]


def implausible(profile: Profile) -> list[tuple[str, str]]:
    """(characteristic, category) of each count over PLAUSIBLE_COUNT, in the report's order."""
    return [
        (char.key, cat)
        for char in CHARACTERISTICS.values()
        for cat in char.category_keys
        if profile.get(char.key, {}).get(cat, 0) > PLAUSIBLE_COUNT
    ]


def combine(profiles: Iterable[Profile]) -> Profile:
    """The profiles of several sessions added up."""
    out: Profile = {}
    for p in profiles:
        for char_key, counts in p.items():
            row = out.setdefault(char_key, {})
            for cat, n in counts.items():
                row[cat] = row.get(cat, 0) + n
    return normalise(out)


def percent(count: int, of: int) -> str:
    """A share to one decimal, Dutch style, rounded half up: 33 of 130 is "25,4%"."""
    if of <= 0:
        return "0,0%"
    value = (Decimal(count) * 100 / Decimal(of)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{value}%".replace(".", ",")


@dataclass(frozen=True)
class ProfileRow:
    """One line of the appendix table: the characteristic (on its first row only), a category."""

    characteristic: str
    category: str
    count: int
    share: str

    @property
    def cell(self) -> str:
        """The report's way of writing a count with its share: "33 (25,4%)"."""
        return f"{self.count} ({self.share})"


def table(profile: Profile) -> tuple[int, list[ProfileRow]]:
    """The total and the rows of appendix 2 for a profile: every category, with zeros."""
    n = total(profile)
    rows: list[ProfileRow] = []
    for char in CHARACTERISTICS.values():
        counts = profile.get(char.key, {})
        first = True
        for cat, label in char.categories:
            count = counts.get(cat, 0)
            rows.append(ProfileRow(char.label if first else "", label, count, percent(count, n)))
            first = False
        missing = n - sum(counts.values())
        if missing > 0:
            rows.append(ProfileRow("", NOT_FILLED, missing, percent(missing, n)))
    return n, rows
