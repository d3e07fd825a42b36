"""The participants' remark server through aiohttp's test client: every rule of the issue."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from facilitator.core import clock as ck
from facilitator.store import Store
from facilitator.web.app import (
    CLIENT_MAX_SIZE,
    MAX_CHARS,
    SECURITY_HEADERS,
    WRITER,
    WebConfig,
    create_web_app,
)
from facilitator.web.guard import FormSigner, RateLimiter
from facilitator.web.qr import participant_url, remark_path
from facilitator.web.strings import LANGUAGES, catalogue

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def start(store: Store, session_id: str, clock, key: str = "welkom") -> None:
    store.clock.add(session_id, ck.START, clock(), {"key": key})


def field_of(html: str) -> str:
    return re.search(r'name="f" value="([^"]+)"', html).group(1)


@pytest.fixture
def path(store, session_id):
    return remark_path(store.sessions.get(session_id).remark_token)


@pytest.fixture
def changes():
    return []


@pytest.fixture
async def client(aiohttp_client, store, clock, changes):
    config = WebConfig(
        clock=clock,
        release_interval=3600,
        hold=1,  # each remark written at once; holding them is tested in test_web_burst.py
        on_change=lambda sid, n: changes.append((sid, n)),
    )
    return await aiohttp_client(create_web_app(store, config))


async def form_field(client, path, lang="nl"):
    resp = await client.get(f"{path}?lang={lang}")
    assert resp.status == 200
    return field_of(await resp.text())


async def send(client, path, text, *, lang="nl", field=None, **kw):
    if field is None:
        field = await form_field(client, path, lang)
    return await client.post(
        f"{path}?lang={lang}", data={"text": text, "f": field}, allow_redirects=False, **kw
    )


def assert_security_headers(resp):
    for name, value in SECURITY_HEADERS.items():
        assert resp.headers.get(name) == value, name
    assert "Set-Cookie" not in resp.headers


class Page(HTMLParser):
    """Collects what an accessibility and no-outside-resources check needs."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def find(self, tag):
        return [a for t, a in self.tags if t == tag]


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


# -- the URL -------------------------------------------------------------------------------


async def test_the_qr_url_path_opens_the_form_and_everything_else_is_a_plain_404(
    client, store, session_id, clock, path
):
    start(store, session_id, clock)
    url = participant_url("http://127.0.0.1:8080", store.sessions.get(session_id).remark_token)
    assert url.endswith(path) and url == url.upper()
    assert (await client.get(path)).status == 200
    other = await store.call(
        store.sessions.create,
        store.sessions.get(session_id).programme,
        "Zwolle",
        "2026-03-02",
        now=clock(),
    )
    wrong = [
        "/",
        "/R/",
        path + "X",
        path[:-1],
        "/favicon.ico",
        "/R/" + "A" * 24,
        "/R/%FF%FE",
        "/R/../etc/passwd",
        path + "/extra",
    ]
    bodies = set()
    for p in wrong:
        resp = await client.get(p)
        assert resp.status == 404, p
        assert_security_headers(resp)
        bodies.add(await resp.text())
    for method in ("PUT", "DELETE", "PATCH"):
        resp = await client.request(method, path)
        assert resp.status == 404
        bodies.add(await resp.text())
    (body,) = bodies  # the same page for every unknown address, repeating nothing of it
    assert catalogue("nl")["not_found_heading"] in body and "<title>" in body
    # Another session's URL works too: the TUI serves every session of its database.
    other_path = remark_path(store.sessions.get(other).remark_token)
    assert (await client.get(other_path)).status == 200


async def test_serving_one_session_hides_the_others(aiohttp_client, store, session_id, clock):
    other = store.sessions.create(
        store.sessions.get(session_id).programme, "Zwolle", "2026-03-02", now=clock()
    )
    client = await aiohttp_client(create_web_app(store, clock=clock, session_id=session_id))
    assert (
        await client.get(remark_path(store.sessions.get(session_id).remark_token))
    ).status == 200
    assert (await client.get(remark_path(store.sessions.get(other).remark_token))).status == 404


# -- the page ------------------------------------------------------------------------------


