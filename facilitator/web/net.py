"""Which address phones on the venue's network can reach this laptop at."""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
from collections.abc import Callable
from typing import Any

from facilitator.i18n import os_reason, t

# Routing look-ups only: connecting a UDP socket sends nothing, it asks the system which of its
# addresses would be used. A documentation address stands in for "the internet"; the private
# ranges catch a venue or hotspot network that has no route outside.
_PROBES = ("192.0.2.1", "10.255.255.254", "172.31.255.254", "192.168.255.254")


def usable(address: str) -> bool:
    """An address another device could use: not loopback, not unspecified, not link-local."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return not (ip.is_loopback or ip.is_unspecified or ip.is_link_local or ip.is_multicast)


def detect_lan_address() -> str | None:
    """The laptop's IPv4 address on its network, or None when it is on no network."""
    for target in _PROBES:
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.connect((target, 9))
                address = sock.getsockname()[0]
        except OSError:
            continue
        if usable(address):
            return address
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return None
    for info in infos:
        address = str(info[4][0])
        if usable(address):
            return address
    return None


async def listen_first_free(
    runner: Any, make_site: Callable[[int], Any], port: int, *, tries: int, host: str
) -> Any:
    """Start `make_site(port)` on an aiohttp runner; while that port is taken (a second app on
    this laptop) the next ones, `tries` in all. Returns the started site. On failure the runner
    is cleaned up and an OSError says why in the interface's words; cancelled while starting
    (the app quit), it leaves nothing listening either."""
    last: OSError | None = None
    try:
        for offset in range(tries):
            site = make_site(port + offset)
            try:
                await site.start()
            except OSError as exc:
                last = exc
                if exc.errno != errno.EADDRINUSE:
                    break
                continue
            if not getattr(getattr(site, "_server", None), "sockets", None):
                # asyncio skips a socket() that fails (taking it for an address family this
                # system lacks) and starts a server that listens nowhere: with no descriptors
                # left, the caller found no port to read and failed with an IndexError.
                await site.stop()
                last = _socket_error(host)
                break
            return site
    except BaseException:
        await runner.cleanup()
        raise
    await runner.cleanup()
    assert last is not None
    if last.errno == errno.EADDRINUSE:
        raise OSError(last.errno, t("os_errors.port_taken", port=port))
    where = f"{host}:{port}"
    raise OSError(last.errno, t("os_errors.cannot_listen", where=where, error=os_reason(last)))


def _socket_error(host: str) -> OSError:
    """Why no listening socket could be made for `host`: asyncio does not say, so ask again."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        socket.socket(family, socket.SOCK_STREAM).close()
    except OSError as exc:
        return exc
    # It works now: descriptors came free in between, the usual reason it did not.
    return OSError(errno.EMFILE, os.strerror(errno.EMFILE))
