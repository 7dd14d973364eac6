"""Assessment integrity through the services: decisions rest on at least two
eligible assessors, conflicts hold for every administration an assessor
belongs to, and released results are not reopened."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accreditation import passrule, services
from accreditation.enums import Outcome, Phase
from accreditation.models import Accreditation, Decision, ScoreSheet
from tests.accreditation.scoring_helpers import PASSING, Setup
from tests.factories import (
    AdministrationFactory,
    OfficialFactory,
    UserFactory,
    field_evaluations_submitted,
    focal_point_user,
    make_workshop,
    nominate,
    secretariat_user,
)
from toa_portal.errors import DomainError
from toa_portal.models import AuditEntry
from workshops import selectors as workshop_selectors
from workshops import services as workshop_services
from workshops.enums import WorkshopStatus
from workshops.models import DeclaredConflict

pytestmark = pytest.mark.django_db


def test_reopening_a_sheet_after_the_decisions_are_released_is_refused():
    setup = Setup()
    setup.score_all([PASSING, PASSING])
    setup.submit_all()
    decision = services.phase_one_decide(actor=setup.secretariat, nomination=setup.nomination)
    sheet = ScoreSheet.objects.filter(workshop=setup.workshop).first()
    # before the release, a reopening is allowed (the decision itself stays)
    services.score_sheet_reopen(actor=setup.secretariat, sheet=sheet, reason="Typo in a comment.")
    services.score_sheet_submit(actor=sheet.assessor, workshop=setup.workshop, exercise=sheet.exercise)
    services.decision_release(actor=setup.secretariat, decision=decision)
    with pytest.raises(DomainError, match="released: its sheets stay closed"):
        services.score_sheet_reopen(actor=setup.secretariat, sheet=sheet, reason="Again.")
    sheet.refresh_from_db()
    assert sheet.status == "submitted"
    assert Decision.objects.get(nomination=setup.nomination, phase=Phase.ONE).released
    assert services.nomination_result(setup.nomination).status == passrule.PASSED


# ------------------------------------------------- two eligible assessors


def _workshop_with(actor, *assessors, officials=()):
    workshop = make_workshop(actor=actor)
    nominations = [nominate(workshop, official, actor=actor, accept=True) for official in officials]
    for assessor in assessors:
        workshop_services.assessor_assign(actor=actor, workshop=workshop, assessor=assessor)
    return workshop, nominations


def _score_and_submit(workshop, assessor, nomination, value=4):
    for exercise in workshop.exercises.prefetch_related("criteria"):
        if nomination is not None:
            for criterion in exercise.criteria.all():
                services.phase_one_score_record(
                    actor=assessor, nomination=nomination, exercise=exercise, criterion=criterion, value=value
                )
        services.score_sheet_submit(actor=assessor, workshop=workshop, exercise=exercise)


def test_a_decision_never_rests_on_one_eligible_assessor(client):
    """Accepted before any assessor was assigned, then two assessors of whom one is conflicted."""
    actor = secretariat_user()
    official = OfficialFactory()
    workshop, (nomination,) = _workshop_with(actor, officials=[official])
    free = UserFactory(home=AdministrationFactory(), password=None)
    conflicted = UserFactory(home=official.administration, password=None)
    workshop_services.assessor_assign(actor=actor, workshop=workshop, assessor=free)
    with pytest.raises(workshop_services.ConfirmationNeeded, match=official.name_latin) as asked:
        workshop_services.assessor_assign(actor=actor, workshop=workshop, assessor=conflicted)
    assert [(n.pk, left) for n, left in asked.value.below] == [(nomination.pk, 1)]
    assert not workshop.assignments.filter(assessor=conflicted).exists()
    workshop_services.assessor_assign(actor=actor, workshop=workshop, assessor=conflicted, confirm=True)
    entry = AuditEntry.objects.filter(action="assessor.assign").latest("pk")
    assert official.name_latin in str(entry.after["below_minimum"])

    _score_and_submit(workshop, free, nomination)
    _score_and_submit(workshop, conflicted, None)
    assert services.nomination_result(nomination).status == passrule.TOO_FEW_ASSESSORS
    with pytest.raises(DomainError, match="Only 1 eligible assessors scored this candidate; 2 are needed"):
        services.phase_one_decide(actor=actor, nomination=nomination)
    assert not Decision.objects.filter(nomination=nomination).exists()

    client.force_login(actor)
    page = client.get(reverse("accreditation:workshop_results", args=[workshop.pk])).content.decode()
    note = " ".join(page.split("short-of-assessors", 1)[1].split("</div>", 1)[0].split())
    assert "Needs 2 eligible assessors, has 1: no decision can be recorded." in note
    assert "the assessor belongs to the official&#x27;s own administration" in note

    # Once the workshop is over, the candidate ends not assessable (no pass, no fail, no accreditation).
    workshop_services.workshop_set_status(actor=actor, workshop=workshop, status=WorkshopStatus.IN_PROGRESS)
    workshop_services.workshop_set_status(actor=actor, workshop=workshop, status=WorkshopStatus.COMPLETED)
    decision = services.phase_one_decide(actor=actor, nomination=nomination)
    assert (decision.outcome, decision.grade, decision.score_percent) == (Outcome.NOT_ASSESSABLE, "", None)
    assert not Accreditation.objects.filter(nomination=nomination).exists()
    focal = focal_point_user(official.administration)
    client.force_login(focal)
    assert "invited to a later workshop" not in client.get(reverse("home")).content.decode()
    services.decision_release(actor=actor, decision=decision)
    # released like a decision: the focal point reads the outcome with the invitation
    home = client.get(reverse("home")).content.decode()
    assert "Not assessable" in home and "invited to a later workshop" in home


def test_a_moderated_value_never_stands_in_for_a_missing_score():
    rubric = passrule.Rubric(
        scale_min=1,
        scale_max=5,
        combination="mean",
        tolerance=Decimal("1"),
        pass_threshold=Decimal("60"),
        criteria=(passrule.Criterion("T", "T", 1),),
        exercises=(passrule.Exercise("E", "E", ("T",)),),
        grade_bands=(),
    )
    result = passrule.evaluate(rubric, ["A", "B"], {("A", "E", "T"): 4}, {("E", "T"): Decimal("4")})
    assert result.status == passrule.INCOMPLETE
    assert result.missing == ["E/T: B"]


def test_unassigning_an_assessor_asks_confirmation_only_when_a_candidate_falls_below_two():
    actor = secretariat_user()
    people = [UserFactory(home=AdministrationFactory(), password=None) for _ in range(3)]
    workshop, (nomination,) = _workshop_with(actor, *people, officials=[OfficialFactory()])
    workshop_services.assessor_unassign(actor=actor, workshop=workshop, assessor=people[0])
    with pytest.raises(workshop_services.ConfirmationNeeded, match=nomination.official.name_latin):
        workshop_services.assessor_unassign(actor=actor, workshop=workshop, assessor=people[1])
    assert workshop.assignments.count() == 2
    workshop_services.assessor_unassign(actor=actor, workshop=workshop, assessor=people[1], confirm=True)
    assert workshop.assignments.count() == 1


def test_declaring_a_conflict_asks_confirmation_when_it_leaves_the_candidate_below_two():
    actor = secretariat_user()
    people = [UserFactory(home=AdministrationFactory(), password=None) for _ in range(2)]
    workshop, (nomination,) = _workshop_with(actor, *people, officials=[OfficialFactory()])
    with pytest.raises(workshop_services.ConfirmationNeeded, match=nomination.official.name_latin):
        workshop_services.conflict_declare(actor=actor, assessor=people[0], official=nomination.official, reason="Kin")
    assert not DeclaredConflict.objects.exists()
    workshop_services.conflict_declare(
        actor=actor, assessor=people[0], official=nomination.official, reason="Kin", confirm=True
    )
    assert DeclaredConflict.objects.filter(assessor=people[0], official=nomination.official).exists()


def test_the_assessor_page_shows_a_confirmation_naming_the_candidates(client):
    actor = secretariat_user()
    official = OfficialFactory()
    free = UserFactory(home=AdministrationFactory(), password=None)
    workshop, _ = _workshop_with(actor, free, officials=[official])
    conflicted = UserFactory(home=official.administration, password=None)
    client.force_login(actor)
    url = reverse("workshops:assessor_assign", args=[workshop.pk])
    response = client.post(url, {"assessor": conflicted.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Candidates left without enough eligible assessors" in page
    assert official.name_latin in page and "1 eligible assessor left" in page
    assert f'name="assessor" value="{conflicted.pk}"' in page
    assert not workshop.assignments.filter(assessor=conflicted).exists()
    response = client.post(url, {"assessor": conflicted.pk, "confirm": "1"})
    assert response.status_code == 302
    assert workshop.assignments.filter(assessor=conflicted).exists()


# -------------------------------------- conflicts through the official record


def _expert_of(administration):
    """An accredited expert's account: linked to their official record, no home administration on the profile."""
    user = UserFactory(home=None, password=None)
    OfficialFactory(administration=administration, user=user)
    return user


