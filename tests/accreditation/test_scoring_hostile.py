"""Hostile input to every assessment endpoint: a clear answer, never a 500
(the test client re-raises any exception a view lets through), and no score,
decision or audit entry written by a refused request."""

import pytest
from django.urls import reverse

from accreditation import services
from accreditation.enums import MissionRole, MissionType
from accreditation.models import Decision, FieldScore, PhaseOneScore
from tests.factories import AdministrationFactory, UserFactory

from .scoring_helpers import PASSING, Setup

pytestmark = pytest.mark.django_db

HOSTILE = [
    "",
    " ",
    "\x00",
    "4\x00",
    "<script>alert(1)</script>",
    "'; DROP TABLE accreditation_phaseonescore; --",
    "9" * 10_000,
    "-0",
    "1e999999",
    "0x4",
    "½",
    "\u202e5",
    "{{ 7*7 }}",
    "%(value)s",
]


@pytest.fixture
def world():
    """Phase One half scored (candidate 1), decided (candidate 2, pre-accredited, in Phase Two)."""
    setup = Setup(candidates=2)
    setup.score_all([PASSING, PASSING])
    setup.submit_all()
    decision = services.phase_one_decide(actor=setup.secretariat, nomination=setup.nominations[1])
    evaluator = UserFactory(home=AdministrationFactory())
    evaluation = services.field_evaluation_assign(
        actor=setup.secretariat,
        nomination=setup.nominations[1],
        evaluator=evaluator,
        mission_place="Suva",
        mission_start=setup.workshop.end_date,
        mission_end=setup.workshop.end_date,
        mission_type=MissionType.NATIONAL_TRAINING,
        role=MissionRole.LEAD,
    )
    services.score_sheet_reopen(
        actor=setup.secretariat,
        sheet=setup.assessors[0].score_sheets.get(exercise=setup.exercises["PRES"]),
        reason="Open for the test",
    )
    return {"setup": setup, "decision": decision, "evaluation": evaluation, "evaluator": evaluator}


def _endpoints(world):
    setup = world["setup"]
    n = setup.nominations[0]
    w = setup.workshop
    pres = setup.exercises["PRES"]
    t = setup.criteria["T"]
    evaluation = world["evaluation"]
    field = w.field_criteria.first()
    sheet = setup.assessors[0].score_sheets.get(exercise=pres)
    a, sec, ev = setup.assessors[0], setup.secretariat, world["evaluator"]
    return [
        (a, reverse("accreditation:score_save", args=[w.pk, pres.pk, n.pk, t.pk]), ["value", "version", "comment"]),
        (sec, reverse("accreditation:score_sheet_reopen", args=[sheet.pk]), ["reason"]),
        (sec, reverse("accreditation:moderate", args=[n.pk, pres.pk, t.pk]), ["value", "note"]),
        (sec, reverse("accreditation:decide", args=[n.pk]), ["feedback", "note"]),
        (sec, reverse("accreditation:decide_workshop", args=[w.pk]), ["feedback"]),
        (sec, reverse("accreditation:release_decision", args=[world["decision"].pk]), ["junk"]),
        (sec, reverse("accreditation:release_workshop", args=[w.pk]), ["junk"]),
        (sec, reverse("accreditation:prescreen", args=[n.pk]), ["outcome", "reason"]),
        (
            sec,
            reverse("accreditation:field_assign", args=[evaluation.nomination_id]),
            ["evaluator", "mission_place", "mission_start", "mission_end", "mission_type", "role"],
        ),
        (ev, reverse("accreditation:field_score_save", args=[evaluation.pk, field.pk]), ["value", "version"]),
        (ev, reverse("accreditation:field_evidence_upload", args=[evaluation.pk]), ["file"]),
        (ev, reverse("accreditation:field_submit", args=[evaluation.pk]), ["narrative", "recommendation"]),
        (sec, reverse("accreditation:phase_two_decide", args=[evaluation.pk]), ["feedback", "note"]),
        # Last: a resubmitted sheet would let the decisions above go through.
        (a, reverse("accreditation:score_sheet_submit", args=[w.pk, pres.pk]), ["junk"]),
    ]


def test_every_endpoint_answers_hostile_values_without_a_500_or_a_change(client, world):
    scores = list(PhaseOneScore.objects.values_list("pk", "value", "version"))
    decisions = Decision.objects.count()
    setup = world["setup"]
    for value in HOSTILE:
        for user, url, fields in _endpoints(world):
            client.force_login(user)
            response = client.post(url, dict.fromkeys(fields, value))
            assert response.status_code < 500, (url, value)
            assert "<script>alert(1)</script>" not in response.content.decode("utf-8", "replace")
        sheet = setup.assessors[0].score_sheets.get(exercise=setup.exercises["PRES"])
        if sheet.status == "submitted":
            # The release endpoints above did release; a released workshop's sheets stay closed, so the
            # release is undone in the database to keep the next round's decisions refused as before.
            Decision.objects.filter(nomination__workshop=setup.workshop).update(
                released=False, released_at=None, released_by=None
            )
            services.score_sheet_reopen(actor=setup.secretariat, sheet=sheet, reason="Open again for the test")
    assert list(PhaseOneScore.objects.values_list("pk", "value", "version")) == scores
    assert not FieldScore.objects.exists()
    assert Decision.objects.count() == decisions


def test_hostile_values_leave_the_other_values_of_the_sheet_alone(client, world):
    setup = world["setup"]
    before = dict(PhaseOneScore.objects.filter(assessor=setup.assessors[0]).values_list("pk", "value"))
    client.force_login(setup.assessors[0])
    n = setup.nominations[0]
    for code in ("T", "D", "C"):
        url = reverse(
            "accreditation:score_save",
            args=[setup.workshop.pk, setup.exercises["PRES"].pk, n.pk, setup.criteria[code].pk],
        )
        for value in HOSTILE:
            response = client.post(url, {"value": value, "version": "1"})
            assert response.status_code == 422
            assert 'data-state="error"' in response.content.decode()
    assert dict(PhaseOneScore.objects.filter(assessor=setup.assessors[0]).values_list("pk", "value")) == before
