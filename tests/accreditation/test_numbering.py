"""Certificate numbers under concurrent grants, against PostgreSQL: several
threads, each in its own transaction and connection, grant accreditations at
the same moment. The counter row locked with SELECT … FOR UPDATE gives
IPR-TOA-YYYY-0001…000N with no gap and no duplicate, and a certificate is
issued exactly once per accreditation."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from accreditation import services
from accreditation.enums import AccreditationStatus, Outcome, Phase, Recommendation
from accreditation.models import Accreditation, Certificate, CertificateCounter, Decision, FieldEvaluation, FieldScore
from tests.factories import UserFactory, make_workshop, nominate, secretariat_user
from toa_portal.models import AuditEntry

THREADS = 8
GRANTED_ON = dt.date(2024, 4, 15)


def _pre_accredited(workshop, actor, evaluator):
    """A candidate who passed Phase One and whose field evaluation is submitted
    (rows written directly: the race under test is the Phase Two grant)."""
    nomination = nominate(workshop, actor=actor, accept=True)
    programme = workshop.programme
    Decision.objects.create(nomination=nomination, phase=Phase.ONE, outcome=Outcome.PASSED, decided_by=actor)
    Accreditation.objects.create(
        official=nomination.official,
        programme=programme,
        expert_type=programme.expert_type,
        nomination=nomination,
        status=AccreditationStatus.PRE_ACCREDITED,
        pre_accredited_on=dt.date(2023, 10, 27),
    )
    evaluation = FieldEvaluation.objects.create(
        nomination=nomination,
        evaluator=evaluator,
        mission_place="National training",
        mission_start=dt.date(2024, 3, 4),
        mission_end=dt.date(2024, 3, 8),
        mission_type="national_training",
        role="co_facilitator",
        recommendation=Recommendation.ACCREDIT,
        submitted_at=timezone.now(),
    )
    FieldScore.objects.bulk_create(
        FieldScore(evaluation=evaluation, criterion=criterion, value=4) for criterion in workshop.field_criteria.all()
    )
    return nomination


def _race(targets, work):
    """Run work(target) for every target in its own thread, all released at once.
    Returns the exceptions raised (none expected)."""
    barrier = threading.Barrier(len(targets))
    errors = []

    def run(target):
        try:
            barrier.wait(timeout=30)
            work(target)
        except Exception as error:  # collected and asserted by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a grant never finished (deadlock?)"
    return errors


def _expected_numbers(year, n):
    return [f"IPR-TOA-{year}-{i:04d}" for i in range(1, n + 1)]


@pytest.mark.postgres
def test_certificate_numbering_concurrent_phase_two_grants_no_gap_no_duplicate():
    actor = secretariat_user()
    evaluator = UserFactory()
    workshop = make_workshop(actor=actor, capacity=THREADS)
    nominations = [_pre_accredited(workshop, actor, evaluator) for _ in range(THREADS)]

    errors = _race(
        nominations,
        lambda nomination: services.phase_two_decide(actor=actor, nomination=nomination, effective_date=GRANTED_ON),
    )

    assert errors == []
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    assert numbers == _expected_numbers(2024, THREADS)
    assert Accreditation.objects.filter(status=AccreditationStatus.ACCREDITED).count() == THREADS
    assert CertificateCounter.objects.get(year=2024).last == THREADS
    assert AuditEntry.objects.filter(action="certificate.issue").count() == THREADS


@pytest.mark.postgres
def test_certificate_numbering_concurrent_issue_per_year_and_exactly_once():
    actor = secretariat_user()
    evaluator = UserFactory()
    workshop = make_workshop(actor=actor, capacity=THREADS)
    accreditations = []
    for i in range(THREADS):
        nomination = _pre_accredited(workshop, actor, evaluator)
        granted = GRANTED_ON if i % 2 else GRANTED_ON.replace(year=2025)
        Accreditation.objects.filter(nomination=nomination).update(
            status=AccreditationStatus.ACCREDITED, accredited_on=granted, valid_until=granted.replace(year=2029)
        )
        accreditations.append(Accreditation.objects.get(nomination=nomination))

    # Every accreditation twice: two clerks pressing the button at the same moment.
    errors = _race(
        accreditations * 2, lambda accreditation: services.certificate_issue(actor=actor, accreditation=accreditation)
    )

    assert errors == []
    assert Certificate.objects.count() == THREADS
    by_year = {
        year: sorted(Certificate.objects.filter(issued_on__year=year).values_list("number", flat=True))
        for year in (2024, 2025)
    }
    assert by_year == {2024: _expected_numbers(2024, THREADS // 2), 2025: _expected_numbers(2025, THREADS // 2)}
    assert AuditEntry.objects.filter(action="certificate.issue").count() == THREADS


@pytest.mark.django_db
def test_certificate_numbering_continues_from_the_counter_row():
    actor = secretariat_user()
    workshop = make_workshop(actor=actor)
    nomination = _pre_accredited(workshop, actor, UserFactory())
    CertificateCounter.objects.create(programme=workshop.programme, expert_type="TOA", year=2024, last=6)
    services.phase_two_decide(actor=actor, nomination=nomination, effective_date=GRANTED_ON)
    assert Certificate.objects.get().number == "IPR-TOA-2024-0007"


@pytest.mark.django_db
def test_certificate_numbering_a_failed_grant_rolls_back_with_its_number():
    """The grant, the decision and the certificate record are one transaction:
    when the certificate cannot be created nothing is kept, not even the number."""
    from django.db import IntegrityError

    actor = secretariat_user()
    workshop = make_workshop(actor=actor)
    evaluator = UserFactory()
    blocked, other = (_pre_accredited(workshop, actor, evaluator) for _ in range(2))
    squatter = Accreditation.objects.get(nomination=other)
    Certificate.objects.create(
        accreditation=squatter, number="IPR-TOA-2024-0001", issued_on=GRANTED_ON, valid_until=GRANTED_ON
    )
    audit_before = AuditEntry.objects.count()

    with pytest.raises(IntegrityError):
        services.phase_two_decide(actor=actor, nomination=blocked, effective_date=GRANTED_ON)

    assert not Decision.objects.filter(nomination=blocked, phase=Phase.TWO).exists()
    assert Accreditation.objects.get(nomination=blocked).status == AccreditationStatus.PRE_ACCREDITED
    assert not CertificateCounter.objects.exists()
    assert AuditEntry.objects.count() == audit_before

    Certificate.objects.filter(accreditation=squatter).delete()
    services.phase_two_decide(actor=actor, nomination=blocked, effective_date=GRANTED_ON)
    assert Certificate.objects.get(accreditation__nomination=blocked).number == "IPR-TOA-2024-0001"
