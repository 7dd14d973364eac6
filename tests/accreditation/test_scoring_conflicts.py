"""Conflict of interest, checked at the three checkpoints: assigning, accepting and scoring."""

import pytest

from accreditation import services
from accreditation.models import PhaseOneScore
from tests.factories import (
    AdministrationFactory,
    OfficialFactory,
    UserFactory,
    make_workshop,
    nominate,
    secretariat_user,
)
from toa_portal.models import AuditEntry
from workshops import services as workshop_services
from workshops.enums import NominationStatus
from workshops.selectors import eligible_assessor_map

from .scoring_helpers import Setup, save_url

pytestmark = pytest.mark.django_db


def test_assigning_records_who_the_assessor_may_not_assess():
    setup = Setup(candidates=2)
    home_of_first = setup.nominations[0].official.administration
    newcomer = UserFactory(home=home_of_first)
    workshop_services.assessor_assign(actor=setup.secretariat, workshop=setup.workshop, assessor=newcomer)
    entry = AuditEntry.objects.get(action="assessor.assign", after__assessor=newcomer.username)
    assert entry.after["not_eligible_for"] == [setup.nominations[0].official.name_latin]
    eligible = eligible_assessor_map(setup.workshop)
    assert newcomer not in eligible[setup.nominations[0].pk]
    assert newcomer in eligible[setup.nominations[1].pk]


def test_assigning_a_field_evaluator_of_the_experts_administration_is_refused():
    setup = Setup()
    setup.worked_example()
    services.phase_one_decide(actor=setup.secretariat, nomination=setup.nomination)
    with pytest.raises(services.DomainError, match="belongs to the official's own administration"):
        services.field_evaluation_assign(
            actor=setup.secretariat,
            nomination=setup.nomination,
            evaluator=UserFactory(home=setup.nomination.official.administration),
            mission_place="Here",
            mission_start=setup.workshop.end_date,
            mission_end=setup.workshop.end_date,
            mission_type="national_training",
            role="lead",
        )


def test_accepting_needs_confirmation_when_fewer_than_two_assessors_are_free_of_conflict():
    workshop = make_workshop()
    administration = AdministrationFactory()
    conflicted = UserFactory(home=administration)
    free = UserFactory(home=AdministrationFactory())
    actor = secretariat_user()
    for assessor in (conflicted, free):
        workshop_services.assessor_assign(actor=actor, workshop=workshop, assessor=assessor)
    nomination = nominate(workshop, OfficialFactory(administration=administration), actor=actor)
    with pytest.raises(workshop_services.ConfirmationNeeded, match="fewer than 2 eligible assessors") as refused:
        workshop_services.nomination_accept(actor=actor, nomination=nomination)
    assert [(n.pk, left) for n, left in refused.value.below] == [(nomination.pk, 1)]
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.SUBMITTED
    # A declared conflict counts the same way.
    other = nominate(workshop, actor=actor)
    workshop_services.conflict_declare(actor=actor, assessor=free, official=other.official, reason="Same unit")
    with pytest.raises(workshop_services.ConfirmationNeeded, match=other.official.name_latin):
        workshop_services.nomination_accept(actor=actor, nomination=other)
    # Confirmed, the acceptance goes ahead; the decision stays refused until the minimum is met.
    accepted = workshop_services.nomination_accept(actor=actor, nomination=other, confirm=True)
    assert accepted.status == NominationStatus.ACCEPTED


def test_scoring_is_refused_for_a_conflict_declared_after_assignment(client):
    setup = Setup(assessors=3)
    assessor = setup.assessors[0]
    setup.score(assessor, setup.nomination, "PRES", "T", 4)
    workshop_services.conflict_declare(
        actor=setup.secretariat, assessor=assessor, official=setup.nomination.official, reason="Discovered kinship"
    )
    entry = AuditEntry.objects.get(action="conflict.declare")
    assert (entry.reason, entry.official_id) == ("Discovered kinship", setup.nomination.official_id)
    with pytest.raises(services.DomainError, match="You may not score this candidate"):
        setup.score(assessor, setup.nomination, "PRES", "D", 4)
    client.force_login(assessor)
    response = client.post(save_url(setup, setup.nomination, "PRES", "C"), {"value": "4", "version": "0"})
    assert response.status_code == 422
    assert "declared a conflict of interest" in response.content.decode()
    page = client.get(save_url(setup, setup.nomination).rsplit("scores/", 1)[0]).content.decode()
    assert setup.nomination.official.name_latin not in page
    assert PhaseOneScore.objects.filter(assessor=assessor).count() == 1


def test_scoring_a_candidate_of_the_assessors_own_administration_is_refused():
    assessors = [UserFactory(home=AdministrationFactory()) for _ in range(3)]
    official = OfficialFactory(administration=assessors[0].profile.home_administration)
    setup = Setup(assessor_users=assessors, officials=[official])
    with pytest.raises(services.DomainError, match="own administration"):
        setup.score(assessors[0], setup.nomination, "PRES", "T", 4)
    assert not PhaseOneScore.objects.exists()


def test_secretariat_is_told_when_a_candidate_has_fewer_than_two_eligible_assessors(client):
    from django.urls import reverse

    setup = Setup(candidates=2)
    workshop_services.conflict_declare(
        actor=setup.secretariat,
        assessor=setup.assessors[0],
        official=setup.nominations[1].official,
        reason="Declared after acceptance",
        confirm=True,
    )
    client.force_login(setup.secretariat)
    page = client.get(reverse("accreditation:workshop_assessment", args=[setup.workshop.pk])).content.decode()
    warning = page[page.index('id="short-of-assessors"') :]
    warning = warning[: warning.index("</div>")]
    assert f"{setup.nominations[1].official.name_latin}: 1 eligible assessor" in warning
    assert setup.nominations[0].official.name_latin not in warning
