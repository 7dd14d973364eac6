"""Every workshop and nomination transition, allowed and refused, and the rules
the nomination services enforce (deadline, quota, capacity, pre-screening,
conflicts of interest). Each allowed change writes one audit entry; each
refusal raises a DomainError saying why and changes nothing."""

import datetime as dt
import itertools

import pytest
import time_machine
from django.utils import timezone

from tests.factories import (
    AdministrationFactory,
    OfficialFactory,
    UserFactory,
    make_workshop,
    nominate,
    secretariat_user,
)
from toa_portal.errors import DomainError
from toa_portal.models import AuditEntry
from workshops import services
from workshops.enums import Attendance, NominationStatus, PrescreeningOutcome, WorkshopStatus
from workshops.models import Nomination, WorkshopQuota

pytestmark = pytest.mark.django_db

W = WorkshopStatus
WORKSHOP_ALLOWED = {
    (W.DRAFT, W.OPEN),
    (W.CLOSED, W.OPEN),
    (W.DRAFT, W.CLOSED),
    (W.OPEN, W.CLOSED),
    (W.OPEN, W.IN_PROGRESS),
    (W.CLOSED, W.IN_PROGRESS),
    (W.CLOSED, W.COMPLETED),
    (W.IN_PROGRESS, W.COMPLETED),
    (W.DRAFT, W.CANCELLED),
    (W.OPEN, W.CANCELLED),
    (W.CLOSED, W.CANCELLED),
}
WORKSHOP_PAIRS = [(a, b) for a, b in itertools.product(W, W) if a != b]


def _audit_count(**filters):
    return AuditEntry.objects.filter(**filters).count()


@pytest.mark.parametrize(("start", "target"), sorted(WORKSHOP_ALLOWED))
def test_workshop_transition_allowed(start, target):
    actor = secretariat_user()
    workshop = make_workshop(actor=actor, status=start)
    services.workshop_set_status(actor=actor, workshop=workshop, status=target, reason="planned")
    workshop.refresh_from_db()
    assert workshop.status == target
    entry = AuditEntry.objects.get(action="workshop.status", workshop_id=workshop.pk)
    assert (entry.before, entry.after, entry.actor, entry.reason) == (
        {"status": start},
        {"status": target},
        actor,
        "planned",
    )


@pytest.mark.parametrize(("start", "target"), sorted(set(WORKSHOP_PAIRS) - WORKSHOP_ALLOWED))
def test_workshop_transition_refused(start, target):
    actor = secretariat_user()
    workshop = make_workshop(actor=actor, status=start)
    with pytest.raises(DomainError, match="cannot become"):
        services.workshop_set_status(actor=actor, workshop=workshop, status=target)
    workshop.refresh_from_db()
    assert workshop.status == start
    assert _audit_count(action="workshop.status", workshop_id=workshop.pk) == 0


@pytest.mark.parametrize("status", list(W))
def test_workshop_transition_to_the_same_status_changes_nothing(status):
    actor = secretariat_user()
    workshop = make_workshop(actor=actor, status=status)
    services.workshop_set_status(actor=actor, workshop=workshop, status=status)
    assert _audit_count(action="workshop.status", workshop_id=workshop.pk) == 0


# Nominations ----------------------------------------------------------------------------------------

N = NominationStatus
NOMINATION_ALLOWED = {
    (N.SUBMITTED, N.ACCEPTED),
    (N.WAITLISTED, N.ACCEPTED),
    (N.SUBMITTED, N.WAITLISTED),
    (N.SUBMITTED, N.DECLINED),
    (N.WAITLISTED, N.DECLINED),
    (N.ACCEPTED, N.DECLINED),
    (N.SUBMITTED, N.WITHDRAWN),
    (N.WAITLISTED, N.WITHDRAWN),
}
NOMINATION_PAIRS = [(a, b) for a, b in itertools.product(N, N) if a != b and b != N.SUBMITTED]
ACTIONS = {
    N.ACCEPTED: "nomination.accept",
    N.WAITLISTED: "nomination.waitlist",
    N.DECLINED: "nomination.decline",
    N.WITHDRAWN: "nomination.withdraw",
}


