"""Checking a credential someone uploads (the JSON, or a certificate PDF with
the credential attached): does its proof hold, is it one the portal issued,
and what is its status today. Nothing uploaded is stored."""

from __future__ import annotations

import io
import json
import zlib
from dataclasses import dataclass

from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from ..certificates import CREDENTIAL_FILE_NAME
from ..models import Certificate, CredentialKey
from . import keys, proof


class UnreadableUpload(ValueError):
    """The upload is neither a credential nor a certificate PDF carrying one."""


@dataclass
class CredentialCheck:
    proof_holds: bool
    problem: str = ""
    certificate: Certificate | None = None


def credential_from_upload(data: bytes, *, max_bytes: int) -> dict:
    """The credential in an uploaded file: JSON as is, or the `credential.json`
    attached to a certificate PDF (decompressed up to `max_bytes`, the cap of
    an uploaded file: a small PDF cannot unfold into gigabytes)."""
    if data.startswith(b"%PDF"):
        data = _attached_credential(data, max_bytes=max_bytes)
    try:
        credential = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        # RecursionError: arrays or objects nested thousands deep.
        raise UnreadableUpload(_("This file is neither a credential (JSON) nor a certificate PDF.")) from None
    if not isinstance(credential, dict):
        raise UnreadableUpload(_("This JSON file is not a credential."))
    return credential


def _attached_credential(data: bytes, *, max_bytes: int) -> bytes:
    import pikepdf

    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            attachments = pdf.attachments
            if CREDENTIAL_FILE_NAME not in attachments:
                raise UnreadableUpload(
                    _("This PDF carries no credential: it is not a certificate issued by the portal.")
                )
            return _embedded_file_bytes(attachments[CREDENTIAL_FILE_NAME].get_file().obj, max_bytes=max_bytes)
    except pikepdf.PdfError:
        raise UnreadableUpload(_("This PDF cannot be read.")) from None


def _embedded_file_bytes(stream, *, max_bytes: int) -> bytes:
    """The content of an embedded file stream, stored as is or deflated (how
    the portal writes it), never unpacked beyond `max_bytes`."""
    import pikepdf

    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Array) and len(filters) == 1:
        filters = filters[0]
    raw = stream.read_raw_bytes()
    if filters is None:
        content = raw
    elif filters == pikepdf.Name.FlateDecode and "/DecodeParms" not in stream:
        try:
            content = zlib.decompressobj().decompress(raw, max_bytes + 1)
        except zlib.error:
            raise UnreadableUpload(_("This PDF cannot be read.")) from None
    else:
        raise UnreadableUpload(_("The credential in this PDF is not stored the way the portal stores it."))
    if len(content) > max_bytes:
        raise UnreadableUpload(
            _("The credential attached to this PDF is larger than %(size)s MB: it is not one the portal issued.")
            % {"size": max_bytes // (1024 * 1024)}
        )
    return content


def _public_key_for(method: str):
    did = keys.issuer_did()
    issuer, _sep, multibase = method.partition("#")
    if issuer != did or not CredentialKey.objects.filter(public_key_multibase=multibase).exists():
        raise proof.ProofInvalid(_("The credential was not signed by this portal's keys."))
    try:
        return keys.public_key_from_multibase(multibase)
    except ValueError:
        raise proof.ProofInvalid(_("The credential was not signed by this portal's keys.")) from None


def _certificate_for(credential: dict) -> Certificate | None:
    from django.conf import settings

    identifier = credential.get("id")
    if not isinstance(identifier, str) or not identifier.startswith(settings.PUBLIC_BASE_URL + "/"):
        return None
    try:
        match = resolve(identifier.removeprefix(settings.PUBLIC_BASE_URL))
    except Resolver404:
        return None
    if match.view_name != "accreditation:verify_credential":
        return None
    return (
        Certificate.objects.select_related("accreditation__official", "accreditation__programme")
        .filter(verification_code=match.kwargs["code"])
        .first()
    )


def credential_check(credential: dict) -> CredentialCheck:
    """Whether the portal issued exactly this credential, then its proof.

    The comparison with the stored credential comes first: only a credential
    the portal itself issued is canonicalised, so an upload crafted to make
    RDF canonicalisation expensive costs nothing but a dictionary comparison."""
    certificate = _certificate_for(credential)
    if certificate is None or not certificate.credential:
        return CredentialCheck(proof_holds=False, problem=_("The portal has no record of this credential."))
    if json.loads(certificate.credential) != credential:
        return CredentialCheck(
            proof_holds=False,
            problem=_(
                "This credential differs from the one the portal issued for this certificate: "
                "it was changed after signing."
            ),
            certificate=certificate,
        )
    try:
        proof.verify(credential, public_key_for=_public_key_for)
    except proof.ProofInvalid as error:
        return CredentialCheck(proof_holds=False, problem=str(error), certificate=certificate)
    return CredentialCheck(proof_holds=True, certificate=certificate)