async def test_the_form_is_plain_html_without_script_or_outside_resources(
    client, store, session_id, clock, path
):
    start(store, session_id, clock)
    resp = await client.get(path)
    assert resp.status == 200
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert_security_headers(resp)
    html = await resp.text()
    page = parse(html)
    assert page.find("html")[0] == {"lang": "nl", "dir": "ltr"}
    assert not page.find("script") and not page.find("img") and not page.find("link")
    assert "http://" not in html and "https://" not in html and "//" not in html.replace("://", "")
    s = catalogue("nl")
    assert f"<h1>{s['heading']}</h1>" in html
    assert s["intro"] in html and "anoniem" not in s["intro"] or "niemand" in s["intro"]
    # A label tied to the text field, hints tied with aria-describedby, one send button.
    (label,) = page.find("label")
    (area,) = page.find("textarea")
    assert label["for"] == area["id"] == "remark"
    assert area["name"] == "text" and area["maxlength"] == str(MAX_CHARS)
    assert area["aria-describedby"] == "hint"
    assert [b.get("type") for b in page.find("button")] == ["submit"]
    (form,) = page.find("form")
    assert form["method"] == "post" and form["action"] == f"{path}?lang=nl"
    viewport = [m for m in page.find("meta") if m.get("name") == "viewport"][0]
    assert "user-scalable" not in viewport["content"] and "maximum-scale" not in viewport["content"]


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_every_language_has_its_page_and_switch(client, store, session_id, clock, path, lang):
    start(store, session_id, clock)
    html = await (await client.get(f"{path}?lang={lang}")).text()
    page = parse(html)
    s = catalogue(lang)
    assert page.find("html")[0] == {"lang": lang, "dir": "rtl" if lang == "ar" else "ltr"}
    assert s["heading"] in html and s["send"] in html and s["label"] in html
    links = {a["hreflang"]: a for a in page.find("a") if a.get("hreflang")}
    assert set(links) == set(LANGUAGES)
    for code, a in links.items():
        assert a["href"] == f"{path}?lang={code}" and a["lang"] == code
        assert ("aria-current" in a) == (code == lang)
    assert links["ar"].get("dir") == "rtl"


async def test_an_unknown_language_falls_back_to_dutch(client, store, session_id, clock, path):
    start(store, session_id, clock)
    for q in ("?lang=xx", "?lang=%FF", "?lang=", "?lang=<script>"):
        resp = await client.get(path + q)
        assert resp.status == 200
        assert '<html lang="nl"' in await resp.text()


def test_catalogues_have_the_same_keys_and_placeholders():
    field = re.compile(r"\{(\w+)\}")
    nl = catalogue("nl")
    for lang in LANGUAGES:
        other = catalogue(lang)
        assert set(other) == set(nl), lang
        for key in nl:
            assert set(field.findall(other[key])) == set(field.findall(nl[key])), (lang, key)
            assert other[key].strip(), (lang, key)
        if lang != "nl":
            # Translated, not copied: the sentences differ from the Dutch ones.
            assert other["intro"] != nl["intro"] and other["send"] != nl["send"]
    assert catalogue("ar")["dir"] == "rtl"
    assert re.search("[\u0600-\u06ff]", catalogue("ar")["intro"])
    assert re.search("[\u0400-\u04ff]", catalogue("uk")["intro"])
    assert re.search("[ğışöüçİ]", catalogue("tr")["intro"])


# -- open only while the session runs ------------------------------------------------------


async def test_closed_before_the_start_and_after_the_close(client, store, session_id, clock, path):
    resp = await client.get(path)
    assert resp.status == 200
    html = await resp.text()
    assert catalogue("nl")["closed_heading"] in html and "<form" not in html
    assert catalogue("nl")["ended_heading"] not in html  # not begun yet: "closed for now"
    field = FormSigner().issue("x")  # any field: the closed check comes with the store
    resp = await send(client, path, "te vroeg", field=field)
    assert resp.status in (403, 409)
    assert store.remarks.list(session_id) == []

    start(store, session_id, clock)
    field = await form_field(client, path)
    store.clock.add(session_id, ck.CLOSE, clock.advance(minutes=5))
    resp = await send(client, path, "te laat, maar bewaar mijn tekst", field=field)
    assert resp.status == 409
    html = await resp.text()
    assert catalogue("nl")["ended_text"] in html  # over: no "try again later"
    assert catalogue("nl")["closed_text"] not in html
    assert "te laat, maar bewaar mijn tekst" in html  # shown back so it can be copied
    assert store.remarks.list(session_id) == []
    resp = await client.get(f"{path}?lang=en")
    assert catalogue("en")["ended_heading"] in await resp.text()