def _move(actor, nomination, target):
    if target == N.ACCEPTED:
        return services.nomination_accept(actor=actor, nomination=nomination)
    if target == N.WAITLISTED:
        return services.nomination_waitlist(actor=actor, nomination=nomination, reason="Capacity")
    if target == N.DECLINED:
        return services.nomination_decline(actor=actor, nomination=nomination, reason="Profile does not fit")
    return services.nomination_withdraw(actor=actor, nomination=nomination, reason="Officer reassigned")


def _nomination_in(status, actor):
    nomination = nominate(make_workshop(actor=actor), actor=actor)
    if status != N.SUBMITTED:
        nomination = _move(actor, nomination, status)
    assert nomination.status == status
    return nomination


@pytest.mark.parametrize(("start", "target"), sorted(NOMINATION_ALLOWED))
def test_nomination_transition_allowed(start, target):
    actor = secretariat_user()
    nomination = _nomination_in(start, actor)
    _move(actor, nomination, target)
    nomination.refresh_from_db()
    assert nomination.status == target
    assert nomination.decided_at is not None
    entry = AuditEntry.objects.filter(action=ACTIONS[target], object_id=str(nomination.pk)).get()
    assert (entry.before, entry.after) == ({"status": start}, {"status": target})
    assert entry.official_id == nomination.official_id and entry.workshop_id == nomination.workshop_id


@pytest.mark.parametrize(("start", "target"), sorted(set(NOMINATION_PAIRS) - NOMINATION_ALLOWED))
def test_nomination_transition_refused(start, target):
    actor = secretariat_user()
    nomination = _nomination_in(start, actor)
    entries = AuditEntry.objects.count()
    with pytest.raises(DomainError, match="cannot be"):
        _move(actor, nomination, target)
    nomination.refresh_from_db()
    assert nomination.status == start
    assert AuditEntry.objects.count() == entries


@pytest.mark.parametrize("status", [N.ACCEPTED, N.WAITLISTED, N.DECLINED, N.WITHDRAWN])
def test_nomination_transition_to_the_same_status_changes_nothing(status):
    actor = secretariat_user()
    nomination = _nomination_in(status, actor)
    entries = AuditEntry.objects.count()
    _move(actor, nomination, status)
    assert AuditEntry.objects.count() == entries


def test_nomination_submit_writes_an_audit_entry_and_notifies_the_focal_point(
    mailoutbox, django_capture_on_commit_callbacks
):
    from tests.factories import focal_point_user

    actor = secretariat_user()
    official = OfficialFactory()
    focal = focal_point_user(official.administration, email="focal@customs.example")
    with django_capture_on_commit_callbacks(execute=True):
        nomination = nominate(make_workshop(actor=actor), official, actor=actor)
    assert nomination.status == N.SUBMITTED
    assert AuditEntry.objects.filter(action="nomination.submit", object_id=str(nomination.pk)).exists()
    assert [m.to for m in mailoutbox] == [[focal.email]]


def test_nomination_submit_refused_when_the_workshop_is_not_open():
    actor = secretariat_user()
    for status in (W.DRAFT, W.CLOSED, W.IN_PROGRESS, W.COMPLETED, W.CANCELLED):
        workshop = make_workshop(actor=actor, status=status)
        with pytest.raises(DomainError, match="not open for nominations"):
            nominate(workshop, actor=actor)
    assert not Nomination.objects.exists()


def test_nomination_submit_refused_after_the_deadline_in_the_workshop_time_zone():
    actor = secretariat_user()
    # 17:00 in Tokyo is 08:00 UTC.
    deadline = dt.datetime(2030, 6, 1, 8, 0, tzinfo=dt.UTC)
    workshop = make_workshop(actor=actor, nomination_deadline=deadline, timezone="Asia/Tokyo")
    with time_machine.travel(deadline - dt.timedelta(minutes=1), tick=False):
        nominate(workshop, actor=actor)
    with (
        time_machine.travel(deadline + dt.timedelta(minutes=1), tick=False),
        pytest.raises(DomainError, match=r"Nominations closed on 1 Jun 2030, 17:00 \(Asia/Tokyo\)\."),
    ):
        nominate(workshop, actor=actor)
    assert workshop.nominations.count() == 1