def test_an_expert_who_assesses_is_conflicted_with_candidates_of_their_own_administration():
    actor = secretariat_user()
    japan = AdministrationFactory()
    candidate = OfficialFactory(administration=japan)
    expert = _expert_of(japan)
    others = [UserFactory(home=AdministrationFactory(), password=None) for _ in range(2)]
    workshop, (nomination,) = _workshop_with(actor, *others, officials=[candidate])
    workshop_services.assessor_assign(actor=actor, workshop=workshop, assessor=expert)
    entry = AuditEntry.objects.filter(action="assessor.assign").latest("pk")
    assert entry.after["not_eligible_for"] == [candidate.name_latin]
    workshop_services.workshop_set_status(actor=actor, workshop=workshop, status=WorkshopStatus.IN_PROGRESS)
    exercise = workshop.exercises.first()
    with pytest.raises(DomainError, match="own administration"):
        services.phase_one_score_record(
            actor=expert, nomination=nomination, exercise=exercise, criterion=exercise.criteria.first(), value=4
        )
    assert not nomination.scores.exists()
    assert [a.pk for a in workshop_selectors.eligible_assessor_map(workshop)[nomination.pk]] == [o.pk for o in others]


def test_an_expert_is_never_offered_nor_assigned_as_field_evaluator_of_their_own_administration():
    from accreditation.forms.assessment import evaluator_candidates

    actor = secretariat_user()
    japan = AdministrationFactory()
    candidate = OfficialFactory(administration=japan)
    expert = _expert_of(japan)
    evaluation = field_evaluations_submitted([OfficialFactory()], actor=actor)[0]  # makes a workshop with assessors
    workshop_services.assessor_assign(actor=actor, workshop=evaluation.nomination.workshop, assessor=expert)
    (phase_one,) = field_evaluations_submitted([candidate], actor=actor)
    assert expert not in evaluator_candidates(phase_one.nomination)
    with pytest.raises(DomainError, match="own administration"):
        services.field_evaluation_assign(
            actor=actor,
            nomination=phase_one.nomination,
            evaluator=expert,
            mission_place="Tokyo",
            mission_start=phase_one.mission_start,
            mission_end=phase_one.mission_end,
            mission_type=phase_one.mission_type,
            role=phase_one.role,
        )


