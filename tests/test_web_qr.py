"""The participant URL and its QR code: decoded back with a real QR reader (zxing-cpp) from the
matrix, the PNG and SVG files, and the half blocks the terminal shows."""

from __future__ import annotations

import re

import png
import pytest
import zxingcpp

from facilitator.tui.widgets.qr import DARK, LIGHT, QRCode, fit_scale, half_block_text
from facilitator.web.net import detect_lan_address, usable
from facilitator.web.qr import (
    QUIET_ZONE,
    is_alphanumeric,
    participant_url,
    public_token,
    qr_matrix,
    remark_path,
    write_card_files,
)
from facilitator.web.server import RemarkServer, WebOptions, resolve_options

URL = participant_url("http://192.168.1.23:8080", "k7QX-secret_token")


def decode(pixels: list[list[bool]], scale: int = 4) -> list[str]:
    """Read QR codes from a grid of dark (True) pixels, blown up so the reader has room."""
    rows = [
        bytes(0 if v else 255 for v in row for _ in range(scale))
        for row in pixels
        for _ in range(scale)
    ]
    data = b"".join(rows)
    image = memoryview(data).cast("B", shape=[len(rows), len(rows[0])])
    return [r.text for r in zxingcpp.read_barcodes(image)]


def test_url_is_upper_case_alphanumeric_with_an_unguessable_token():
    assert URL.startswith("HTTP://192.168.1.23:8080/R/")
    assert URL == URL.upper() and is_alphanumeric(URL)
    token = public_token("k7QX-secret_token")
    assert re.fullmatch(r"[A-Z2-7]{24}", token)  # 120 bits
    assert public_token("another") != token
    assert remark_path("k7QX-secret_token") == "/R/" + token
    # An override keeps its own path; only scheme and host change case.
    assert participant_url("https://zaal.example/opm/", "t").startswith(
        "HTTPS://ZAAL.EXAMPLE/opm/R/"
    )


def test_the_matrix_decodes_to_the_url_and_keeps_a_quiet_zone():
    matrix = qr_matrix(URL)
    assert decode(matrix) == [URL]
    n = len(matrix)
    assert n <= 29 + 2 * QUIET_ZONE  # version 3 or smaller thanks to the alphanumeric mode
    for i in range(QUIET_ZONE):
        assert not any(matrix[i]) and not any(matrix[n - 1 - i])
        assert not any(row[i] for row in matrix) and not any(row[n - 1 - i] for row in matrix)


def text_pixels(text) -> list[list[bool]]:
    """Rebuild the pixel grid from half-block text: each cell is a top and a bottom pixel."""
    rows: list[list[bool]] = []
    for line in text.split("\n"):
        top, bottom = [], []
        for span_text, style in [(s.text, s.style) for s in line.render(_console())]:
            assert set(span_text) <= {"▀"}
            fg, bg = style.color.triplet.hex, style.bgcolor.triplet.hex
            assert {fg, bg} <= {DARK, LIGHT}  # explicit colours, never the theme's
            top += [fg == DARK] * len(span_text)
            bottom += [bg == DARK] * len(span_text)
        rows += [top, bottom]
    return rows