def test_nomination_submit_refused_twice_for_the_same_official():
    actor = secretariat_user()
    workshop = make_workshop(actor=actor)
    official = OfficialFactory()
    nominate(workshop, official, actor=actor)
    with pytest.raises(DomainError, match="already nominated"):
        nominate(workshop, official, actor=actor)


def test_nomination_submit_refused_over_the_default_quota_withdrawn_ones_do_not_count():
    actor = secretariat_user()
    workshop = make_workshop(actor=actor, default_quota=1)
    administration = AdministrationFactory()
    first = nominate(workshop, OfficialFactory(administration=administration), actor=actor)
    with pytest.raises(DomainError, match="used its quota of 1"):
        nominate(workshop, OfficialFactory(administration=administration), actor=actor)
    nominate(workshop, OfficialFactory(), actor=actor)  # another administration has its own quota
    services.nomination_withdraw(actor=actor, nomination=first)
    nominate(workshop, OfficialFactory(administration=administration), actor=actor)


def test_nomination_submit_quota_per_administration_overrides_the_default():
    actor = secretariat_user()
    workshop = make_workshop(actor=actor, default_quota=1)
    administration = AdministrationFactory()
    WorkshopQuota.objects.create(workshop=workshop, administration=administration, limit=2)
    nominate(workshop, OfficialFactory(administration=administration), actor=actor)
    nominate(workshop, OfficialFactory(administration=administration), actor=actor)
    with pytest.raises(DomainError, match="quota of 2"):
        nominate(workshop, OfficialFactory(administration=administration), actor=actor)


def test_nomination_submit_capacity_does_not_limit_nominations():
    actor = secretariat_user()
    workshop = make_workshop(actor=actor, capacity=1)
    for _ in range(3):
        nominate(workshop, actor=actor)
    assert workshop.nominations.count() == 3


def test_nomination_accept_refused_when_the_workshop_is_full():
    actor = secretariat_user()
    workshop = make_workshop(actor=actor, capacity=1)
    nominate(workshop, actor=actor, accept=True)
    second = nominate(workshop, actor=actor)
    with pytest.raises(DomainError, match="The workshop is full: 1 of 1"):
        services.nomination_accept(actor=actor, nomination=second)
    # Declining an accepted candidate frees the place.
    services.nomination_decline(
        actor=actor, nomination=workshop.nominations.get(status=N.ACCEPTED), reason="Withdrew for health reasons"
    )
    assert services.nomination_accept(actor=actor, nomination=second).status == N.ACCEPTED


def test_nomination_accept_asks_confirmation_without_two_assessors_free_of_conflict():
    actor = secretariat_user()
    workshop = make_workshop(actor=actor)
    official = OfficialFactory()
    same_home = UserFactory(home=official.administration)
    free = UserFactory()
    services.assessor_assign(actor=actor, workshop=workshop, assessor=same_home)
    services.assessor_assign(actor=actor, workshop=workshop, assessor=free)
    nomination = nominate(workshop, official, actor=actor)
    with pytest.raises(services.ConfirmationNeeded, match="fewer than 2 eligible assessors"):
        services.nomination_accept(actor=actor, nomination=nomination)
    services.assessor_assign(actor=actor, workshop=workshop, assessor=UserFactory())
    assert services.nomination_accept(actor=actor, nomination=nomination).status == N.ACCEPTED


def test_nomination_accept_refused_with_a_declared_conflict():
    actor = secretariat_user()
    workshop = make_workshop(actor=actor)
    official = OfficialFactory()
    first, second = UserFactory(), UserFactory()
    for assessor in (first, second):
        services.assessor_assign(actor=actor, workshop=workshop, assessor=assessor)
    services.conflict_declare(actor=actor, assessor=first, official=official, reason="Former supervisor")
    nomination = nominate(workshop, official, actor=actor)
    with pytest.raises(services.ConfirmationNeeded, match="fewer than 2 eligible assessors"):
        services.nomination_accept(actor=actor, nomination=nomination)