def test_linking_an_account_to_an_official_later_flags_the_scores_that_no_longer_count(client):
    setup = Setup(assessors=3)
    late, *_ = setup.assessors
    setup.score_all([PASSING, PASSING, PASSING])
    setup.submit_all()
    assert services.nomination_result(setup.nomination).eligible == 3
    # The assessor turns out to be an official of the candidate's administration.
    OfficialFactory(administration=setup.nomination.official.administration, user=late)
    entry = AuditEntry.objects.get(action="conflict.account_linked")
    assert entry.official_id == setup.nomination.official_id and entry.after["scores_no_longer_count"] is True
    result = services.nomination_result(setup.nomination)
    assert result.eligible == 2 and result.status == passrule.PASSED
    client.force_login(setup.secretariat)
    page = client.get(reverse("accreditation:workshop_results", args=[setup.workshop.pk])).content.decode()
    flagged = " ".join(page.split("conflicted-scores", 1)[1].split("</div>", 1)[0].split())
    assert "is now in conflict of interest: those scores do not count." in flagged
    assert (late.get_full_name() or late.username) in flagged


def test_a_field_evaluation_whose_evaluator_became_conflicted_is_not_decided_on():
    actor = secretariat_user()
    (evaluation,) = field_evaluations_submitted([OfficialFactory()], actor=actor)
    nomination = evaluation.nomination
    # After the mission, the evaluator's account is linked to an official of the expert's administration.
    OfficialFactory(administration=nomination.official.administration, user=evaluation.evaluator)
    entry = AuditEntry.objects.get(action="conflict.account_linked", official_id=nomination.official_id)
    assert entry.after["field_evaluator"] is True
    with pytest.raises(DomainError, match="in conflict of interest .*own administration.*does not count"):
        services.phase_two_decide(actor=actor, nomination=nomination)
    assert not Decision.objects.filter(nomination=nomination, phase=Phase.TWO).exists()


