"""Textual's parsed CSS is kept between starts, and a screen styled from it is the same."""

from __future__ import annotations

import pickle

from facilitator.core import clock as ck
from facilitator.tui import css_cache
from facilitator.tui.app import make_app
from tests.support import until


def _screenshot_and_cache(store, session_id, clock):
    """Start the app at 120x40, wait for its first paint and what it keeps, then screenshot;
    with what the start found kept."""
    found = []
    real = css_cache.preload

    def preload(stylesheet, file):
        found.append(real(stylesheet, file))
        return found[-1]

    async def run():
        css_cache.preload = preload
        try:
            app = make_app(store, session_id=session_id, clock=clock, poll_interval=0)
        finally:
            css_cache.preload = real
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app._services_started, what="the first paint")
            await app.workers.wait_for_complete()
            await pilot.pause()
            return found[0], app.export_screenshot(), app._css_file

    return run()


async def test_a_screen_styled_from_the_kept_css_is_the_same(
    store, session_id, clock, tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    store.clock.add(session_id, ck.START, clock(), {"key": "welkom"})
    known, parsed_shot, file = await _screenshot_and_cache(store, session_id, clock)
    assert known == frozenset()  # nothing kept yet: all parsed
    assert file.exists()  # ... and kept once the screen was painted
    known, kept_shot, _file = await _screenshot_and_cache(store, session_id, clock)
    assert known  # this start found its CSS parsed
    strip = lambda svg: svg.split("<style>", 1)[1]  # noqa: E731  (the title/ids around it vary)
    assert strip(kept_shot) == strip(parsed_shot)
    written = file.stat().st_mtime_ns
    await _screenshot_and_cache(store, session_id, clock)
    assert file.stat().st_mtime_ns == written  # nothing new parsed: not written again


async def test_a_damaged_or_foreign_cache_is_no_cache(
    store, session_id, clock, tmp_path, monkeypatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _known, _shot, file = await _screenshot_and_cache(store, session_id, clock)
    identity, entries = pickle.loads(file.read_bytes())
    other_theme = (*identity[:-1], (("primary", "#ff0000"),))
    file.write_bytes(pickle.dumps((other_theme, entries)))
    known, _shot, _file = await _screenshot_and_cache(store, session_id, clock)
    assert known == frozenset()  # other theme variables: parsed again
    file.write_bytes(b"\x80\x05garbage")
    known, _shot, _file = await _screenshot_and_cache(store, session_id, clock)
    assert known == frozenset()
    assert pickle.loads(file.read_bytes())[0] == identity  # and kept whole again


def test_the_cache_file_is_per_installed_copy(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    one = css_cache.cache_file(tmp_path / "a" / "app.tcss")
    two = css_cache.cache_file(tmp_path / "b" / "app.tcss")
    assert one.parent == two.parent == tmp_path / "facilitator" and one != two


async def test_a_first_start_keeps_its_css_before_it_paints(store, session_id, clock, tmp_path):
    """A start that ends right after its first paint (a quick look, a benchmark's kill) still
    leaves the parsed CSS for the next one: it is kept before the first frame is written."""
    app = make_app(store, session_id=session_id, clock=clock, poll_interval=0)
    app._css_file = tmp_path / "styles"
    app._css_known = frozenset()
    painted_before = []
    real = css_cache.keep

    def keep(what, file):
        painted_before.append(app._services_started)
        real(what, file)

    css_cache.keep = keep
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app._services_started, what="the first paint")
            await app.workers.wait_for_complete()
    finally:
        css_cache.keep = real
    assert painted_before[0] is False and (tmp_path / "styles").exists()
