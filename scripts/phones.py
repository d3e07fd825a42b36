"""A phone leaving a remark, for the benches (web, burst, sync): open the page, read its signed
form field, post the text. Only ever pointed at loopback addresses."""

from __future__ import annotations

import re
from typing import Any

FIELD = re.compile(r'name="f" value="([^"]+)"')


async def form_field(http: Any, url: str) -> str:
    """The page's signed form field, as a phone's browser gets it with the page."""
    async with http.get(url) as page:
        match = FIELD.search(await page.text())
    if match is None:
        raise RuntimeError(f"no form on {url}")
    return match.group(1)


async def post_remark(http: Any, url: str, text: str, field: str | None = None) -> int:
    """Post `text` as a phone does and return the status (303: stored). Without `field`, the
    form is opened first, so each remark comes from a fresh page."""
    if field is None:
        field = await form_field(http, url)
    async with http.post(url, data={"text": text, "f": field}, allow_redirects=False) as resp:
        await resp.read()
        return resp.status