# ------------------------------------------------------ Phase Two snapshot


def test_editing_the_programme_never_regrades_a_past_field_evaluation():
    actor = secretariat_user()
    (evaluation,) = field_evaluations_submitted([OfficialFactory()], actor=actor)
    before = services.field_result(evaluation)
    assert before["status"] == passrule.PASSED and before["percent_display"] == "80.0%"
    programme = evaluation.nomination.workshop.programme
    programme.field_pass_threshold = Decimal("95")
    programme.save()
    programme.field_criteria.update(weight=9, minimum=Decimal("5"))
    evaluation.refresh_from_db()
    assert services.field_result(evaluation) == before
    decision = services.phase_two_decide(actor=actor, nomination=evaluation.nomination)
    assert decision.outcome == Outcome.PASSED
    # a new workshop takes the edited Phase Two rubric
    workshop = make_workshop(actor=actor, programme=programme)
    assert workshop.field_pass_threshold == Decimal("95")
    assert set(workshop.field_criteria.values_list("weight", flat=True)) == {9}


# ------------------------------------------------- snapshot edits, frozen


def test_snapshot_edits_are_refused_after_the_first_score_and_audited_before():
    setup = Setup()
    workshop = setup.workshop
    criterion = workshop.criteria.get(code="D")
    criterion.weight = 5
    workshop_services.workshop_snapshot_update(actor=setup.secretariat, workshop=workshop, save=[criterion])
    entry = AuditEntry.objects.get(action="workshop.snapshot", workshop_id=workshop.pk)
    assert (entry.before, entry.after) == ({"workshopcriterion D.weight": 2}, {"workshopcriterion D.weight": 5})
    setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 4)
    criterion.weight = 1
    with pytest.raises(DomainError, match="its rubric snapshot is frozen"):
        workshop_services.workshop_snapshot_update(actor=setup.secretariat, workshop=workshop, save=[criterion])
    with pytest.raises(DomainError, match="frozen"):
        workshop_services.workshop_snapshot_update(
            actor=setup.secretariat, workshop=workshop, fields={"pass_threshold": Decimal("50")}
        )
    workshop.refresh_from_db()
    assert workshop.criteria.get(code="D").weight == 5 and workshop.pass_threshold == Decimal("60")
    # The Phase Two rubric stays editable until the first field score.
    field = workshop.field_criteria.first()
    field.weight = 4
    workshop_services.workshop_snapshot_update(
        actor=setup.secretariat, workshop=workshop, save=[field], fields={"field_pass_threshold": Decimal("70")}
    )
    workshop.refresh_from_db()
    assert workshop.field_pass_threshold == Decimal("70")