def test_nomination_decline_refused_without_a_reason():
    actor = secretariat_user()
    nomination = nominate(make_workshop(actor=actor), actor=actor)
    with pytest.raises(DomainError, match="reason"):
        services.nomination_decline(actor=actor, nomination=nomination, reason="   ")
    nomination.refresh_from_db()
    assert nomination.status == N.SUBMITTED


def test_nomination_decline_notifies_the_focal_point_and_the_official(mailoutbox, django_capture_on_commit_callbacks):
    from tests.factories import focal_point_user

    actor = secretariat_user()
    official = OfficialFactory()
    focal = focal_point_user(official.administration, email="focal@customs.example")
    nomination = nominate(make_workshop(actor=actor), official, actor=actor)
    with django_capture_on_commit_callbacks(execute=True):
        services.nomination_decline(actor=actor, nomination=nomination, reason="Profile does not fit")
    assert sorted(m.to[0] for m in mailoutbox) == sorted([focal.email, official.email])


def test_nomination_withdraw_refused_after_the_deadline():
    actor = secretariat_user()
    workshop = make_workshop(actor=actor)
    nomination = nominate(workshop, actor=actor)
    later = workshop.nomination_deadline + dt.timedelta(seconds=1)
    with pytest.raises(DomainError, match="deadline has passed"):
        services.nomination_withdraw(actor=actor, nomination=nomination, now=later)
    assert services.nomination_withdraw(actor=actor, nomination=nomination).status == N.WITHDRAWN


def _prescreening_workshop(actor):
    from accreditation.demo import rubric_programme

    programme = rubric_programme()
    programme.pk = None
    programme.code, programme.has_prescreening = "pca", True
    programme.save()
    return make_workshop(actor=actor, programme=programme)


def test_nomination_prescreening_pending_or_failed_cannot_be_accepted():
    actor = secretariat_user()
    workshop = _prescreening_workshop(actor)
    pending = nominate(workshop, actor=actor)
    assert pending.prescreening == PrescreeningOutcome.PENDING
    with pytest.raises(DomainError, match="pre-screening"):
        services.nomination_accept(actor=actor, nomination=pending)
    services.nomination_prescreen(actor=actor, nomination=pending, passed=False, reason="Weak file")
    with pytest.raises(DomainError, match="pre-screening"):
        services.nomination_accept(actor=actor, nomination=pending)
    passed = nominate(workshop, actor=actor)
    services.nomination_prescreen(actor=actor, nomination=passed, passed=True)
    assert services.nomination_accept(actor=actor, nomination=passed).status == N.ACCEPTED
    assert _audit_count(action="nomination.prescreen") == 2


def test_nomination_prescreen_refused_where_the_programme_has_none_or_after_selection():
    actor = secretariat_user()
    nomination = nominate(make_workshop(actor=actor), actor=actor)
    with pytest.raises(DomainError, match="no pre-screening"):
        services.nomination_prescreen(actor=actor, nomination=nomination, passed=True)
    workshop = _prescreening_workshop(actor)
    declined = nominate(workshop, actor=actor)
    services.nomination_decline(actor=actor, nomination=declined, reason="Late file")
    with pytest.raises(DomainError, match="before the nomination is accepted"):
        services.nomination_prescreen(actor=actor, nomination=declined, passed=True)


def test_nomination_attendance_only_for_accepted_candidates():
    actor = secretariat_user()
    workshop = make_workshop(actor=actor)
    submitted = nominate(workshop, actor=actor)
    with pytest.raises(DomainError, match="accepted nominations only"):
        services.nomination_attendance(actor=actor, nomination=submitted, attendance=Attendance.ATTENDED)
    accepted = nominate(workshop, actor=actor, accept=True)
    with pytest.raises(DomainError, match="Unknown attendance"):
        services.nomination_attendance(actor=actor, nomination=accepted, attendance="maybe")
    services.nomination_attendance(actor=actor, nomination=accepted, attendance=Attendance.ATTENDED)
    accepted.refresh_from_db()
    assert accepted.attendance == Attendance.ATTENDED
    assert _audit_count(action="nomination.attendance", object_id=str(accepted.pk)) == 1