async def test_a_remark_is_stored_with_its_block_as_slot(client, store, session_id, clock, path):
    start(store, session_id, clock)
    store.clock.add(session_id, ck.START, clock.advance(minutes=80), {"key": "pauze1"})
    clock.advance(minutes=7, seconds=13)
    resp = await send(client, path, "In de pauze durf ik het wel te zeggen.")
    assert resp.status == 303
    assert resp.headers["Location"] == f"{path}?lang=nl&sent=1"
    assert_security_headers(resp)
    (remark,) = store.remarks.list(session_id)
    assert remark["slot"] == "Pauze 1"
    assert remark["text"] == "In de pauze durf ik het wel te zeggen."
    assert set(remark) == {"id", "slot", "text", "hidden", "released"}


async def test_thank_you_page_offers_another_remark(client, store, session_id, clock, path):
    start(store, session_id, clock)
    resp = await send(client, path, "Dank", lang="tr")
    assert resp.status == 303
    resp = await client.get(resp.headers["Location"])
    html = await resp.text()
    s = catalogue("tr")
    assert s["thanks_heading"] in html and s["another"] in html
    assert f'href="{path}?lang=tr"' in html


# -- bad input: polite pages, 400s, never a 500 ------------------------------------------


async def test_empty_or_blank_is_refused_politely(client, store, session_id, clock, path):
    start(store, session_id, clock)
    for text in ("", "   ", "\n\t \r\n", "\x1b\x07"):
        resp = await send(client, path, text)
        assert resp.status == 400
        html = await resp.text()
        assert catalogue("nl")["empty"] in html and 'role="alert"' in html
        assert 'aria-invalid="true"' in html and 'aria-describedby="error hint"' in html
    assert store.remarks.list(session_id) == []


async def test_too_long_shows_the_count_and_keeps_the_text(client, store, session_id, clock, path):
    start(store, session_id, clock)
    text = "ا" * (MAX_CHARS + 234)
    resp = await send(client, path, text, lang="ar")
    assert resp.status == 400
    html = await resp.text()
    s = catalogue("ar")
    assert s["too_long"].format(count=MAX_CHARS + 234, max=MAX_CHARS) in html
    assert s["count"].format(count=MAX_CHARS + 234, max=MAX_CHARS) in html
    assert text in html
    assert store.remarks.list(session_id) == []
    resp = await send(client, path, "x" * MAX_CHARS)
    assert resp.status == 303