# ----------------------------------------------------- corrections, re-check

# Without assessor A the candidate scores 19/7 of 5 (54.3%: fails); with A, 64/21 (61.0%: passes).
WITH_A = [4, 4, 3, 4, 3, 3, 4, 4, 3]
WITHOUT_A = [3, 3, 2, 3, 2, 2, 3, 3, 2]


def test_a_decision_resting_on_conflicted_scores_is_found_and_corrected(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    setup = Setup(assessors=3)
    a = setup.assessors[0]
    setup.score_all([WITH_A, WITHOUT_A, WITHOUT_A])
    setup.submit_all()
    decision = services.phase_one_decide(actor=setup.secretariat, nomination=setup.nomination)
    assert (decision.outcome, decision.grade, decision.score_percent) == (Outcome.PASSED, "Pass", Decimal("60.95"))
    services.decision_release(actor=setup.secretariat, decision=decision)
    assert services.decisions_recheck(setup.workshop) == []
    # A turns out to be conflicted with the candidate.
    workshop_services.conflict_declare(
        actor=setup.secretariat, assessor=a, official=setup.nomination.official, reason="Former supervisor"
    )
    ((found, differences),) = services.decisions_recheck(setup.workshop)
    assert found == decision
    assert differences == [
        "eligible assessors 3 → 2 (conflict of interest)",
        "outcome Passed → Not passed",
        "grade Pass → —",
        "stored score 60.95% → 54.29%",
    ]
    client.force_login(setup.secretariat)
    url = reverse("accreditation:decisions_recheck", args=[setup.workshop.pk])
    page = client.get(url).content.decode()
    assert "outcome Passed → Not passed" in page and setup.nomination.official.name_latin in page
    assert "Recorded: Passed · Pass · 60.95% · released" in page
    # In French, grades are translated and every figure has the French separator and spacing.
    client.cookies["django_language"] = "fr"
    page = client.get(url).content.decode()
    assert "mention Passable → —" in page
    assert "note enregistrée 60,95\xa0% → 54,29\xa0%" in page
    assert "Enregistré\xa0: Réussi · Passable · 60,95\xa0% · publiée" in page
    client.cookies["django_language"] = "en"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accreditation:decision_correct", args=[decision.pk]), {"reason": "Assessor A was conflicted."}
        )
    assert response.status_code == 302
    corrected = Decision.objects.get(nomination=setup.nomination, phase=Phase.ONE)
    assert (corrected.outcome, corrected.grade, corrected.score_percent) == (Outcome.FAILED, "", Decimal("54.29"))
    assert corrected.corrects_id == decision.pk and corrected.released
    assert corrected.correction_reason == "Assessor A was conflicted."
    assert Decision.all_objects.get(pk=decision.pk).superseded_at is not None
    accreditation = Accreditation.objects.get(nomination=setup.nomination)
    assert accreditation.status == "revoked" and accreditation.end_reason == "Assessor A was conflicted."
    entry = AuditEntry.objects.get(action="decision.correct")
    assert (entry.before["outcome"], entry.after["outcome"], entry.reason) == (
        "passed",
        "failed",
        "Assessor A was conflicted.",
    )
    (mail,) = [m for m in mailoutbox if setup.nomination.official.email in m.to]
    assert "Corrected result" in mail.subject
    assert "Previous result: Passed. Corrected result: Not passed." in mail.body
    assert "Assessor A was conflicted." in mail.body
    assert services.decisions_recheck(setup.workshop) == []


