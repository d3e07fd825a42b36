"""Protection for the participants' form: a signed, expiring, single-use hidden field and a rate
limit.

The field's signing key is kept in the database (`Remarks.form_secret`), so a page opened before
the app restarted, or served by another app on the same database, still sends; it says nothing
about anyone. The fields already used and the rate limit live only in memory. The rate limit keys
clients by a keyed hash of their address that changes every time the server starts; neither the
address nor the hash is written anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable

FORM_TTL_SECONDS = 6 * 3600  # a page opened at the start of the day still sends at its end


class FormSigner:
    """Issues and checks the hidden form field `<expiry>.<nonce>.<mac>` bound to one session URL."""

    def __init__(
        self,
        secret: bytes | None = None,
        *,
        ttl: float = FORM_TTL_SECONDS,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._secret = secret or secrets.token_bytes(32)
        self.secret_given = secret is not None
        self.ttl = ttl
        self._now = now
        self._spent: dict[str, int] = {}  # nonce -> expiry of the fields a remark was sent with

    def use_secret(self, secret: bytes) -> None:
        """Sign with this key from now on (the one kept in the database)."""
        self._secret = secret
        self.secret_given = True

    def _mac(self, scope: str, expiry: str, nonce: str) -> str:
        msg = f"{scope}|{expiry}|{nonce}".encode()
        return hmac.new(self._secret, msg, hashlib.sha256).hexdigest()[:32]

    def issue(self, scope: str) -> str:
        expiry = str(int(self._now() + self.ttl))
        nonce = secrets.token_urlsafe(9)
        return f"{expiry}.{nonce}.{self._mac(scope, expiry, nonce)}"

    def check(self, scope: str, value: str | None) -> str:
        """ "ok", "expired" (genuine but too old) or "bad" (missing, altered, another session's)."""
        # ASCII only: hmac.compare_digest raises on other text, and int() refuses digits such
        # as "²" that str.isdigit() accepts.
        if not value or len(value) > 100 or not value.isascii():
            return "bad"
        parts = value.split(".")
        if len(parts) != 3 or not parts[0].isdigit():
            return "bad"
        expiry, nonce, mac = parts
        if not hmac.compare_digest(mac, self._mac(scope, expiry, nonce)):
            return "bad"
        return "ok" if int(expiry) >= self._now() else "expired"

    def claim(self, value: str) -> bool:
        """Mark a checked field as used for a remark; False when it was used already (the same
        page sent twice: a double tap on a slow network, or back and send again)."""
        expiry, nonce, _ = value.split(".")
        now = self._now()
        if len(self._spent) > 50_000:  # a flood: forget what has expired anyway
            self._spent = {n: e for n, e in self._spent.items() if e >= now}
        if nonce in self._spent:
            return False
        self._spent[nonce] = int(expiry)
        return True

    def unclaim(self, value: str) -> None:
        """The remark was not stored after all: the same page may send it again."""
        self._spent.pop(value.split(".")[1], None)


class RateLimiter:
    """A token bucket per client: `capacity` posts at once, refilled over `per_seconds`."""

    def __init__(
        self,
        capacity: int = 10,
        per_seconds: float = 60.0,
        *,
        now: Callable[[], float] = time.monotonic,
        max_clients: int = 5000,
    ) -> None:
        self.capacity = capacity
        self.rate = capacity / per_seconds
        self._now = now
        self._max = max_clients
        self._key = secrets.token_bytes(16)
        self._buckets: OrderedDict[bytes, tuple[float, float]] = OrderedDict()

    def _client(self, address: str) -> bytes:
        return hmac.new(self._key, address.encode("utf-8", "replace"), hashlib.sha256).digest()[:12]

    def _tokens(self, key: bytes, now: float) -> float:
        tokens, last = self._buckets.get(key, (float(self.capacity), now))
        return min(float(self.capacity), tokens + (now - last) * self.rate)

    def can(self, address: str) -> bool:
        """Whether this client has a token left, without taking it."""
        return self._tokens(self._client(address), self._now()) >= 1.0

    def give_back(self, address: str) -> None:
        """Return the token taken for a post that was not kept after all."""
        key = self._client(address)
        now = self._now()
        if key in self._buckets:
            self._buckets[key] = (min(float(self.capacity), self._tokens(key, now) + 1.0), now)

    def allow(self, address: str) -> bool:
        """Take one token for this client; False when its bucket is empty."""
        key = self._client(address)
        now = self._now()
        tokens = self._tokens(key, now)
        self._buckets.pop(key, None)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[key] = (tokens, now)
        while len(self._buckets) > self._max:
            self._buckets.popitem(last=False)  # the longest idle client forgets first
        return allowed

    def __len__(self) -> int:
        return len(self._buckets)