async def test_a_body_over_the_cap_gets_a_friendly_413(client, store, session_id, clock, path):
    start(store, session_id, clock)
    field = await form_field(client, path)
    body = f"f={field}&text=" + "a" * CLIENT_MAX_SIZE
    resp = await client.post(path, data=body.encode(), headers=FORM)
    assert resp.status == 413
    assert catalogue("nl")["too_big"] in await resp.text()
    assert_security_headers(resp)

    async def chunks():  # no Content-Length: the cap still holds while reading
        for _ in range(CLIENT_MAX_SIZE // 1000 + 2):
            yield b"a" * 1000

    resp = await client.post(path, data=chunks(), headers=FORM)
    assert resp.status == 413
    assert store.remarks.list(session_id) == []


@pytest.mark.parametrize(
    "body, headers",
    [
        (b"text=%FF%FE&f=x", FORM),  # invalid UTF-8, percent-encoded
        (b"text=\xff\xfe", FORM),  # invalid UTF-8, raw
        (b"text=hoi", {"Content-Type": "application/x-www-form-urlencoded; charset=klingon"}),
        (b"text=hoi", {"Content-Type": "application/x-www-form-urlencoded; charset=latin-1"}),
        (b"text=hoi", {"Content-Type": "text/plain"}),
        (b'{"text": "hoi"}', {"Content-Type": "application/json"}),
        (
            b"--x\r\nContent-Disposition: form-data; name=text\r\n\r\nhoi\r\n--x--",
            {"Content-Type": "multipart/form-data; boundary=x"},
        ),
        (b"text=hoi", {"Content-Type": "application/x-www-form-urlencoded; charset"}),
        (b"text=hoi", {"Content-Type": ";;;==="}),
        (b"&".join(b"a%d=1" % i for i in range(1000)), FORM),  # a flood of fields
        (b"text=a&text=b", FORM),  # a field twice
        (b"text=hoi&other=1", FORM),  # a field the form does not have
        (b"", FORM),
        (b"text=only-text", FORM),
        (b"text=hoi&f=x", {**FORM, "Content-Encoding": "gzip"}),  # says gzip, is not
        (b"text=hoi&f=x", {**FORM, "Content-Encoding": "deflate"}),
    ],
    ids=[
        "bad-utf8-escaped",
        "bad-utf8-raw",
        "bogus-charset",
        "latin-1",
        "text-plain",
        "json",
        "multipart",
        "charset-without-value",
        "garbage-type",
        "field-flood",
        "field-twice",
        "unknown-field",
        "empty-body",
        "no-form-field",
        "not-gzip",
        "not-deflate",
    ],
)
async def test_malformed_posts_get_400_never_500(
    client, store, session_id, clock, path, body, headers
):
    start(store, session_id, clock)
    resp = await client.post(path, data=body, headers=headers)
    assert resp.status == 400, await resp.text()
    assert_security_headers(resp)
    assert "Traceback" not in await resp.text()
    assert store.remarks.list(session_id) == []


async def test_post_without_content_type_is_400(client, store, session_id, clock, path):
    start(store, session_id, clock)
    resp = await client.post(path, data=b"text=hoi", headers={"Content-Type": ""})
    assert resp.status == 400


# -- the signed form field and cross-site posts ------------------------------------------


async def test_the_form_field_must_be_genuine_fresh_and_for_this_url(
    aiohttp_client, store, session_id, clock, path
):
    start(store, session_id, clock)
    now = [1_000_000.0]
    signer = FormSigner(now=lambda: now[0], ttl=3600)
    client = await aiohttp_client(
        create_web_app(store, clock=clock, signer=signer, limiter=None, hold=1)  # many posts here
    )
    good = await form_field(client, path)
    exp, nonce, mac = good.split(".")
    forged = [
        "",
        "x",
        f"{int(exp) + 99999}.{nonce}.{mac}",
        f"{exp}.{nonce}.{'0' * 32}",
        FormSigner().issue(path[3:]),  # another server's secret
        signer.issue("SOMEOTHERTOKEN"),  # another session's page
        "9" * 200,
        f"{exp}.{nonce}.{mac[:-1]}é",  # not ASCII: hmac.compare_digest would raise on it
        f"²{exp}.{nonce}.{mac}",  # a digit to str.isdigit, not to int()
    ]
    for value in forged:
        resp = await send(client, path, "vals", field=value)
        assert resp.status == 403, value
    resp = await client.post(path, data={"text": "geen veld"})
    assert resp.status == 400
    now[0] += 3601
    resp = await send(client, path, "Lang getypt, nog niet weg", field=good)
    assert resp.status == 400
    html = await resp.text()
    assert catalogue("nl")["expired"] in html and "Lang getypt, nog niet weg" in html
    fresh = field_of(html)
    assert (await send(client, path, "Lang getypt, nog niet weg", field=fresh)).status == 303
    assert [r["text"] for r in store.remarks.list(session_id)] == ["Lang getypt, nog niet weg"]


async def test_a_page_sent_twice_stores_one_remark(client, store, session_id, clock, path):
    start(store, session_id, clock)
    field = await form_field(client, path)
    first = await send(client, path, "dubbel verzonden", field=field)
    again = await send(client, path, "dubbel verzonden", field=field)  # double tap, or back + send
    assert first.status == again.status == 303
    assert again.headers["Location"] == first.headers["Location"]  # the thank-you page
    assert [r["text"] for r in store.remarks.list(session_id)] == ["dubbel verzonden"]
    # A page whose remark could not be stored may send it again.
    field = await form_field(client, path)
    assert (await send(client, path, "   ", field=field)).status == 400
    assert (await send(client, path, "nu wel", field=field)).status == 303


async def test_a_restart_or_another_app_on_the_database_accepts_pages_already_open(
    aiohttp_client, store, session_id, clock, path, db_path
):
    start(store, session_id, clock)
    before = await aiohttp_client(create_web_app(store, clock=clock, hold=1))
    field = await form_field(before, path)
    other = Store.open(db_path)  # `facilitator serve`, or the app after a crash, on this file
    try:
        after = await aiohttp_client(create_web_app(other, clock=clock, hold=1))
        resp = await send(after, path, "na de herstart", field=field)
        assert resp.status == 303
    finally:
        other.close()
    assert [r["text"] for r in store.remarks.list(session_id)] == ["na de herstart"]


async def test_a_field_that_fails_the_check_keeps_the_words(client, store, session_id, clock, path):
    start(store, session_id, clock)
    resp = await send(client, path, "Dit wil ik echt kwijt", field="1.2.3")
    assert resp.status == 403
    html = await resp.text()
    assert "Dit wil ik echt kwijt" in html
    assert (await send(client, path, "Dit wil ik echt kwijt", field=field_of(html))).status == 303


async def test_a_post_from_another_site_is_refused(client, store, session_id, clock, path):
    start(store, session_id, clock)
    resp = await send(client, path, "van elders", headers={"Origin": "http://evil.example"})
    assert resp.status == 403
    # Browsers send "null" when the referrer policy is no-referrer; that is our own page.
    resp = await send(client, path, "van hier", headers={"Origin": "null"})
    assert resp.status == 303
    host = f"http://{client.server.host}:{client.server.port}"
    resp = await send(client, path, "van hier ook", headers={"Origin": host})
    assert resp.status == 303
    assert sorted(r["text"] for r in store.remarks.list(session_id)) == ["van hier", "van hier ook"]


# -- rate limit ----------------------------------------------------------------------------


async def test_rate_limit_per_client_held_in_memory(aiohttp_client, store, session_id, clock, path):
    start(store, session_id, clock)
    now = [0.0]
    limiter = RateLimiter(capacity=3, per_seconds=60, now=lambda: now[0])
    client = await aiohttp_client(create_web_app(store, clock=clock, limiter=limiter, hold=1))
    for i in range(3):
        assert (await send(client, path, f"snel {i}")).status == 303
    resp = await send(client, path, "te snel")
    assert resp.status == 429
    html = await resp.text()
    assert catalogue("nl")["slow_down"] in html and "te snel" in html
    assert_security_headers(resp)
    now[0] += 20  # one token back after a third of the minute
    assert (await send(client, path, "weer mag het")).status == 303
    assert (await send(client, path, "nog niet")).status == 429
    # What it holds is a keyed hash, not the address.
    assert len(limiter) == 1
    (key,) = limiter._buckets
    assert isinstance(key, bytes) and b"127.0.0.1" not in key and len(key) == 12


def test_rate_limiter_forgets_the_longest_idle_clients_first():
    now = [0.0]
    limiter = RateLimiter(capacity=1, per_seconds=60, now=lambda: now[0], max_clients=3)
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"):
        assert limiter.allow(ip)
    assert len(limiter) == 3
    assert limiter.allow("10.0.0.1")  # forgotten, so it starts afresh
    assert not limiter.allow("10.0.0.4")


# -- batches, headers, failures -------------------------------------------------------------


async def test_remarks_are_released_in_batches(client, store, session_id, clock, path, changes):
    start(store, session_id, clock)
    await store.call(store.remarks.set_batch_size, 3)
    for text in ("een", "twee"):
        assert (await send(client, path, text)).status == 303
    assert store.remarks.counts(session_id) == {"waiting": 2, "shown": 0, "hidden": 0}
    assert store.remarks.list(session_id, released_only=True) == []
    assert (await send(client, path, "drie")).status == 303
    assert store.remarks.counts(session_id) == {"waiting": 0, "shown": 3, "hidden": 0}
    assert changes == [(session_id, 0), (session_id, 0), (session_id, 3)]
    # A lone remark waits for the end of its block, then shows.
    assert (await send(client, path, "vier")).status == 303
    assert store.remarks.release_due(session_id, now=clock()) == 0
    store.clock.add(session_id, ck.START, clock.advance(minutes=20), {"key": "fase1"})
    assert store.remarks.release_due(session_id, now=clock()) == 1
    assert store.remarks.counts(session_id)["waiting"] == 0


async def test_the_server_releases_by_itself_when_a_block_ends(
    aiohttp_client, store, session_id, clock, path
):
    import asyncio

    start(store, session_id, clock)
    released = asyncio.Event()
    seen = []

    def changed(sid, n):
        seen.append(n)
        if n:
            released.set()

    config = WebConfig(clock=clock, release_interval=0.05, on_change=changed)
    client = await aiohttp_client(create_web_app(store, config))
    assert (await send(client, path, "alleen ik")).status == 303
    await asyncio.sleep(0.2)
    # Held in memory, not on disk, until its block ends.
    assert client.server.app[WRITER].held_count(session_id) == 1
    assert store.remarks.counts(session_id)["waiting"] == 0
    store.clock.add(session_id, ck.START, clock.advance(minutes=21), {"key": "fase1"})
    await asyncio.wait_for(released.wait(), 30)
    assert store.remarks.counts(session_id) == {"waiting": 0, "shown": 1, "hidden": 0}


async def test_a_database_failure_is_a_polite_503_that_keeps_the_text(
    client, store, session_id, clock, path, monkeypatch
):
    import sqlite3

    start(store, session_id, clock)
    field = await form_field(client, path)

    def broken(*a, **kw):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store.remarks, "write_group", broken)
    resp = await send(client, path, "Mijn tekst blijft staan", field=field)
    assert resp.status == 503
    html = await resp.text()
    assert catalogue("nl")["failed"] in html and "Mijn tekst blijft staan" in html
    assert_security_headers(resp)


