"""Bitstring Status Lists: where each certificate's bits are, which bits are
set, and the signed status list credentials the portal publishes.

A certificate version's position comes from its primary key: list
`pk // size + 1`, index `pk % size`. Two purposes: `revocation` (revoked and
superseded versions, final) and `suspension` (versions whose accreditation is
suspended today; the bit clears when the suspension ends). Expiry is not a
status: it is the credential's `validUntil`.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import hashlib
import json

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from ..enums import Validity
from . import keys, proof
from .jsonld import VC_V2

REVOCATION = "revocation"
SUSPENSION = "suspension"
PURPOSES = (REVOCATION, SUSPENSION)
# A status list credential is re-signed only when its bits or the key change.
CACHE_SECONDS = 3600


def list_size() -> int:
    return settings.CREDENTIAL_STATUS_LIST_SIZE


def position(certificate_id: int) -> tuple[int, int]:
    """(list number, index in the list) of a certificate version."""
    return certificate_id // list_size() + 1, certificate_id % list_size()


def last_list_number() -> int:
    """The number of the last list in use: the newest certificate version's
    (1 when there is none). A later list would be empty; it is not served."""
    from ..models import Certificate

    highest = Certificate.objects.aggregate(highest=Max("pk"))["highest"] or 0
    return position(highest)[0]


def status_list_url(purpose: str, number: int) -> str:
    return settings.PUBLIC_BASE_URL + reverse("accreditation:status_list", args=[purpose, number])


def status_entries(certificate_id: int) -> list[dict]:
    """The credentialStatus of a certificate version: one entry per purpose."""
    number, index = position(certificate_id)
    entries = []
    for purpose in PURPOSES:
        url = status_list_url(purpose, number)
        entries.append(
            {
                "id": f"{url}#{index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": purpose,
                "statusListIndex": str(index),
                "statusListCredential": url,
            }
        )
    return entries


def set_indexes(purpose: str, number: int, *, today: dt.date | None = None) -> list[int]:
    """The indexes set in one list, read from the certificates' current state."""
    from ..models import Certificate
    from ..suspension import suspended_certificates

    size = list_size()
    in_list = Certificate.objects.filter(pk__gte=(number - 1) * size, pk__lt=number * size)
    if purpose == REVOCATION:
        ids = in_list.filter(validity__in=(Validity.REVOKED, Validity.SUPERSEDED)).values_list("pk", flat=True)
    else:
        ids = suspended_certificates(in_list, today=today).values_list("pk", flat=True)
    return sorted(pk % size for pk in ids)


def encode(indexes: list[int], size: int) -> str:
    """The encodedList: multibase base64url (no padding) of the GZIP-compressed
    bitstring, index 0 being the most significant bit of the first byte."""
    bits = bytearray(size // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode(encoded: str) -> bytes:
    if not encoded.startswith("u"):
        raise ValueError("The encodedList is not multibase base64url.")
    data = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)))


def bit_is_set(encoded: str, index: int) -> bool:
    bits = decode(encoded)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(purpose: str, number: int) -> dict:
    """The signed BitstringStatusListCredential of one list, as it stands now."""
    url = status_list_url(purpose, number)
    encoded = encode(set_indexes(purpose, number), list_size())
    private_key = keys.signing_key()
    multibase = keys.current_public_key()
    digest = hashlib.sha256(f"{url}|{encoded}|{multibase}".encode()).hexdigest()
    cache_key = f"credential-status-list:{digest}"
    cached = cache.get(cache_key)
    if cached is not None:
        return json.loads(cached)
    unsigned = {
        "@context": [VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": keys.issuer_did(),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded,
        },
    }
    signed = proof.sign(
        unsigned,
        private_key=private_key,
        verification_method=keys.verification_method_id(multibase),
        created=timezone.now(),
    )
    cache.set(cache_key, json.dumps(signed), CACHE_SECONDS)
    return signed
