"""The smaller promises of issue 12: the rate limit counts kept remarks only, the phone's own
language comes first, and every page state has its own title."""

from __future__ import annotations

import logging
import re

import pytest

from facilitator.core import clock as ck
from facilitator.web.app import WebConfig, create_web_app
from facilitator.web.guard import RateLimiter
from facilitator.web.qr import remark_path
from facilitator.web.strings import LANGUAGES, catalogue, from_accept_language

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def field_of(html: str) -> str:
    return re.search(r'name="f" value="([^"]+)"', html).group(1)


def title_of(html: str) -> str:
    return re.search(r"<title>([^<]*)</title>", html).group(1)


@pytest.fixture
def path(store, session_id):
    return remark_path(store.sessions.get(session_id).remark_token)


async def send(client, path, text, lang="nl"):
    page = await client.get(f"{path}?lang={lang}")
    return await client.post(
        f"{path}?lang={lang}",
        data={"text": text, "f": field_of(await page.text())},
        allow_redirects=False,
    )


async def test_refused_posts_do_not_spend_the_rate_limit(
    aiohttp_client, store, session_id, clock, path
):
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    now = [0.0]
    kept = RateLimiter(capacity=2, per_seconds=60, now=lambda: now[0])
    refused = RateLimiter(capacity=6, per_seconds=60, now=lambda: now[0])
    config = WebConfig(clock=clock, limiter=kept, refused_limiter=refused, hold=1)
    client = await aiohttp_client(create_web_app(store, config))
    # A participant corrects a too-long remark three times: each time the real message.
    for _ in range(3):
        resp = await send(client, path, "x" * 1200)
        assert resp.status == 400
        assert "te lang" in await resp.text()
    # The refused limit is looser, but it is a limit: three more refusals, then "slow down".
    for _ in range(3):
        assert (await send(client, path, "   ")).status == 400
    assert (await send(client, path, "   ")).status == 429
    # None of that spent the limit of kept remarks: two go through, then "slow down".
    assert (await send(client, path, "eindelijk kort")).status == 303
    assert (await send(client, path, "en nog een")).status == 303
    resp = await send(client, path, "de derde")
    assert resp.status == 429 and catalogue("nl")["slow_down"] in await resp.text()
    assert "de derde" in await resp.text()  # the words stay
    assert len(store.remarks.list(session_id)) == 2


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("tr-TR,tr;q=0.9,en;q=0.8", "tr"),
        ("de-DE,de;q=0.9,uk;q=0.8,en;q=0.7", "uk"),
        ("en;q=0.3, ar-SY;q=0.9", "ar"),
        ("en-GB", "en"),
        ("fr, de", "nl"),
        ("", "nl"),
        ("*;q=1, ar;q=0", "nl"),
        ("x" * 5000, "nl"),
    ],
)
async def test_the_phones_language_comes_first_with_the_five_links(
    aiohttp_client, store, session_id, clock, path, header, lang, caplog
):
    caplog.set_level(logging.DEBUG)
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    client = await aiohttp_client(create_web_app(store, WebConfig(clock=clock)))
    resp = await client.get(path, headers={"Accept-Language": header})
    html = await resp.text()
    assert f'<html lang="{lang}"' in html
    for code in LANGUAGES:
        assert f'hreflang="{code}"' in html
    # The form sends the language on in its URL, so the answer is in it too.
    assert f'action="{path}?lang={lang}"' in html
    # An explicit choice wins over the phone's.
    resp = await client.get(f"{path}?lang=nl", headers={"Accept-Language": header})
    assert '<html lang="nl"' in await resp.text()
    assert header[:20] not in caplog.text or not header
    assert "Vary" not in resp.headers or "Accept-Language" not in resp.headers.get("Vary", "")


def test_accept_language_parsing_is_bounded():
    assert from_accept_language(",".join(["xx"] * 10000) + ",tr") is None
    assert from_accept_language("tr;q=abc, en") == "en"


async def test_every_page_state_has_its_own_title(aiohttp_client, store, session_id, clock, path):
    client = await aiohttp_client(create_web_app(store, WebConfig(clock=clock, hold=1)))
    titles = {}
    titles["closed"] = title_of(await (await client.get(path)).text())
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    titles["form"] = title_of(await (await client.get(path)).text())
    titles["error"] = title_of(await (await send(client, path, "  ")).text())
    resp = await send(client, path, "dank")
    titles["thanks"] = title_of(await (await client.get(resp.headers["Location"])).text())
    titles["400"] = title_of(
        await (await client.post(path, data=b"text=%FF&f=1", headers=FORM)).text()
    )
    titles["413"] = title_of(
        await (await client.post(path, data=b"x" * 70000, headers=FORM)).text()
    )
    titles["404"] = title_of(await (await client.get("/R/ONBEKEND")).text())
    store.clock.add(session_id, ck.CLOSE, clock.advance(minutes=5))
    titles["ended"] = title_of(await (await client.get(path)).text())
    s = catalogue("nl")
    assert titles == {
        "closed": s["title_closed"],
        "form": s["title"],
        "error": s["title_error"],
        "thanks": s["title_thanks"],
        "400": s["title_error"],
        "413": s["title_error"],
        "404": s["title_not_found"],
        "ended": s["title_ended"],
    }
