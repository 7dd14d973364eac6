"""The database itself refuses the states a constraint can express, whatever
code writes the row (no form, no service): IntegrityError on SQLite and
PostgreSQL alike."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accreditation.enums import AccreditationStatus, Outcome, Phase
from accreditation.models import Accreditation, Certificate, Decision, FieldEvaluation, ModeratedScore, PhaseOneScore
from candidates.models import Administration
from tests.factories import OfficialFactory, RegionFactory, UserFactory, make_workshop, nominate, secretariat_user
from workshops.models import Nomination, ProgrammeCriterion, Workshop

pytestmark = pytest.mark.django_db


def refused(callable_, *args, **kwargs):
    """True when the database refuses the write (and the test goes on)."""
    try:
        with transaction.atomic():
            callable_(*args, **kwargs)
    except IntegrityError:
        return True
    return False


@pytest.fixture
def accepted():
    actor = secretariat_user()
    workshop = make_workshop(actor=actor)
    return nominate(workshop, actor=actor, accept=True)


def _cell(nomination):
    exercise = nomination.workshop.exercises.first()
    return exercise, exercise.criteria.first()


def test_constraint_nomination_unique_per_official_and_workshop(accepted):
    duplicate = {
        "workshop": accepted.workshop,
        "official": accepted.official,
        "letter_reference": "REF/2",
        "nominating_officer": "DG",
        "nomination_date": dt.date(2030, 1, 1),
    }
    assert refused(Nomination.objects.create, **duplicate)
    assert Nomination.objects.filter(workshop=accepted.workshop, official=accepted.official).count() == 1


def test_constraint_score_unique_per_cell(accepted):
    exercise, criterion = _cell(accepted)
    assessor = UserFactory()
    cell = {"nomination": accepted, "assessor": assessor, "exercise": exercise, "criterion": criterion}
    PhaseOneScore.objects.create(**cell, value=3)
    assert refused(PhaseOneScore.objects.create, **cell, value=4)
    # Another assessor on the same cell is a different row.
    PhaseOneScore.objects.create(**{**cell, "assessor": UserFactory()}, value=4)


def test_constraint_score_and_moderation_values_not_negative(accepted):
    exercise, criterion = _cell(accepted)
    cell = {"nomination": accepted, "exercise": exercise, "criterion": criterion}
    assert refused(PhaseOneScore.objects.create, **cell, assessor=UserFactory(), value=-1)
    assert refused(PhaseOneScore.objects.create, **cell, assessor=UserFactory(), value=3, version=0)
    assert refused(
        ModeratedScore.objects.create, **cell, value=Decimal("-0.5"), note="n", moderated_by=secretariat_user()
    )
    assert not PhaseOneScore.objects.exists() and not ModeratedScore.objects.exists()


def test_constraint_moderation_unique_per_cell(accepted):
    exercise, criterion = _cell(accepted)
    row = {"nomination": accepted, "exercise": exercise, "criterion": criterion, "note": "n"}
    ModeratedScore.objects.create(**row, value=Decimal("4"), moderated_by=secretariat_user())
    assert refused(ModeratedScore.objects.create, **row, value=Decimal("3"), moderated_by=secretariat_user())


def test_constraint_workshop_dates_in_order(accepted):
    workshop = accepted.workshop
    assert refused(Workshop.objects.filter(pk=workshop.pk).update, end_date=workshop.start_date - dt.timedelta(1))
    Workshop.objects.filter(pk=workshop.pk).update(end_date=workshop.start_date)  # one-day workshop


def test_constraint_workshop_positive_capacity_and_sane_rubric(accepted):
    rows = Workshop.objects.filter(pk=accepted.workshop_id)
    assert refused(rows.update, capacity=0)
    assert refused(rows.update, tolerance=Decimal("-1"))
    assert refused(rows.update, pass_threshold=Decimal("101"))
    assert refused(rows.update, scale_min=5, scale_max=5)
    assert refused(rows.update, capacity=-3)


def test_constraint_criterion_weight_positive(accepted):
    criterion = ProgrammeCriterion.objects.filter(programme=accepted.workshop.programme).first()
    assert refused(ProgrammeCriterion.objects.filter(pk=criterion.pk).update, weight=0)
    assert refused(accepted.workshop.criteria.filter(pk=_cell(accepted)[1].pk).update, weight=0)


def test_constraint_decision_unique_per_phase_and_release_dated(accepted):
    actor = secretariat_user()
    decision = {"nomination": accepted, "phase": Phase.ONE, "outcome": Outcome.PASSED, "decided_by": actor}
    Decision.objects.create(**decision)
    assert refused(Decision.objects.create, **decision)
    assert refused(Decision.objects.filter(nomination=accepted).update, released=True)


def _accreditation(nomination, status=AccreditationStatus.ACCREDITED):
    programme = nomination.workshop.programme
    return Accreditation.objects.create(
        official=nomination.official,
        programme=programme,
        expert_type=programme.expert_type,
        nomination=nomination,
        status=status,
        pre_accredited_on=dt.date(2030, 1, 1),
        accredited_on=dt.date(2030, 6, 1),
        valid_until=dt.date(2034, 6, 1),
    )


def test_constraint_one_current_accreditation_per_official_programme_and_type(accepted):
    actor = secretariat_user()
    first = _accreditation(accepted)
    later = nominate(make_workshop(actor=actor), accepted.official, actor=actor, accept=True)
    assert refused(_accreditation, later, AccreditationStatus.PRE_ACCREDITED)
    assert refused(_accreditation, later, AccreditationStatus.ACCREDITED)
    # A past (revoked, expired, not accredited) one does not block a new attempt.
    Accreditation.objects.filter(pk=first.pk).update(status=AccreditationStatus.EXPIRED)
    _accreditation(later, AccreditationStatus.PRE_ACCREDITED)
    assert Accreditation.objects.filter(official=accepted.official).count() == 2


def test_constraint_certificate_unique_version_and_number(accepted):
    accreditation = _accreditation(accepted)
    certificate = {
        "accreditation": accreditation,
        "number": "IPR-TOA-2030-0001",
        "issued_on": dt.date(2030, 6, 1),
        "valid_until": dt.date(2034, 6, 1),
    }
    Certificate.objects.create(**certificate, version=1)
    assert refused(Certificate.objects.create, **{**certificate, "number": "IPR-TOA-2030-0002"}, version=1)
    other = _accreditation(
        nominate(make_workshop(), OfficialFactory(), accept=True),
    )
    assert refused(Certificate.objects.create, **{**certificate, "accreditation": other}, version=1)
    assert refused(Certificate.objects.create, **certificate, version=0)
    Certificate.objects.create(**certificate, version=2)  # a re-issue: same number, next version
    assert Certificate.objects.filter(number="IPR-TOA-2030-0001").count() == 2


def test_constraint_certificate_verification_code_unique(accepted):
    accreditation = _accreditation(accepted)
    row = {
        "accreditation": accreditation,
        "number": "IPR-TOA-2030-0009",
        "issued_on": dt.date(2030, 6, 1),
        "valid_until": dt.date(2034, 6, 1),
    }
    first = Certificate.objects.create(**row, version=1)
    assert refused(Certificate.objects.create, **row, version=2, verification_code=first.verification_code)


def test_constraint_mission_dates_in_order(accepted):
    assert refused(
        FieldEvaluation.objects.create,
        nomination=accepted,
        evaluator=UserFactory(),
        mission_place="Dhaka",
        mission_start=dt.date(2030, 3, 8),
        mission_end=dt.date(2030, 3, 4),
        mission_type="national_training",
        role="lead",
    )


def test_constraint_administration_code_is_iso_alpha_3():
    region = RegionFactory()
    assert refused(Administration.objects.create, code="jp", name="Lower", region=region)
    assert refused(Administration.objects.create, code="J1P", name="Digit", region=region)
    Administration.objects.create(code="JPX", name="Fine", region=region)
