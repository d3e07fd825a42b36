"""The participants' URL and its QR code: the matrix for the terminal, PNG and SVG for table cards.

The URL is written in upper case (`HTTP://192.168.1.23:8080/R/K7QX...`) so the QR code can use the
denser alphanumeric mode: a smaller code that a phone scans more easily from across a table. The
path is upper case too, and the server's route matches exactly that path.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks
PATH_PREFIX = "/R/"
_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")


def public_token(remark_token: str) -> str:
    """The URL form of a session's remark token: 24 upper-case base32 characters (120 bits).

    Derived by hashing, so it works for any stored token and reveals nothing about it.
    """
    digest = hashlib.sha256(b"facilitator-remarks\0" + remark_token.encode("utf-8")).digest()
    return base64.b32encode(digest[:15]).decode("ascii")


def remark_path(remark_token: str) -> str:
    return PATH_PREFIX + public_token(remark_token)


def participant_url(base_url: str, remark_token: str) -> str:
    """The address a phone opens: scheme and host upper-cased, the base's own path kept as is."""
    parts = urlsplit(base_url.strip())
    scheme = (parts.scheme or "http").upper()
    base_path = parts.path.rstrip("/")
    return f"{scheme}://{parts.netloc.upper()}{base_path}{remark_path(remark_token)}"


def is_alphanumeric(text: str) -> bool:
    """True when the whole text fits the QR code's dense alphanumeric mode."""
    return set(text) <= _ALPHANUMERIC


def qr_code(url: str):  # -> qrcode.QRCode
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    # Medium error correction: survives glare on a laptop screen and a crease in a table card.
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE)
    code.add_data(url)
    code.make(fit=True)
    return code


def qr_matrix(url: str) -> list[list[bool]]:
    """The modules of the URL's QR code, True for dark, with the quiet zone included."""
    return [[bool(v) for v in row] for row in qr_code(url).get_matrix()]


def write_png(url: str, path: Path, *, box_size: int = 16) -> Path:
    """A black-on-white PNG of the code (pypng, no Pillow needed), about 10 cm wide at 300 dpi."""
    from qrcode.image.pure import PyPNGImage

    code = qr_code(url)
    code.box_size = box_size
    image = code.make_image(image_factory=PyPNGImage)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        image.save(fh)
    return path


def svg_card(url: str, lines: list[tuple[str, str]]) -> str:
    """An SVG table card: the code as one path of unit squares, under it a few lines of text.

    `lines` are (language code, text) pairs; every text is escaped.
    """
    matrix = qr_matrix(url)
    n = len(matrix)
    squares = "".join(
        f"M{x} {y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    line_height = 2.2
    height = n + len(lines) * line_height + 2
    texts = []
    for i, (lang, text) in enumerate(lines):
        y = n + 1 + (i + 0.6) * line_height
        direction = ' direction="rtl"' if lang == "ar" else ""
        texts.append(
            f'<text x="{n / 2:g}" y="{y:.2f}" lang="{escape(lang)}" text-anchor="middle"'
            f"{direction}>{escape(text)}</text>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {height:.2f}" '
        f'width="{n * 2.5:g}mm" height="{height * 2.5:.2f}mm" role="img" '
        f'aria-label="{escape(url)}">\n'
        f'<rect width="{n}" height="{height:.2f}" fill="#ffffff"/>\n'
        f'<path d="{squares}" fill="#000000" shape-rendering="crispEdges"/>\n'
        '<g font-family="sans-serif" font-size="1.3" fill="#000000">\n'
        + "\n".join(texts)
        + "\n</g>\n</svg>\n"
    )


def write_svg(url: str, path: Path, lines: list[tuple[str, str]] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(svg_card(url, lines or [("", url)]), encoding="utf-8")
    return path


def card_lines(url: str) -> list[tuple[str, str]]:
    """What a table card says under the code: the page title in every language, then the URL."""
    from facilitator.web.strings import LANGUAGES, catalogue

    return [(lang, catalogue(lang)["title"]) for lang in LANGUAGES] + [("", url)]


def write_card_files(url: str, folder: Path, stem: str) -> tuple[Path, Path]:
    """`<stem>.png` and `<stem>.svg` in `folder`, for printing table cards."""
    folder = Path(folder)
    return (
        write_png(url, folder / f"{stem}.png"),
        write_svg(url, folder / f"{stem}.svg", card_lines(url)),
    )
