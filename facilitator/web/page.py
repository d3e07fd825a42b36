"""The participant pages as HTML: no JavaScript, nothing loaded from elsewhere, every value escaped.

Accessibility (WCAG 2.1 AA basics): the page's language and direction on <html>, a real <label>
for the text field, hints and errors tied to it with aria-describedby, errors announced
(role="alert"), colours of at least 7:1 contrast, a visible focus ring, sizes in rem so the page
reflows at 200% zoom, and touch targets of at least 44 px.
"""

from __future__ import annotations

from html import escape
from urllib.parse import urlencode

from facilitator.web.strings import LANGUAGES, catalogue

STYLE = """
*{box-sizing:border-box}
html{font-size:100%;-webkit-text-size-adjust:100%}
body{margin:0;padding:1rem;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",
"Noto Sans Arabic",Tahoma,sans-serif;font-size:1.125rem;line-height:1.55;color:#111;background:#fff;
overflow-wrap:break-word}
nav,main{max-width:38rem;margin:0 auto}
.langs{display:flex;flex-wrap:wrap;gap:.5rem;list-style:none;margin:0 0 1.25rem;padding:0}
.langs a{display:inline-block;min-height:2.75rem;padding:.55rem .8rem;border:2px solid #0a3d8f;
border-radius:.4rem;color:#0a3d8f;text-decoration:underline}
.langs a[aria-current]{background:#0a3d8f;color:#fff;text-decoration:none}
h1{font-size:1.6rem;line-height:1.25;margin:.25rem 0 .75rem}
p{margin:.5rem 0}
label{display:block;font-weight:700;margin-top:1.25rem}
.hint{color:#333;margin:.25rem 0 .5rem}
textarea{display:block;width:100%;min-height:11rem;padding:.6rem;font:inherit;color:#111;
background:#fff;border:2px solid #333;border-radius:.3rem;resize:vertical}
textarea[aria-invalid=true]{border-color:#a0001c}
button,.button{display:inline-block;max-width:100%;min-height:2.75rem;margin-top:1rem;
padding:.7rem 1.5rem;
font:inherit;font-weight:700;color:#fff;background:#0a3d8f;border:2px solid #0a3d8f;
border-radius:.4rem;text-decoration:none;cursor:pointer}
.error{margin:1rem 0;padding:.75rem 1rem;color:#111;background:#fdecee;
border-inline-start:.4rem solid #a0001c}
a:focus-visible,button:focus-visible,textarea:focus-visible,a:focus,button:focus,textarea:focus{
outline:3px solid #111;outline-offset:3px}
"""


def _query(lang: str, **extra: str) -> str:
    return "?" + urlencode({"lang": lang, **extra})


def _lang_nav(path: str, lang: str) -> str:
    items = []
    for code in LANGUAGES:
        name = catalogue(code)["lang_name"]
        current = ' aria-current="page"' if code == lang else ""
        direction = ' dir="rtl"' if catalogue(code)["dir"] == "rtl" else ""
        items.append(
            f'<li><a href="{escape(path + _query(code))}" lang="{code}" hreflang="{code}"'
            f"{direction}{current}>{escape(name)}</a></li>"
        )
    return (
        f'<nav aria-label="{escape(catalogue(lang)["languages"])}"><ul class="langs">'
        + "".join(items)
        + "</ul></nav>"
    )


def _document(lang: str, path: str | None, body: str, title: str = "title") -> str:
    """A whole page; `path` None: no language links (a request we could not even parse, an
    unknown address: the page must not repeat what was sent)."""
    s = catalogue(lang)
    nav = _lang_nav(path, lang) if path is not None else ""
    return (
        "<!doctype html>\n"
        f'<html lang="{lang}" dir="{escape(s["dir"])}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n<meta name="color-scheme" content="light">\n'
        f"<title>{escape(s[title])}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"{nav}\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


def form_page(
    lang: str,
    path: str,
    form_field: str,
    *,
    max_chars: int,
    text: str = "",
    error: str | None = None,
    error_values: dict[str, int] | None = None,
) -> str:
    """The form: heading, the one sentence on anonymity, the text field and the send button."""
    s = catalogue(lang)
    described = "hint"
    error_html = ""
    if error:
        described = "error hint"
        message = s[error].format(max=max_chars, **(error_values or {}))
        error_html = f'<p class="error" id="error" role="alert">{escape(message)}</p>\n'
    invalid = ' aria-invalid="true"' if error in ("empty", "too_long") else ""
    count = ""
    if error == "too_long" and error_values:
        count = f" {escape(s['count'].format(max=max_chars, **error_values))}"
    body = (
        f"<h1>{escape(s['heading'])}</h1>\n<p>{escape(s['intro'])}</p>\n{error_html}"
        f'<form method="post" action="{escape(path + _query(lang))}" accept-charset="utf-8">\n'
        f'<label for="remark">{escape(s["label"])}</label>\n'
        f'<p class="hint" id="hint">{escape(s["hint"].format(max=max_chars))}{count}</p>\n'
        f'<textarea id="remark" name="text" rows="8" maxlength="{max_chars}" dir="auto" '
        f'autocomplete="off" aria-describedby="{described}"{invalid}>{escape(text)}</textarea>\n'
        f'<input type="hidden" name="f" value="{escape(form_field)}">\n'
        f'<button type="submit">{escape(s["send"])}</button>\n</form>'
    )
    return _document(lang, path, body, "title_error" if error else "title")


def thanks_page(lang: str, path: str) -> str:
    s = catalogue(lang)
    body = (
        f"<h1>{escape(s['thanks_heading'])}</h1>\n<p>{escape(s['thanks_text'])}</p>\n"
        f'<p><a class="button" href="{escape(path + _query(lang))}">{escape(s["another"])}</a></p>'
    )
    return _document(lang, path, body, "title_thanks")


def closed_page(lang: str, path: str, text: str = "", *, ended: bool = False) -> str:
    """Outside the running session (before it, or `ended`); a text that came too late is shown
    back, to be copied."""
    s = catalogue(lang)
    kept = ""
    if text:
        kept = (
            f'\n<label for="remark">{escape(s["label"])}</label>\n'
            f'<textarea id="remark" readonly dir="auto">{escape(text)}</textarea>'
        )
    heading, words = ("ended_heading", "ended_text") if ended else ("closed_heading", "closed_text")
    body = f"<h1>{escape(s[heading])}</h1>\n<p>{escape(s[words])}</p>{kept}"
    return _document(lang, path, body, "title_ended" if ended else "title_closed")


def message_page(lang: str, path: str | None, key: str, *, status: int = 400) -> str:
    """A short page for a request we could not use, with a way back to the form (when we know
    where the form is)."""
    s = catalogue(lang)
    back = ""
    if path is not None:
        back = (
            f'\n<p><a class="button" href="{escape(path + _query(lang))}">'
            f"{escape(s['heading'])}</a></p>"
        )
    body = (
        f'<h1>{escape(s["heading"])}</h1>\n<p class="error" role="alert">{escape(s[key])}</p>{back}'
    )
    return _document(lang, path, body, "title_error")


def not_found_page(lang: str) -> str:
    """The same page for every unknown address (it repeats nothing of the address)."""
    s = catalogue(lang)
    body = f"<h1>{escape(s['not_found_heading'])}</h1>\n<p>{escape(s['not_found_text'])}</p>"
    return _document(lang, None, body, "title_not_found")
