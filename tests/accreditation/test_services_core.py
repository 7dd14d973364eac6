"""The accreditation lifecycle across attempts: a Phase One pass pre-accredits,
a fail leaves nothing current, and a second attempt after a failure is a new
nomination to a later workshop with its own accreditation."""

import pytest

from accreditation import services
from accreditation.enums import AccreditationStatus, Outcome, Phase
from accreditation.models import Accreditation
from tests.factories import OfficialFactory, UserFactory, make_workshop, nominate, secretariat_user
from toa_portal.errors import DomainError
from workshops.services import assessor_assign

pytestmark = pytest.mark.django_db


def _attempt(official, actor, value):
    """Nominate, accept, score every cell `value` by two assessors, decide Phase One."""
    workshop = make_workshop(actor=actor)
    assessors = [UserFactory(password=None), UserFactory(password=None)]
    for assessor in assessors:
        assessor_assign(actor=actor, workshop=workshop, assessor=assessor)
    nomination = nominate(workshop, official, actor=actor, accept=True)
    for assessor in assessors:
        for exercise in workshop.exercises.all():
            for criterion in exercise.criteria.all():
                services.phase_one_score_record(
                    actor=assessor, nomination=nomination, exercise=exercise, criterion=criterion, value=value
                )
            services.score_sheet_submit(actor=assessor, workshop=workshop, exercise=exercise)
    return services.phase_one_decide(actor=actor, nomination=nomination)


def test_phase_one_pass_pre_accredits_with_the_grade_of_the_rule():
    actor = secretariat_user()
    official = OfficialFactory()
    decision = _attempt(official, actor, 4)
    assert (decision.outcome, decision.grade, str(decision.score_percent)) == (Outcome.PASSED, "Merit", "80.00")
    accreditation = Accreditation.objects.get(official=official)
    assert accreditation.status == AccreditationStatus.PRE_ACCREDITED
    assert accreditation.nomination == decision.nomination
    assert not decision.released


def test_phase_one_fail_creates_no_accreditation_and_a_later_attempt_can_pass():
    actor = secretariat_user()
    official = OfficialFactory()
    failed = _attempt(official, actor, 2)
    assert failed.outcome == Outcome.FAILED
    assert failed.explanation  # the rule's explanation is stored with the decision
    assert not Accreditation.objects.filter(official=official).exists()

    second = _attempt(official, actor, 5)
    assert second.outcome == Outcome.PASSED and second.grade == "Distinction"
    assert second.nomination.workshop != failed.nomination.workshop
    assert Accreditation.objects.get(official=official).status == AccreditationStatus.PRE_ACCREDITED


def test_phase_two_refused_without_a_phase_one_pass():
    actor = secretariat_user()
    failed = _attempt(OfficialFactory(), actor, 2)
    with pytest.raises(DomainError, match="after a Phase One pass"):
        services.phase_two_decide(actor=actor, nomination=failed.nomination)
    assert not failed.nomination.decisions.filter(phase=Phase.TWO).exists()


def test_phase_one_decisions_refused_to_anyone_but_the_secretariat():
    actor = secretariat_user()
    official = OfficialFactory()
    decision = _attempt(official, actor, 4)
    with pytest.raises(DomainError, match="Only the Secretariat"):
        services.decision_release(actor=UserFactory(password=None), decision=decision)
    decision.refresh_from_db()
    assert not decision.released
