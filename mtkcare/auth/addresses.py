"""The client's address, for rate limits, sign-in slowing and the audit trail.

Behind reverse proxies the socket's peer is the nearest proxy, shared by every user, and the
client's address is in ``X-Forwarded-For``, to which each proxy appends the address it was
connected from. Only the last ``MTKCARE_TRUSTED_PROXY_HOPS`` entries were written by our
proxies; anything to their left came from the client and can say anything. So:

- hops 0 (no proxy, the default): the peer; the header is ignored.
- hops N: the N-th entry from the right, the address our outermost proxy saw.
- a header with fewer than N entries (a request that skipped a proxy): all of it was written by
  our proxies, so its left-most entry.
- an entry that is not an IP address (``unknown``, garbage): the next entry to its right, then
  the peer. These are proxies' addresses: shared, but never chosen by the client.

Ports (``1.2.3.4:5678``, ``[2001:db8::1]:443``, as some cloud proxies write them) are dropped.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import Scope

from mtkcare.settings import get_settings

# An IPv6 address with an IPv4 tail is at most 45 characters (the audit column's size).
_MAX_ADDRESS = 45


def _ip(entry: str) -> str | None:
    """The address in one X-Forwarded-For entry, normalised, or None."""
    entry = entry.strip()
    if entry.startswith("["):  # [v6] or [v6]:port
        entry = entry[1:].partition("]")[0]
    elif entry.count(":") == 1:  # v4:port
        entry = entry.partition(":")[0]
    if not entry or len(entry) > _MAX_ADDRESS:
        return None
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return None


def client_address(peer: str | None, forwarded_for: str | None, hops: int | None = None) -> str:
    """The client's address from the socket peer and the X-Forwarded-For header (all its
    lines joined with commas), trusting ``hops`` proxies (default: the setting)."""
    if hops is None:
        hops = get_settings().trusted_proxy_hops
    peer = (peer or "")[:_MAX_ADDRESS]
    if hops <= 0 or not forwarded_for:
        return peer
    entries = [e for e in forwarded_for.split(",") if e.strip()]
    for entry in entries[-hops:]:
        address = _ip(entry)
        if address is not None:
            return address
    return peer


def _forwarded_for(headers: Iterable[tuple[bytes, bytes]]) -> str:
    # A repeated header is one list (RFC 9110 5.3): proxies may add a line rather than append.
    return ",".join(v.decode("latin-1") for k, v in headers if k.lower() == b"x-forwarded-for")


def scope_address(scope: Scope) -> str:
    """The client's address of an HTTP or websocket request (an ASGI scope; a Starlette
    ``Request`` has it as ``request.scope``)."""
    client = scope.get("client")
    return client_address(client[0] if client else None, _forwarded_for(scope.get("headers", [])))
