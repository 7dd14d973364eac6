"""Permission-matrix rows for certificates, verification, revocation, re-issue and the roster.

The format is explained in tests/permissions/__init__.py. The scenario's
official (Ana Matrix, administration A, expert account) is accredited and her
certificate rendered only when a row asks for it, so the other areas' cells
do not pay for it. /verify/<code>/ is public: 200 for every role.
"""

from django.core.cache import cache

from .helpers import POST, expect, no_kwargs

# Seen by the Secretariat, the expert and the focal point of her administration; 404 for the rest.
SEEN = expect(404, anonymous=302, secretariat=200, focal_point=200, expert=200)
# Secretariat actions on a certificate: 403 for those who see it, 404 for those who do not.
ACTION_PAGE = expect(404, anonymous=302, secretariat=200, focal_point=403, expert=403)
ACTION_POST = expect(404, anonymous=302, secretariat=302, focal_point=403, expert=403)
SECRETARIAT_ONLY_POST = expect(403, anonymous=302, secretariat=302)
SECRETARIAT_ONLY_PAGE = expect(403, anonymous=302, secretariat=200)


def certificate(scenario):
    if "certificate" not in scenario.extra:
        from accreditation import services
        from tests.factories import accredit

        [issued] = accredit([scenario.official], actor=scenario.user("secretariat"))
        services.certificate_render(certificate_id=issued.pk)
        scenario.extra["certificate"] = issued
    return scenario.extra["certificate"]


def certificate_pk(scenario):
    return {"pk": certificate(scenario).pk}


def verify_code(scenario):
    # Every cell comes from the same address: start each with an empty throttle.
    cache.clear()
    return {"code": certificate(scenario).verification_code}


def certificate_workshop(scenario):
    return {"workshop_id": certificate(scenario).accreditation.nomination.workshop_id}


def accredited_expert(scenario):
    """No URL arguments; the scenario's expert is accredited, so she is in the roster."""
    certificate(scenario)
    return {}


def bulk_job(scenario):
    from accreditation import services

    job = services.certificates_rerender_workshop(
        actor=scenario.user("secretariat"), workshop=certificate(scenario).accreditation.nomination.workshop
    )
    return {"pk": job.pk}


ROWS = [
    ("accreditation:verify", verify_code, expect(200)),
    ("accreditation:certificate_list", no_kwargs, expect(200, anonymous=302)),
    ("accreditation:certificate_detail", certificate_pk, SEEN),
    ("accreditation:certificate_download", certificate_pk, SEEN),
    ("accreditation:certificate_revoke", certificate_pk, ACTION_PAGE),
    (
        "accreditation:certificate_revoke",
        certificate_pk,
        ACTION_POST,
        {"method": POST, "data": lambda s: {"reason": "Matrix revocation."}},
    ),
    ("accreditation:certificate_reissue", certificate_pk, ACTION_PAGE),
    (
        "accreditation:certificate_reissue",
        certificate_pk,
        ACTION_POST,
        {"method": POST, "data": lambda s: {"reason": "Matrix correction.", "language": "fr"}},
    ),
    ("accreditation:certificate_retry", certificate_pk, ACTION_POST, {"method": POST}),
    ("accreditation:certificate_workshop_rerender", certificate_workshop, SECRETARIAT_ONLY_POST, {"method": POST}),
    ("accreditation:bulk_job", bulk_job, SECRETARIAT_ONLY_PAGE),
    ("accreditation:roster", accredited_expert, SECRETARIAT_ONLY_PAGE),
    ("accreditation:roster_profile", accredited_expert, expect(403, anonymous=302, expert=200)),
    (
        "accreditation:roster_profile",
        accredited_expert,
        expect(403, anonymous=302, expert=302),
        {"method": POST, "data": lambda s: {"availability": "limited", "biography": "Matrix."}},
    ),
]
