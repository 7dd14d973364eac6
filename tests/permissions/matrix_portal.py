"""Permission-matrix rows for the portal: accounts, officials, administrations,
workshops and nominations (format: tests/permissions/__init__.py)."""

from .helpers import POST, expect, no_kwargs

PUBLIC = expect(200)
LOGGED_IN = expect(200, anonymous=302)
SECRETARIAT_ONLY = expect(403, anonymous=302, secretariat=200)
SECRETARIAT_POST = expect(403, anonymous=302, secretariat=302)


def workshop(s):
    return {"pk": s.workshop.pk}


def nomination(s):
    return {"pk": s.nomination.pk}


def pending(s):
    return {"pk": s.pending_nomination.pk}


def bad_token(s):
    return {"uidb64": "MQ", "token": "set-nothing-0000"}


# Who sees the workshop: everyone logged in but the assessor of another workshop.
WORKSHOP_VISIBLE = {"other_assessor": 404}
# Who sees the accepted nomination: its administration, its official, the workshop's assessors.
NOMINATION_VISIBLE = {"other_focal_point": 404, "other_assessor": 404}
# Who sees the submitted nomination: the Secretariat and its administration only.
PENDING_VISIBLE = {"other_focal_point": 404, "assessor": 404, "other_assessor": 404, "expert": 404}

ROWS = [
    # Accounts (django.contrib.auth and the invitation flow).
    ("login", no_kwargs, PUBLIC),
    ("logout", no_kwargs, expect(302), {"method": POST}),
    ("password_change", no_kwargs, LOGGED_IN),
    ("password_change_done", no_kwargs, LOGGED_IN),
    ("password_reset", no_kwargs, PUBLIC),
    ("password_reset_done", no_kwargs, PUBLIC),
    ("password_reset_confirm", bad_token, PUBLIC),
    ("password_reset_complete", no_kwargs, PUBLIC),
    ("candidates:locked_out", no_kwargs, PUBLIC),
    ("candidates:invitation_accept", bad_token, PUBLIC),
    ("candidates:invitation_done", no_kwargs, PUBLIC),
    ("home", no_kwargs, LOGGED_IN),
    # People, officials and administrations.
    ("candidates:official_list", no_kwargs, LOGGED_IN),
    ("candidates:official_duplicates", no_kwargs, SECRETARIAT_ONLY),
    (
        "candidates:official_detail",
        lambda s: {"pk": s.official.pk},
        expect(200, anonymous=302, other_focal_point=404, assessor=404, other_assessor=404),
    ),
    ("candidates:account_list", no_kwargs, SECRETARIAT_ONLY),
    ("candidates:account_invite", no_kwargs, SECRETARIAT_ONLY),
    (
        "candidates:account_deactivate",
        lambda s: {"pk": s.user("other_focal_point").pk},
        SECRETARIAT_POST,
        {"method": POST, "data": lambda s: {"reason": "Left the administration"}},
    ),
    ("candidates:account_reactivate", lambda s: {"pk": s.user("expert").pk}, SECRETARIAT_POST, {"method": POST}),
    ("candidates:account_resend", lambda s: {"pk": s.user("expert").pk}, SECRETARIAT_POST, {"method": POST}),
    ("candidates:administration_list", no_kwargs, SECRETARIAT_ONLY),
    ("candidates:administration_handover", lambda s: {"pk": s.administration.pk}, SECRETARIAT_ONLY),
    # Workshops.
    ("workshops:workshop_list", no_kwargs, LOGGED_IN),
    ("workshops:workshop_create", no_kwargs, SECRETARIAT_ONLY),
    ("workshops:workshop_detail", workshop, expect(200, anonymous=302, **WORKSHOP_VISIBLE)),
    ("workshops:workshop_edit", workshop, SECRETARIAT_ONLY),
    ("workshops:workshop_assessors", workshop, SECRETARIAT_ONLY),
    (
        "workshops:workshop_status",
        workshop,
        expect(403, anonymous=302, secretariat=302, **WORKSHOP_VISIBLE),
        {"method": POST, "data": lambda s: {"status": "closed"}},
    ),
    (
        "workshops:nomination_bulk",
        workshop,
        expect(403, anonymous=302, secretariat=302, **WORKSHOP_VISIBLE),
        {
            "method": POST,
            "data": lambda s: {"nominations": [s.pending_nomination.pk], "decision": "waitlist", "reason": ""},
        },
    ),
    (
        "workshops:assessor_assign",
        workshop,
        expect(403, anonymous=302, secretariat=302, **WORKSHOP_VISIBLE),
        {"method": POST, "data": lambda s: {"assessor": s.user("other_assessor").pk}},
    ),
    (
        "workshops:assessor_unassign",
        lambda s: {"pk": s.workshop.pk, "user_pk": s.user("assessor").pk},
        expect(403, anonymous=302, secretariat=302, **WORKSHOP_VISIBLE),
        # confirmed: the scenario's candidate is left below two eligible assessors
        {"method": POST, "data": lambda s: {"confirm": "1"}},
    ),
    (
        "workshops:conflict_declare",
        workshop,
        expect(403, anonymous=302, secretariat=302, **WORKSHOP_VISIBLE),
        {
            "method": POST,
            "data": lambda s: {
                "assessor": s.user("assessor").pk,
                "official": s.official.pk,
                "reason": "Colleague",
                "confirm": "1",
            },
        },
    ),
    # Nominations.
    (
        "workshops:nomination_create",
        workshop,
        expect(403, anonymous=302, focal_point=200, other_focal_point=200, **WORKSHOP_VISIBLE),
    ),
    ("workshops:nomination_list", no_kwargs, LOGGED_IN),
    ("workshops:nomination_detail", nomination, expect(200, anonymous=302, **NOMINATION_VISIBLE)),
    (
        "workshops:nomination_decide",
        pending,
        expect(403, anonymous=302, secretariat=302, **PENDING_VISIBLE),
        {"method": POST, "data": lambda s: {"decision": "waitlist", "reason": ""}},
    ),
    (
        # The programme has no pre-screening phase: the Secretariat's attempt is refused (400, with the reason).
        "workshops:nomination_prescreen",
        pending,
        expect(403, anonymous=302, secretariat=400, **PENDING_VISIBLE),
        {"method": POST, "data": lambda s: {"passed": "1", "reason": ""}},
    ),
    (
        "workshops:nomination_withdraw",
        pending,
        expect(403, anonymous=302, focal_point=302, **PENDING_VISIBLE),
        {"method": POST, "data": lambda s: {"reason": "Reassigned"}},
    ),
    (
        "workshops:nomination_attendance",
        nomination,
        expect(403, anonymous=302, secretariat=302, focal_point=302, **NOMINATION_VISIBLE),
        {"method": POST, "data": lambda s: {"attendance": "confirmed"}},
    ),
    (
        "workshops:nomination_cv",
        nomination,
        expect(200, anonymous=302, assessor=403, **NOMINATION_VISIBLE),
    ),
]
