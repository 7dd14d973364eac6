"""The issuer: its Ed25519 signing key, its did:web identifier and DID document.

The private key lives in one PEM file named by CREDENTIAL_SIGNING_KEY_FILE
(`manage.py credential_key_create` writes it); it is never stored in the
database or the repository. Every public key that ever signed is recorded
(CredentialKey), so the DID document keeps listing past keys after a rotation
and the credentials they signed stay verifiable.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, urlsplit

import base58
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .jsonld import DID_V1, MULTIKEY_V1

# The multicodec prefix of an Ed25519 public key (0xed, varint-encoded).
ED25519_PUB_PREFIX = b"\xed\x01"


class SigningKeyMissing(ImproperlyConfigured):
    """No signing key file where CREDENTIAL_SIGNING_KEY_FILE points."""


def key_path() -> Path:
    return Path(settings.CREDENTIAL_SIGNING_KEY_FILE)


def signing_key_write(path: Path) -> Ed25519PrivateKey:
    """Write a new Ed25519 private key to `path` (PKCS#8 PEM, readable by its
    owner only), replacing the file atomically."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".new")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    partial.replace(path)
    return key


def signing_key() -> Ed25519PrivateKey:
    """The current private key. In development (DEBUG) a missing key is
    created under var/ so that `make run` works out of the box; anywhere else
    a missing key is a configuration error."""
    path = key_path()
    if not path.exists():
        if not settings.DEBUG:
            raise SigningKeyMissing(
                f"No credential signing key at {path}: run `manage.py credential_key_create` "
                "or set CREDENTIAL_SIGNING_KEY_FILE."
            )
        signing_key_write(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"The credential signing key at {path} is not an Ed25519 key.")
    return key


def public_key_multibase(public_key: Ed25519PublicKey) -> str:
    """The Multikey form of a public key: base58btc ('z') of the multicodec-prefixed bytes."""
    raw = public_key.public_bytes(encoding=serialization.Encoding.Raw, format=serialization.PublicFormat.Raw)
    return "z" + base58.b58encode(ED25519_PUB_PREFIX + raw).decode("ascii")


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ValueError("A Multikey public key is base58btc-encoded (it starts with z).")
    decoded = base58.b58decode(value[1:])
    if not decoded.startswith(ED25519_PUB_PREFIX) or len(decoded) != 34:
        raise ValueError("Not an Ed25519 Multikey public key.")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


def issuer_did() -> str:
    """did:web of PUBLIC_BASE_URL's host, with its port encoded (%3A) when there is one."""
    parts = urlsplit(settings.PUBLIC_BASE_URL)
    host = parts.hostname or "localhost"
    if parts.port:
        host = f"{host}:{parts.port}"
    return "did:web:" + quote(host, safe="")


def verification_method_id(multibase: str) -> str:
    return f"{issuer_did()}#{multibase}"


def current_public_key() -> str:
    """The current key's Multikey, recorded as a signing key of the portal."""
    from ..models import CredentialKey

    multibase = public_key_multibase(signing_key().public_key())
    CredentialKey.objects.get_or_create(public_key_multibase=multibase)
    return multibase


def did_document() -> dict:
    """The DID document served at /.well-known/did.json: every key that has
    signed (and the current one), each authorised to assert credentials."""
    from ..models import CredentialKey

    did = issuer_did()
    keys = list(CredentialKey.objects.order_by("created", "pk").values_list("public_key_multibase", flat=True))
    if key_path().exists():
        current = public_key_multibase(signing_key().public_key())
        if current not in keys:
            keys.append(current)
    methods = [
        {"id": verification_method_id(key), "type": "Multikey", "controller": did, "publicKeyMultibase": key}
        for key in keys
    ]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }
