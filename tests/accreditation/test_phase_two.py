"""Phase Two: assignment with conflict rules, the evaluator's page, evidence,
submission, the decision and the whole flow Phase One → Phase Two → accredited."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse

from accreditation import services
from accreditation.enums import AccreditationStatus, MissionRole, MissionType, Outcome, Phase, Recommendation
from accreditation.models import Accreditation, Certificate, Decision, EvidenceFile, FieldEvaluation, FieldScore
from candidates.models import Official
from tests.factories import AdministrationFactory, UserFactory, focal_point_user

from .scoring_helpers import Setup

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pre_accredited(*, release=True):
    setup = Setup()
    setup.worked_example()
    decision = services.phase_one_decide(actor=setup.secretariat, nomination=setup.nomination)
    if release:
        services.decision_release(actor=setup.secretariat, decision=decision)
    return setup


def _assign(setup, evaluator):
    return services.field_evaluation_assign(
        actor=setup.secretariat,
        nomination=setup.nomination,
        evaluator=evaluator,
        mission_place="Colombo: national IPR training",
        mission_start=setup.workshop.end_date,
        mission_end=setup.workshop.end_date,
        mission_type=MissionType.NATIONAL_TRAINING,
        role=MissionRole.LEAD,
    )


def _assign_data(user, **overrides):
    data = {
        "evaluator": user.pk,
        "mission_place": "Dhaka: regional workshop",
        "mission_start": "2024-03-04",
        "mission_end": "2024-03-08",
        "mission_type": MissionType.REGIONAL_WORKSHOP,
        "role": MissionRole.CO_FACILITATOR,
    }
    data.update(overrides)
    return data


def _score_url(evaluation, criterion):
    return reverse("accreditation:field_score_save", args=[evaluation.pk, criterion.pk])


def test_phase_one_to_phase_two_to_accredited_with_exactly_one_certificate(client):
    setup = Setup()
    setup.worked_example()
    expert_user = UserFactory()
    Official.objects.filter(pk=setup.nomination.official_id).update(user=expert_user)
    evaluator = setup.assessors[1]  # a facilitator of the workshop: qualified, no conflict
    client.force_login(setup.secretariat)

    # Phase One: decide and release through the pages.
    client.post(reverse("accreditation:decide", args=[setup.nomination.pk]), {"feedback": "Merit.", "note": ""})
    phase_one = Decision.objects.get(phase=Phase.ONE)
    client.post(reverse("accreditation:release_decision", args=[phase_one.pk]))
    assert Accreditation.objects.get().status == AccreditationStatus.PRE_ACCREDITED

    # Phase Two: the Secretariat assigns the mission.
    page = client.get(reverse("accreditation:phase_two_list")).content.decode()
    assert setup.nomination.official.name_latin in page and "assign a mission" in page
    response = client.post(reverse("accreditation:field_assign", args=[setup.nomination.pk]), _assign_data(evaluator))
    evaluation = FieldEvaluation.objects.get()
    assert response.status_code == 302
    assert (evaluation.evaluator, evaluation.mission_type, evaluation.role) == (
        evaluator,
        MissionType.REGIONAL_WORKSHOP,
        MissionRole.CO_FACILITATOR,
    )

    # The evaluator scores, uploads evidence and submits.
    client.force_login(evaluator)
    page = client.get(reverse("accreditation:field_evaluation", args=[evaluation.pk])).content.decode()
    assert "Dhaka: regional workshop" in page and 'class="form-control score-input"' in page
    for criterion in setup.workshop.field_criteria.all():
        response = client.post(_score_url(evaluation, criterion), {"value": "4", "version": "0"})
        assert response.status_code == 200 and "Saved" in response.content.decode()
    upload = SimpleUploadedFile("attendance.pdf", PDF, content_type="application/octet-stream")
    client.post(reverse("accreditation:field_evidence_upload", args=[evaluation.pk]), {"file": upload})
    assert EvidenceFile.objects.get().content_type == "application/pdf"
    client.post(
        reverse("accreditation:field_submit", args=[evaluation.pk]),
        {"narrative": "Led two sessions with confidence.", "recommendation": Recommendation.ACCREDIT},
    )
    evaluation.refresh_from_db()
    assert evaluation.submitted_at is not None

    # The Secretariat decides: accredited, one certificate; a second decision changes nothing.
    client.force_login(setup.secretariat)
    page = client.get(reverse("accreditation:field_evaluation", args=[evaluation.pk])).content.decode()
    assert "80.0%" in page
    decide_url = reverse("accreditation:phase_two_decide", args=[evaluation.pk])
    page = client.post(decide_url, {"feedback": "Congratulations.", "note": ""}, follow=True).content.decode()
    assert "is accredited" in page
    page = client.post(decide_url, {"feedback": "Again.", "note": ""}, follow=True).content.decode()
    assert "already recorded: an error in it is put right by a correction" in page
    accreditation = Accreditation.objects.get()
    assert accreditation.status == AccreditationStatus.ACCREDITED
    assert Certificate.objects.filter(accreditation=accreditation).count() == 1
    assert Certificate.objects.count() == 1
    phase_two = Decision.objects.get(phase=Phase.TWO)
    assert phase_two.outcome == Outcome.PASSED and not phase_two.released

    # Released: the expert sees both outcomes.
    client.post(reverse("accreditation:release_decision", args=[phase_two.pk]))
    summary = render_to_string("accreditation/expert_summary.html", {"user": expert_user})
    assert "Phase Two — field evaluation" in summary and "Congratulations." in summary


def test_assign_offers_no_evaluator_of_the_experts_administration_and_refuses_one(client):
    setup = _pre_accredited()
    conflicted = UserFactory(home=setup.nomination.official.administration)
    services_assessor = setup.assessors[0]
    client.force_login(setup.secretariat)
    url = reverse("accreditation:field_assign", args=[setup.nomination.pk])
    page = client.get(url).content.decode()
    assert f'value="{services_assessor.pk}"' in page
    assert f'value="{conflicted.pk}"' not in page
    page = client.post(url, _assign_data(conflicted)).content.decode()
    assert "Select a valid choice" in page
    assert not FieldEvaluation.objects.exists()
    with pytest.raises(services.DomainError, match="may not evaluate the expert"):
        _assign(setup, conflicted)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"mission_end": "2024-03-01"}, "The mission ends before it starts."),
        ({"mission_type": "space"}, "Select a valid choice"),
        ({"mission_start": "not a date"}, "Enter a valid date."),
        ({"mission_place": ""}, "This field is required."),
        ({"evaluator": "<script>"}, "Select a valid choice"),
    ],
)
def test_assign_refuses_bad_input(client, overrides, message):
    setup = _pre_accredited()
    client.force_login(setup.secretariat)
    page = client.post(
        reverse("accreditation:field_assign", args=[setup.nomination.pk]),
        _assign_data(setup.assessors[0], **overrides),
    ).content.decode()
    assert message in page
    assert "<script>" not in page.split("<main")[1]
    assert not FieldEvaluation.objects.exists()


def test_assign_is_refused_before_a_phase_one_pass(client):
    setup = Setup()
    client.force_login(setup.secretariat)
    page = client.post(
        reverse("accreditation:field_assign", args=[setup.nomination.pk]), _assign_data(setup.assessors[0])
    ).content.decode()
    assert "Phase Two opens only after a Phase One pass." in page


def test_field_score_save_answers_401_422_409(client):
    setup = _pre_accredited()
    evaluator = UserFactory(home=AdministrationFactory())
    evaluation = _assign(setup, evaluator)
    criterion = setup.workshop.field_criteria.first()
    url = _score_url(evaluation, criterion)
    assert client.post(url, {"value": "4", "version": "0"}).status_code == 401
    client.force_login(evaluator)
    response = client.post(url, {"value": "9", "version": "0"})
    assert response.status_code == 422 and "A score is between 1 and 5." in response.content.decode()
    assert client.post(url, {"value": "4", "version": "x"}).status_code == 422
    assert client.post(url, {"value": "4", "version": "0"}).status_code == 200
    response = client.post(url, {"value": "2", "version": "0"})
    assert response.status_code == 409 and "Current value: 4." in response.content.decode()
    assert FieldScore.objects.get().value == 4


def test_only_the_evaluator_scores_and_others_get_404_or_403(client):
    setup = _pre_accredited()
    evaluator = UserFactory(home=AdministrationFactory())
    evaluation = _assign(setup, evaluator)
    criterion = setup.workshop.field_criteria.first()
    client.force_login(setup.assessors[0])
    assert client.get(reverse("accreditation:field_evaluation", args=[evaluation.pk])).status_code == 404
    assert client.post(_score_url(evaluation, criterion), {"value": "4", "version": "0"}).status_code == 404
    client.force_login(setup.secretariat)
    assert client.post(_score_url(evaluation, criterion), {"value": "4", "version": "0"}).status_code == 403
    assert not FieldScore.objects.exists()


def test_evidence_upload_checks_content_and_download_is_permission_checked(client):
    setup = _pre_accredited()
    evaluator = UserFactory(home=AdministrationFactory())
    evaluation = _assign(setup, evaluator)
    client.force_login(evaluator)
    url = reverse("accreditation:field_evidence_upload", args=[evaluation.pk])
    fake = SimpleUploadedFile("report.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    page = client.post(url, {"file": fake}, follow=True).content.decode()
    assert "Only PDF, Word (DOCX), JPEG and PNG files are accepted" in page
    assert not EvidenceFile.objects.exists()
    client.post(url, {"file": SimpleUploadedFile("../../etc/passwd.pdf", PDF)})
    evidence = EvidenceFile.objects.get()
    assert "passwd" not in evidence.file.name
    download = reverse("accreditation:field_evidence_download", args=[evidence.pk])
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    client.force_login(setup.secretariat)
    assert client.get(download).status_code == 200
    for outsider in (setup.assessors[0], focal_point_user(setup.nomination.official.administration)):
        client.force_login(outsider)
        assert client.get(download).status_code == 404
    client.logout()
    assert client.get(download).status_code == 302


def test_submit_needs_every_score_a_narrative_and_a_recommendation(client):
    setup = _pre_accredited()
    evaluator = UserFactory(home=AdministrationFactory())
    evaluation = _assign(setup, evaluator)
    client.force_login(evaluator)
    url = reverse("accreditation:field_submit", args=[evaluation.pk])
    page = client.post(url, {"narrative": "Good.", "recommendation": Recommendation.ACCREDIT}, follow=True)
    assert "Score every criterion first. Missing: PREP, DELIV, ADAPT." in page.content.decode()
    for criterion in setup.workshop.field_criteria.all():
        services.field_score_record(actor=evaluator, evaluation=evaluation, criterion=criterion, value=3)
    page = client.post(url, {"narrative": "", "recommendation": "maybe"}, follow=True).content.decode()
    assert "Narrative: This field is required." in page
    assert "Recommendation: Select a valid choice." in page
    evaluation.refresh_from_db()
    assert evaluation.submitted_at is None
    client.post(url, {"narrative": "Solid.", "recommendation": Recommendation.NOT_ACCREDIT})
    evaluation.refresh_from_db()
    assert evaluation.submitted_at is not None
    # Locked afterwards.
    criterion = setup.workshop.field_criteria.first()
    response = client.post(_score_url(evaluation, criterion), {"value": "5", "version": "1"})
    assert response.status_code == 422 and "submitted and locked" in response.content.decode()


def test_a_negative_recommendation_fails_phase_two_and_issues_no_certificate():
    setup = _pre_accredited()
    evaluator = UserFactory(home=AdministrationFactory())
    evaluation = _assign(setup, evaluator)
    for criterion in setup.workshop.field_criteria.all():
        services.field_score_record(actor=evaluator, evaluation=evaluation, criterion=criterion, value=5)
    services.field_evaluation_submit(
        actor=evaluator, evaluation=evaluation, narrative="Absent twice.", recommendation=Recommendation.NOT_ACCREDIT
    )
    decision = services.phase_two_decide(actor=setup.secretariat, nomination=setup.nomination)
    assert decision.outcome == Outcome.FAILED
    assert Accreditation.objects.get().status == AccreditationStatus.NOT_ACCREDITED
    assert not Certificate.objects.exists()


def test_evaluator_list_shows_own_missions_only(client):
    setup = _pre_accredited()
    evaluator = UserFactory(home=AdministrationFactory())
    _assign(setup, evaluator)
    client.force_login(evaluator)
    page = client.get(reverse("accreditation:phase_two_list")).content.decode()
    assert setup.nomination.official.name_latin in page
    client.force_login(UserFactory())
    assert client.get(reverse("accreditation:phase_two_list")).status_code == 403


def test_evidence_file_name_with_markup_is_shown_as_text(client):
    setup = _pre_accredited()
    evaluator = UserFactory(home=AdministrationFactory())
    evaluation = _assign(setup, evaluator)
    client.force_login(evaluator)
    upload = SimpleUploadedFile("<img src=x onerror=alert(1)>.pdf", PDF)
    client.post(reverse("accreditation:field_evidence_upload", args=[evaluation.pk]), {"file": upload})
    page = client.get(reverse("accreditation:field_evaluation", args=[evaluation.pk])).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in page


@pytest.mark.parametrize("experts", [1, 3])
def test_phase_two_list_query_count_does_not_grow_with_experts(client, django_assert_num_queries, experts):
    setup = Setup(candidates=experts)
    setup.worked_example()
    services.phase_one_decide_workshop(actor=setup.secretariat, workshop=setup.workshop)
    for nomination in setup.nominations:
        services.field_evaluation_assign(
            actor=setup.secretariat,
            nomination=nomination,
            evaluator=setup.assessors[1],
            mission_place=f"Mission of {nomination.official.name_latin}",
            mission_start=setup.workshop.end_date,
            mission_end=setup.workshop.end_date,
            mission_type=MissionType.NATIONAL_TRAINING,
            role=MissionRole.LEAD,
        )
    client.force_login(setup.secretariat)
    url = reverse("accreditation:phase_two_list")
    client.get(url)
    with django_assert_num_queries(9):
        page = client.get(url).content.decode()
    assert page.count("Mission of ") == experts


def test_narrative_typed_before_an_upload_or_a_refused_submission_is_kept(client):
    setup = _pre_accredited()
    evaluator = UserFactory(home=AdministrationFactory())
    evaluation = _assign(setup, evaluator)
    client.force_login(evaluator)
    page_url = reverse("accreditation:field_evaluation", args=[evaluation.pk])
    upload_url = reverse("accreditation:field_evidence_upload", args=[evaluation.pk])
    typed = "Led the opening session & answered questions on border measures."
    page = client.post(
        upload_url,
        {"file": SimpleUploadedFile("agenda.pdf", PDF), "narrative": typed, "recommendation": Recommendation.ACCREDIT},
        follow=True,
    ).content.decode()
    assert "Evidence file added." in page
    assert "Led the opening session &amp; answered questions on border measures.</textarea>" in page
    assert re.search(r'<input[^>]*value="accredit"[^>]*checked>', page)
    # A refused submission (criteria not scored) keeps the newer text too.
    page = client.post(
        reverse("accreditation:field_submit", args=[evaluation.pk]),
        {"narrative": typed + " Second day too.", "recommendation": Recommendation.ACCREDIT},
        follow=True,
    ).content.decode()
    assert "Score every criterion first." in page
    assert "border measures. Second day too.</textarea>" in client.get(page_url).content.decode()
    evaluation.refresh_from_db()
    assert evaluation.submitted_at is None


def test_phase_two_explanation_reads_as_sentences_in_english_and_french(client):
    from tests.factories import OfficialFactory, field_evaluations_submitted, secretariat_user

    actor = secretariat_user()
    (evaluation,) = field_evaluations_submitted([OfficialFactory()], actor=actor)
    evaluation = FieldEvaluation.objects.get(pk=evaluation.pk)
    client.force_login(actor)
    url = reverse("accreditation:field_evaluation", args=[evaluation.pk])
    page = " ".join(client.get(url).content.decode().split())
    assert "The evaluator recommends accreditation." in page
    assert re.search(r"Weighted score \d+\.\d%: at least the \d+% required\.", page)
    assert "threshold:" not in page and "(required " not in page and "minimum:" not in page
    client.cookies["django_language"] = "fr"
    page = " ".join(client.get(url).content.decode().replace("\xa0", " ").split())
    assert "L'évaluateur recommande l'accréditation." in page.replace("&#x27;", "'")
    assert re.search(r"Note pondérée \d+,\d % : au moins les \d+ % requis\.", page)
    assert not re.search(r"\d+\.\d+ ?%", page)  # one decimal separator on the page


def test_reassigning_a_field_evaluation_in_french_shows_its_mission_dates(client):
    from tests.factories import OfficialFactory, field_evaluations_submitted, secretariat_user

    actor = secretariat_user()
    (evaluation,) = field_evaluations_submitted([OfficialFactory()], actor=actor)
    client.force_login(actor)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("accreditation:field_assign", args=[evaluation.nomination_id])).content.decode()
    # A date input only shows an ISO value: "02/12/2026" would leave it empty.
    start = re.search(r'<input type="date" name="mission_start" value="([^"]*)"', page).group(1)
    end = re.search(r'<input type="date" name="mission_end" value="([^"]*)"', page).group(1)
    assert (start, end) == (evaluation.mission_start.isoformat(), evaluation.mission_end.isoformat())