async def test_an_unexpected_error_is_a_plain_page_with_headers(
    client, store, session_id, clock, path, monkeypatch
):
    start(store, session_id, clock)

    def bug(*a, **kw):
        raise KeyError("a bug")

    monkeypatch.setattr(store.remarks, "slot_now", bug)
    resp = await client.get(path)
    assert resp.status == 500
    assert_security_headers(resp)
    assert "Traceback" not in await resp.text() and "KeyError" not in await resp.text()


async def test_typed_text_is_escaped_in_the_page(client, store, session_id, clock, path):
    start(store, session_id, clock)
    nasty = '</textarea><script>alert(1)</script><img src=x onerror=alert(2)>"&'
    resp = await send(client, path, nasty + "x" * MAX_CHARS)
    html = await resp.text()
    assert "<script>" not in html and "<img" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;" in html
    resp = await client.get(path + "?lang=" + quote('"><script>'))
    assert "<script>" not in await resp.text()


@pytest.mark.parametrize(
    "raw",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /R/x HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"a" * 20000 + b"\r\n\r\n",
    ],
    ids=["bad-request-line", "bad-content-length", "huge-header"],
)
async def test_requests_aiohttp_cannot_parse_still_get_the_headers(store, caplog, raw):
    import asyncio
    import logging

    from facilitator.web.server import RemarkServer, WebOptions

    caplog.set_level(logging.DEBUG)
    server = RemarkServer(store, WebOptions(host="127.0.0.1", port=0))
    await server.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(raw)
        await writer.drain()
        answer = b""
        while b"</html>" not in answer:
            chunk = await asyncio.wait_for(reader.read(65536), 5)
            if not chunk:
                break
            answer += chunk
        writer.close()
    finally:
        await server.stop()
    head, _, body = answer.decode().partition("\r\n\r\n")
    assert head.startswith("HTTP/1.") and " 400 " in head.splitlines()[0]
    # Our own page, in Dutch with a title, repeating nothing of what was sent.
    assert "<title>" in body and catalogue("nl")["bad_request"] in body
    assert "GARBAGE" not in body and "abc" not in body and "aaaa" not in body
    for name, value in SECURITY_HEADERS.items():
        assert f"{name}: {value}" in head, name
    assert "127.0.0.1" not in caplog.text


async def test_a_remark_cannot_disguise_itself_with_bidi_overrides(
    client, store, session_id, clock, path
):
    start(store, session_id, clock)
    assert (await send(client, path, "Dit is \u202eslecht\u202c nieuws")).status == 303
    assert [r["text"] for r in store.remarks.list(session_id)] == ["Dit is slecht nieuws"]


async def test_an_address_typed_in_lower_case_works_too(client, store, session_id, clock, path):
    start(store, session_id, clock)
    typed = path.lower()
    assert typed != path
    resp = await client.get(typed)
    assert resp.status == 200
    assert (await send(client, typed, "met de hand getypt")).status == 303
    assert [r["text"] for r in store.remarks.list(session_id)] == ["met de hand getypt"]
    # Still the whole token: its last letter changed (to one it is not: tokens are random, and
    # one in 32 ends in x) is another address.
    other = "y" if typed[-1] == "x" else "x"
    assert (await client.get(typed[:-1] + other)).status == 404
