"""Who is asking, and how often: the client's address and counters in the cache.

The address comes from X-Forwarded-For only as far as TRUSTED_PROXIES says:
each trusted proxy appends the address it received the request from, so with
n proxies the n-th entry from the right is the client as the outermost
trusted proxy saw it. Whatever lies further left was written by the client
and proves nothing. With no trusted proxy the header is ignored. A hop that is
not an IP address (a client reaching the portal around the proxy can write
anything; some proxies add the port) is read as far as it is one, else the
peer's address counts.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time

from django.conf import settings
from django.core.cache import cache


def ip_address(value: str) -> str | None:
    """The IP address a hop names, as proxies write it ("192.0.2.1",
    "192.0.2.1:5678", "[2001:db8::1]:443"), or None when it names none."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request) -> str:
    """The client's IP address as far as the trusted proxies vouch for it
    (empty when the peer has none, as on a Unix socket)."""
    proxies = settings.TRUSTED_PROXIES
    if proxies > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            forwarded = ip_address(hops[-proxies])
            if forwarded:
                return forwarded
    return ip_address(request.META.get("REMOTE_ADDR", "")) or ""


def over_limit(scope: str, subject: str, *, limit: int, window: int) -> bool:
    """Count one event for `subject` in the current `window` (seconds) and say
    whether it is beyond `limit`. The counter lives in the shared cache; the
    subject is hashed, so no address or e-mail is stored in clear."""
    digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
    key = f"throttle:{scope}:{digest}:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window * 2)
        count = 1
    return count > limit
