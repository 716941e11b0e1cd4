"""Which addresses a URL from a client may reach: globally routable ones only (the SSRF guard).

Python's ``ipaddress.is_global`` draws the line (loopback, private, shared
100.64.0.0/10, link-local, documentation, reserved...), and the IPv6 forms
that carry an IPv4 address inside (mapped ``::ffff:a.b.c.d``, 6to4
``2002::/16``, Teredo, NAT64 ``64:ff9b::/96``, the old compatible ``::a.b.c.d``)
are judged by the IPv4 address they lead to: ``2002:7f00:1::`` is loopback.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]  # (host, port) -> addresses, in the order to try

METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("100.100.100.200"),
    ipaddress.ip_address("fd00:ec2::254"),
}
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_COMPATIBLE = ipaddress.ip_network("::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")


def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer; raises socket.gaierror when the host is unknown."""
    infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]).split("%")[0] for info in infos]


def embedded_ipv4(addr: Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for, if it is one of the forms that carry one."""
    if not isinstance(addr, ipaddress.IPv6Address):
        return None
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]  # the client's address (the server's is public by design)
    if addr in _NAT64 or (addr in _COMPATIBLE and int(addr) > 1):
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def refusal(addr: Address) -> str | None:
    """Why a client's URL may not reach ``addr`` ("a loopback address"...), or None."""
    inner = embedded_ipv4(addr)
    if inner is not None:
        why = refusal(inner)
        return f"{why} inside an IPv6 address" if why else None
    if addr in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if addr.is_loopback:
        return "a loopback address"
    if addr.is_link_local:
        return "a link-local address"
    if addr.is_multicast:
        return "a multicast address"
    if addr.is_unspecified:
        return "an unspecified address"
    if isinstance(addr, ipaddress.IPv4Address) and addr in _SHARED:
        return "a shared (carrier-grade NAT) address"
    if addr.is_private:
        return "a private address"
    if addr.is_reserved or not addr.is_global:
        return "not a globally routable address"
    return None
