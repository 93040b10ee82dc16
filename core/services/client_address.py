"""Which client a request came from, for rate limits, the audit log and consent records.

``X-Forwarded-For`` is only believed when the connection comes from a proxy named in
``PEOPLEOS_TRUSTED_PROXIES``; from anyone else it is a header the client wrote itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Network, IPv6Network, ip_address

Network = IPv4Network | IPv6Network
MAX_LENGTH = 64  # the width of the client_address columns


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


def resolve(peer: str, forwarded_for: str | None, proxies: Sequence[Network]) -> str:
    """The client address: the TCP ``peer`` itself unless it is a trusted proxy; then the
    nearest ``X-Forwarded-For`` hop that is not a trusted proxy, read from the right
    (hops further left were written by whoever the proxy heard from, so they prove
    nothing)."""
    if not forwarded_for or not _trusted(peer, proxies):
        return peer[:MAX_LENGTH]
    client = peer
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        try:
            ip_address(hop)
        except ValueError:
            break  # a malformed hop: stop at the last address a trusted proxy vouched for
        client = hop
        if not _trusted(hop, proxies):
            break
    return client[:MAX_LENGTH]
