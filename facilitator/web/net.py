"""Which address phones on the venue's network can reach this laptop at."""

from __future__ import annotations

import ipaddress
import socket

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
