"""What a certificate version's Open Badges 3.0 credential says, and signing it once.

The subject is the expert by name only (no e-mail, no birth date); the
achievement is the programme and expert type, with the WCO as its creator;
`validFrom`/`validUntil` are the certificate's dates (start and end of day in
the portal's time zone); `credentialStatus` points at the revocation and
suspension lists.
"""

from __future__ import annotations

import datetime as dt
import json

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from toa_portal.audit import audit_record

from ..models import Certificate
from . import keys, proof, status
from .jsonld import OB_V3, VC_V2

MEDIA_TYPE = "application/json"


def credential_url(certificate: Certificate) -> str:
    return settings.PUBLIC_BASE_URL + reverse("accreditation:verify_credential", args=[certificate.verification_code])


def _instant(day: dt.date, at: dt.time) -> str:
    return timezone.make_aware(dt.datetime.combine(day, at)).isoformat()


def issuer_profile() -> dict:
    return {
        "id": keys.issuer_did(),
        "type": ["Profile"],
        "name": settings.CREDENTIAL_ISSUER_NAME,
        "url": settings.PUBLIC_BASE_URL + "/",
    }


def unsigned_credential(certificate: Certificate) -> dict:
    """The credential of a certificate version, before its proof, in the certificate's language."""
    from ..certificates import expert_type_label

    accreditation = certificate.accreditation
    programme = accreditation.programme
    official = accreditation.official
    with translation.override(certificate.language):
        role = str(expert_type_label(accreditation.expert_type))
        title = _("%(role)s — %(programme)s") % {"role": role, "programme": programme.name}
        narrative = _(
            "Passed Phase One (the accreditation workshop) and Phase Two (a field evaluation) "
            "of the WCO accreditation of %(role)s experts in %(programme)s."
        ) % {"role": role, "programme": programme.name}
        description = programme.description or narrative
    return {
        "@context": [VC_V2, OB_V3],
        "id": credential_url(certificate),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": title,
        "issuer": issuer_profile(),
        "validFrom": _instant(certificate.issued_on, dt.time(0, 0, 0)),
        "validUntil": _instant(certificate.valid_until, dt.time(23, 59, 59)),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": official.name_latin,
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": official.name_latin,
                }
            ],
            "licenseNumber": certificate.number,
            "achievement": {
                "id": f"urn:wco-toa:achievement:{programme.code}:{accreditation.expert_type}",
                "type": ["Achievement"],
                "achievementType": "Certification",
                "name": title,
                "description": description,
                "criteria": {"narrative": narrative},
                "humanCode": f"{programme.certificate_prefix}-{accreditation.expert_type}",
                "creator": issuer_profile(),
            },
        },
        "credentialStatus": status.status_entries(certificate.pk),
    }


def dumps(credential: dict) -> str:
    return json.dumps(credential, ensure_ascii=False, indent=2)


def sign_credential(certificate: Certificate) -> str:
    """The signed credential as JSON text, with the current key."""
    private_key = keys.signing_key()
    method = keys.verification_method_id(keys.current_public_key())
    signed = proof.sign(unsigned_credential(certificate), private_key=private_key, verification_method=method)
    return dumps(signed)


def certificate_credential_sign(*, certificate: Certificate) -> str:
    """Sign a certificate version's credential, once: a version that has one
    keeps it (re-renders embed the same credential). Called before each
    render; writes an audit entry when it signs. Returns the credential text."""
    if certificate.credential:
        return certificate.credential
    text = sign_credential(certificate)
    with transaction.atomic():
        if not Certificate.objects.filter(pk=certificate.pk, credential="").update(credential=text):
            text = Certificate.objects.values_list("credential", flat=True).get(pk=certificate.pk)
        else:
            audit_record(
                actor=None,
                action="certificate.credential_sign",
                obj=certificate,
                after={"credential": credential_url(certificate)},
                workshop_id=certificate.accreditation.nomination.workshop_id,
                official_id=certificate.accreditation.official_id,
            )
    certificate.credential = text
    return text