# Assessors and conflicts ----------------------------------------------------------------------------


def test_assessor_assign_records_the_candidates_the_assessor_may_not_assess():
    actor = secretariat_user()
    workshop = make_workshop(actor=actor)
    official = OfficialFactory()
    nominate(workshop, official, actor=actor, accept=True)
    assessor = UserFactory(home=official.administration)
    services.assessor_assign(actor=actor, workshop=workshop, assessor=assessor, confirm=True)
    services.assessor_assign(actor=actor, workshop=workshop, assessor=assessor)  # twice: nothing new
    entry = AuditEntry.objects.get(action="assessor.assign", workshop_id=workshop.pk)
    assert entry.after == {
        "assessor": assessor.username,
        "not_eligible_for": [official.name_latin],
        "below_minimum": [f"{official.name_latin} (0)"],
    }
    assert workshop.assignments.count() == 1


def test_assessor_unassign_refused_once_the_assessor_has_scored():
    from accreditation.services import phase_one_score_record

    actor = secretariat_user()
    workshop = make_workshop(actor=actor)
    scorer, second, newcomer = UserFactory(), UserFactory(), UserFactory()
    for assessor in (scorer, second, newcomer):
        services.assessor_assign(actor=actor, workshop=workshop, assessor=assessor)
    nomination = nominate(workshop, actor=actor, accept=True)
    exercise = workshop.exercises.first()
    phase_one_score_record(
        actor=scorer, nomination=nomination, exercise=exercise, criterion=exercise.criteria.first(), value=4
    )
    with pytest.raises(DomainError, match="already entered scores"):
        services.assessor_unassign(actor=actor, workshop=workshop, assessor=scorer)
    services.assessor_unassign(actor=actor, workshop=workshop, assessor=newcomer)
    assert set(workshop.assignments.values_list("assessor", flat=True)) == {scorer.pk, second.pk}
    assert _audit_count(action="assessor.unassign", workshop_id=workshop.pk) == 1


def test_conflict_declare_needs_a_reason_and_is_recorded_once():
    actor = secretariat_user()
    assessor, official = UserFactory(), OfficialFactory()
    with pytest.raises(DomainError, match="reason"):
        services.conflict_declare(actor=actor, assessor=assessor, official=official, reason="")
    services.conflict_declare(actor=actor, assessor=assessor, official=official, reason="Relative")
    services.conflict_declare(actor=actor, assessor=assessor, official=official, reason="Relative")
    assert _audit_count(action="conflict.declare", official_id=official.pk) == 1


def test_workshop_create_refuses_dates_in_the_wrong_order():
    from django.core.exceptions import ValidationError

    today = timezone.localdate()
    with pytest.raises(ValidationError):
        make_workshop(start_date=today, end_date=today - dt.timedelta(days=1))


@pytest.mark.parametrize("status", [W.COMPLETED, W.CANCELLED])
def test_nomination_accept_refused_once_the_workshop_is_over_or_cancelled(status):
    actor = secretariat_user()
    workshop = make_workshop(actor=actor)
    nomination = nominate(workshop, actor=actor)
    services.workshop_set_status(actor=actor, workshop=workshop, status=W.CLOSED)
    services.workshop_set_status(actor=actor, workshop=workshop, status=status)
    with pytest.raises(DomainError, match="no candidate can be accepted"):
        services.nomination_accept(actor=actor, nomination=nomination)
    nomination.refresh_from_db()
    assert nomination.status == N.SUBMITTED


def test_nomination_decline_refused_once_a_decision_is_recorded():
    from accreditation.enums import Outcome, Phase
    from accreditation.models import Decision

    actor = secretariat_user()
    nomination = nominate(make_workshop(actor=actor), actor=actor, accept=True)
    Decision.objects.create(nomination=nomination, phase=Phase.ONE, outcome=Outcome.FAILED, decided_by=actor)
    with pytest.raises(DomainError, match="decision is recorded"):
        services.nomination_decline(actor=actor, nomination=nomination, reason="Late change")
    nomination.refresh_from_db()
    assert nomination.status == N.ACCEPTED
