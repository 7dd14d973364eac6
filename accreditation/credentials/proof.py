"""The `eddsa-rdfc-2022` Data Integrity proof (W3C Data Integrity EdDSA
Cryptosuites v1.0): both the proof options and the document are canonicalised
with RDFC-1.0, hashed with SHA-256, and the concatenated hashes (options
first) are signed with Ed25519; the signature is multibase base58btc."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld.jsonld import JsonLdError

from .jsonld import canonicalize

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"


class ProofInvalid(ValueError):
    """The proof does not hold; the message says why, for the verification page."""


def _hash_data(document: dict, proof_options: dict) -> bytes:
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = {"@context": unsecured.get("@context"), **proof_options}
    return (
        hashlib.sha256(canonicalize(options).encode("utf-8")).digest()
        + hashlib.sha256(canonicalize(unsecured).encode("utf-8")).digest()
    )


def sign(
    document: dict, *, private_key: Ed25519PrivateKey, verification_method: str, created: dt.datetime | None = None
) -> dict:
    """The document with its proof added (a new dict; the argument is unchanged)."""
    created = (created or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).replace(microsecond=0)
    proof = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": created.isoformat().replace("+00:00", "Z"),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    signature = private_key.sign(_hash_data(document, proof))
    return {**document, "proof": {**proof, "proofValue": "z" + base58.b58encode(signature).decode("ascii")}}


def verify(document: dict, *, public_key_for: Callable[[str], Ed25519PublicKey]) -> str:
    """Check the document's proof; return its verification method, or raise
    ProofInvalid. `public_key_for(verification_method)` returns the key or
    raises ProofInvalid when the method is unknown."""
    proof = document.get("proof")
    if not isinstance(proof, dict):
        raise ProofInvalid("The credential has no proof, or more than one.")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofInvalid(f"The proof is not an {CRYPTOSUITE} Data Integrity proof.")
    if proof.get("proofPurpose") != PROOF_PURPOSE:
        raise ProofInvalid("The proof's purpose is not assertionMethod.")
    value = proof.get("proofValue")
    method = proof.get("verificationMethod")
    if not isinstance(value, str) or not value.startswith("z") or not isinstance(method, str):
        raise ProofInvalid("The proof has no base58btc proofValue or no verificationMethod.")
    try:
        signature = base58.b58decode(value[1:])
    except ValueError:
        raise ProofInvalid("The proofValue is not base58btc.") from None
    options = {key: item for key, item in proof.items() if key != "proofValue"}
    public_key = public_key_for(method)
    try:
        data = _hash_data(document, options)
    except (JsonLdError, TypeError, ValueError) as error:
        raise ProofInvalid(f"The credential is not valid JSON-LD: {str(error)[:200]}") from None
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        raise ProofInvalid("The signature does not match the credential: it was changed after signing.") from None
    return method
