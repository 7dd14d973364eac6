"""Who is asking, and how often: the client's address and counters in the cache.

The address comes from X-Forwarded-For only as far as TRUSTED_PROXIES says:
each trusted proxy appends the address it received the request from, so with
n proxies the n-th entry from the right is the client as the outermost
trusted proxy saw it. Whatever lies further left was written by the client
and proves nothing. With no trusted proxy the header is ignored.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache


def client_address(request) -> str:
    """The client's IP address as far as the trusted proxies vouch for it."""
    proxies = settings.TRUSTED_PROXIES
    if proxies > 0:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")


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