def test_a_correction_needs_a_reason_and_a_difference():
    setup = Setup()
    setup.score_all([PASSING, PASSING])
    setup.submit_all()
    decision = services.phase_one_decide(actor=setup.secretariat, nomination=setup.nomination)
    with pytest.raises(DomainError, match="reason"):
        services.decision_correct(actor=setup.secretariat, decision=decision, reason="  ")
    with pytest.raises(DomainError, match="nothing to correct"):
        services.decision_correct(actor=setup.secretariat, decision=decision, reason="Check.")
    assert Decision.all_objects.filter(nomination=setup.nomination).count() == 1


def test_a_decision_stored_by_rounding_noise_is_corrected_to_a_pass():
    from tests.accreditation.test_exact_rule import scored_workshop, thirds_programme

    secretariat, nomination = scored_workshop(thirds_programme(), {"E1": (2, 4), "E2": (2, 5), "E3": (3, 5)})
    decision = services.phase_one_decide(actor=secretariat, nomination=nomination)
    # what the inexact rule recorded for this exact 60%: a fail at 59.99…
    Accreditation.objects.filter(nomination=nomination).delete()
    Decision.objects.filter(pk=decision.pk).update(outcome=Outcome.FAILED, grade="", score_percent=Decimal("60.00"))
    ((found, differences),) = services.decisions_recheck(nomination.workshop)
    assert differences == ["outcome Not passed → Passed", "grade — → Pass"]
    corrected = services.decision_correct(actor=secretariat, decision=found, reason="Exact arithmetic.")
    assert (corrected.outcome, corrected.grade) == (Outcome.PASSED, "Pass")
    assert Accreditation.objects.get(nomination=nomination).status == "pre_accredited"


def test_correcting_a_phase_two_pass_revokes_the_certificate_that_rested_on_it():
    from accreditation.models import FieldScore
    from tests.factories import accredit

    actor = secretariat_user()
    (certificate,) = accredit([OfficialFactory()], actor=actor)
    nomination = certificate.accreditation.nomination
    decision = Decision.objects.get(nomination=nomination, phase=Phase.TWO)
    # A field score was wrong (entered as 4 instead of 1): the exact rule now fails the mission.
    FieldScore.objects.filter(evaluation__nomination=nomination).update(value=1)
    ((found, differences),) = services.decisions_recheck(nomination.workshop)
    assert found == decision and "outcome Passed → Not passed" in differences
    corrected = services.decision_correct(actor=actor, decision=decision, reason="Field score mistyped.")
    assert (corrected.phase, corrected.outcome) == (Phase.TWO, Outcome.FAILED)
    certificate.refresh_from_db()
    assert (certificate.validity, certificate.revoked_reason) == ("revoked", "Field score mistyped.")
    assert Accreditation.objects.get(nomination=nomination).status == "revoked"


def test_deciding_a_completed_workshop_records_candidates_short_of_assessors_as_not_assessable():
    actor = secretariat_user()
    official = OfficialFactory()
    free = UserFactory(home=AdministrationFactory(), password=None)
    conflicted = UserFactory(home=official.administration, password=None)
    workshop, (nomination,) = _workshop_with(actor, officials=[official])
    workshop_services.assessor_assign(actor=actor, workshop=workshop, assessor=free)
    workshop_services.assessor_assign(actor=actor, workshop=workshop, assessor=conflicted, confirm=True)
    _score_and_submit(workshop, free, nomination)
    _score_and_submit(workshop, conflicted, None)
    assert services.phase_one_decide_workshop(actor=actor, workshop=workshop) == {"decided": 0, "left": 1}
    workshop_services.workshop_set_status(actor=actor, workshop=workshop, status=WorkshopStatus.IN_PROGRESS)
    workshop_services.workshop_set_status(actor=actor, workshop=workshop, status=WorkshopStatus.COMPLETED)
    assert services.phase_one_decide_workshop(actor=actor, workshop=workshop) == {"decided": 1, "left": 0}
    assert Decision.objects.get(nomination=nomination).outcome == Outcome.NOT_ASSESSABLE