def _console():
    from rich.console import Console

    return Console(width=400, color_system="truecolor")


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_half_blocks_decode_to_the_url(scale):
    matrix = qr_matrix(URL)
    text = half_block_text(matrix, scale)
    lines = text.plain.split("\n")
    n = len(matrix)
    assert len(lines) == -(-n * scale // 2) and {len(line) for line in lines} == {n * scale}
    pixels = text_pixels(text)
    assert decode(pixels, scale=2) == [URL]


def test_fit_scale_grows_with_the_room_and_never_below_one():
    assert fit_scale(37, 40, 20) == 1
    assert fit_scale(37, 80, 40) == 2
    assert fit_scale(37, 200, 100) == 5
    assert fit_scale(37, 10, 5) == 1


def test_png_and_svg_card_files_decode_to_the_url(tmp_path):
    png_path, svg_path = write_card_files(URL, tmp_path / "kaartjes", "opmerkingen-utrecht")
    assert png_path.name == "opmerkingen-utrecht.png" and svg_path.suffix == ".svg"
    width, height, rows, info = png.Reader(filename=str(png_path)).read()
    planes, top = info["planes"], 2 ** info["bitdepth"] - 1
    pixels = [[row[i] < top / 2 for i in range(0, width * planes, planes)] for row in rows]
    assert width == height == len(qr_matrix(URL)) * 16
    assert decode(pixels, scale=1) == [URL]

    svg = svg_path.read_text(encoding="utf-8")
    assert "<script" not in svg and "href" not in svg
    n = len(qr_matrix(URL))
    grid = [[False] * n for _ in range(n)]
    for x, y in re.findall(r"M(\d+) (\d+)h1v1h-1z", svg):
        grid[int(y)][int(x)] = True
    assert decode(grid) == [URL]
    assert "ملاحظة مجهولة الهوية" in svg and "Anonieme opmerking" in svg and URL in svg


def test_the_svg_escapes_what_it_prints(tmp_path):
    from facilitator.web.qr import svg_card

    svg = svg_card(URL, [("nl", '<script>alert("x")</script> & co')])
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "&amp; co" in svg


async def test_the_widget_draws_the_code_in_the_app(store, session_id, clock):
    from textual.app import App

    class One(App):
        def compose(self):
            yield QRCode(URL, id="qr")

    app = One()
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        widget = app.query_one(QRCode)
        n = len(widget.matrix)
        assert widget.size.width == n and widget.size.height == -(-n // 2)
        assert decode(text_pixels(widget.render()), scale=2) == [URL]


# -- where phones find the laptop --------------------------------------------------------------


def test_base_url_uses_the_detected_address_or_says_there_is_no_network(store):
    found = RemarkServer(store, WebOptions(host="0.0.0.0", port=8080), detect=lambda: "10.1.2.3")
    assert found.base_url() == ("http://10.1.2.3:8080", None)
    lost = RemarkServer(store, WebOptions(host="0.0.0.0", port=8080), detect=lambda: None)
    assert lost.base_url() == ("http://127.0.0.1:8080", "no_network")
    local = RemarkServer(store, WebOptions(host="127.0.0.1", port=9000))
    assert local.base_url() == ("http://127.0.0.1:9000", "loopback")
    chosen = RemarkServer(store, WebOptions(host="192.168.5.5", port=9000))
    assert chosen.base_url() == ("http://192.168.5.5:9000", None)
    override = RemarkServer(store, WebOptions(url="http://zaal.local:8080"), detect=lambda: None)
    assert override.url_for("tok") == (participant_url("http://zaal.local:8080", "tok"), None)
    six = RemarkServer(store, WebOptions(host="0.0.0.0", port=80), detect=lambda: "fd00::5")
    assert six.base_url() == ("http://[fd00::5]:80", None)


def test_detected_address_is_usable_or_none():
    address = detect_lan_address()
    assert address is None or usable(address)
    assert not usable("127.0.0.1") and not usable("0.0.0.0") and not usable("169.254.1.1")
    assert usable("192.168.1.23") and not usable("not an address")


def test_options_come_from_arguments_then_environment():
    env = {
        "FACILITATOR_HOST": "127.0.0.1",
        "FACILITATOR_PORT": "9999",
        "FACILITATOR_URL": "http://x:1",
    }
    opts = resolve_options({}, env)
    assert (opts.host, opts.port, opts.url, opts.enabled, opts.port_given) == (
        "127.0.0.1",
        9999,
        "http://x:1",
        True,
        True,
    )
    opts = resolve_options({"host": "0.0.0.0", "port": 0}, env)
    assert (opts.host, opts.port) == ("0.0.0.0", 0)
    assert resolve_options({}, {}) == WebOptions()
    assert not resolve_options({}, {"FACILITATOR_WEB": "0"}).enabled
    assert resolve_options({"enabled": True}, {"FACILITATOR_WEB": "off"}).enabled
    with pytest.raises(ValueError):
        resolve_options({}, {"FACILITATOR_PORT": "lots"})
    with pytest.raises(ValueError):
        resolve_options({"port": 70000}, {})


async def test_server_starts_on_a_free_port_and_stops_twice(store):
    import aiohttp

    server = RemarkServer(store, WebOptions(host="127.0.0.1", port=0))
    await server.start()
    assert server.running and server.port > 0
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{server.port}/nothing") as resp:
            assert resp.status == 404
    # The default port busy: the next one is taken instead; an explicit busy port is an error.
    busy = RemarkServer(store, WebOptions(host="127.0.0.1", port=server.port))
    await busy.start()
    assert busy.port == server.port + 1 or busy.port > server.port
    await busy.stop()
    strict = RemarkServer(store, WebOptions(host="127.0.0.1", port=server.port, port_given=True))
    with pytest.raises(OSError, match="al in gebruik"):
        await strict.start()
    await server.stop()
    await server.stop()
    assert not server.running
