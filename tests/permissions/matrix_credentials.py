"""Permission-matrix rows for the verifiable credentials (public: the DID
document, each version's credential, the status lists, the upload check) and
for suspending a certificate (Secretariat). Format in tests/permissions/__init__.py."""

import datetime as dt

from django.core.cache import cache
from django.utils import timezone

from .helpers import POST, expect, no_kwargs
from .matrix_certificates import ACTION_PAGE, ACTION_POST


def certificate(scenario):
    """The scenario's official accredited, her credential signed; no PDF (these cells need none)."""
    if "certificate" not in scenario.extra:
        from accreditation.credentials.badge import certificate_credential_sign
        from tests.factories import accredit

        [issued] = accredit([scenario.official], actor=scenario.user("secretariat"))
        certificate_credential_sign(certificate=issued)
        scenario.extra["certificate"] = issued
    return scenario.extra["certificate"]


def certificate_pk(scenario):
    return {"pk": certificate(scenario).pk}


def verify_code(scenario):
    cache.clear()
    return {"code": certificate(scenario).verification_code}


def fresh_throttle(scenario):
    cache.clear()
    return {}


def revocation_list(scenario):
    return {"purpose": "revocation", "number": 1}


def suspended_pk(scenario):
    from accreditation.suspension import certificate_suspend

    issued = certificate(scenario)
    if "suspension" not in scenario.extra:
        scenario.extra["suspension"] = certificate_suspend(
            actor=scenario.user("secretariat"),
            certificate=issued,
            reason="Matrix suspension.",
            ends_on=timezone.localdate() + dt.timedelta(days=10),
        )
    return {"pk": issued.pk}


ROWS = [
    ("accreditation:did_document", no_kwargs, expect(200)),
    ("accreditation:verify_credential", verify_code, expect(200)),
    ("accreditation:status_list", revocation_list, expect(200)),
    ("accreditation:verify_upload", fresh_throttle, expect(200)),
    # No file: the form says so, for everyone.
    ("accreditation:verify_upload", fresh_throttle, expect(200), {"method": POST, "data": lambda s: {}}),
    ("accreditation:certificate_suspend", certificate_pk, ACTION_PAGE),
    (
        "accreditation:certificate_suspend",
        certificate_pk,
        ACTION_POST,
        {"method": POST, "data": lambda s: {"reason": "Matrix.", "ends_on": timezone.localdate().isoformat()}},
    ),
    ("accreditation:suspension_lift", suspended_pk, ACTION_PAGE),
    (
        "accreditation:suspension_lift",
        suspended_pk,
        ACTION_POST,
        {"method": POST, "data": lambda s: {"reason": "Matrix."}},
    ),
]
