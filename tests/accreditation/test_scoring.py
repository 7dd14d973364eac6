"""The scoring sheet and its per-cell save endpoint (htmx)."""

import re

import pytest
from django.urls import reverse

from accreditation.models import PhaseOneScore, ScoreSheet
from tests.factories import AdministrationFactory, OfficialFactory, UserFactory
from toa_portal.models import AuditEntry
from workshops import services as workshop_services

from .scoring_helpers import EXAMPLE_A, PASSING, Setup, save_url, sheet_url

pytestmark = pytest.mark.django_db


def test_sheet_lists_eligible_candidates_times_the_exercise_criteria(client):
    setup = Setup(candidates=2)
    client.force_login(setup.assessors[0])
    page = client.get(sheet_url(setup, "GROUP")).content.decode()
    for nomination in setup.nominations:
        assert nomination.official.name_latin in page
        for code in ("T", "F", "C"):
            assert f'id="s-{nomination.pk}-{setup.criteria[code].pk}"' in page
    assert f'id="s-{setup.nomination.pk}-{setup.criteria["D"].pk}"' not in page  # D is not assessed in GROUP
    assert 'inputmode="numeric"' in page
    assert "<script>" not in page.split("</main>")[0]  # no inline script


def test_sheet_shows_own_values_only(client):
    setup = Setup()
    setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 4)
    setup.score(setup.assessors[1], setup.nomination, "PRES", "D", 2)
    client.force_login(setup.assessors[0])
    page = client.get(sheet_url(setup)).content.decode()
    own = re.search(rf'id="s-{setup.nomination.pk}-{setup.criteria["T"].pk}"[^>]*value="(\d*)"', page, re.S)
    other = re.search(rf'id="s-{setup.nomination.pk}-{setup.criteria["D"].pk}"[^>]*value="(\d*)"', page, re.S)
    assert own.group(1) == "4"
    assert other.group(1) == ""


def test_sheet_leaves_out_candidates_of_the_assessors_administration_and_declared_conflicts(client):
    assessor, *others = [UserFactory(home=AdministrationFactory()) for _ in range(3)]
    free, own, conflicted = (
        OfficialFactory(),
        OfficialFactory(administration=assessor.profile.home_administration),
        OfficialFactory(),
    )
    setup = Setup(assessor_users=[assessor, *others], officials=[free, own, conflicted])
    workshop_services.conflict_declare(
        actor=setup.secretariat, assessor=assessor, official=conflicted, reason="Relative"
    )
    client.force_login(assessor)
    page = client.get(sheet_url(setup)).content.decode()
    assert free.name_latin in page
    assert own.name_latin not in page
    assert conflicted.name_latin not in page
    assert "2 candidates are not on your sheet (conflict of interest)." in page


def test_save_records_the_value_and_returns_the_new_version(client):
    setup = Setup()
    client.force_login(setup.assessors[0])
    response = client.post(save_url(setup, setup.nomination), {"value": "4", "version": "0"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Saved" in body
    assert 'value="1" hx-swap-oob="true"' in body
    assert response["X-Score-Version"] == "1"
    response = client.post(save_url(setup, setup.nomination), {"value": "5", "version": "1"})
    assert response["X-Score-Version"] == "2"
    score = PhaseOneScore.objects.get()
    assert (score.value, score.version, score.assessor) == (5, 2, setup.assessors[0])


def test_save_with_a_stale_version_answers_409_with_the_current_value(client):
    setup = Setup()
    setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 3)
    setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 4, expected_version=1)
    client.force_login(setup.assessors[0])
    response = client.post(save_url(setup, setup.nomination), {"value": "2", "version": "1"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "changed from another device first" in body
    assert "Current value: 4." in body
    assert re.search(r'id="s-\d+-\d+"[^>]*value="4"[^>]*hx-swap-oob="true"', body, re.S)
    assert PhaseOneScore.objects.get().value == 4


def test_save_of_a_new_cell_already_saved_elsewhere_answers_409(client):
    setup = Setup()
    setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 3)
    client.force_login(setup.assessors[0])
    response = client.post(save_url(setup, setup.nomination), {"value": "5", "version": "0"})
    assert response.status_code == 409
    assert PhaseOneScore.objects.get().value == 3


def test_resending_the_same_value_with_an_old_version_is_not_a_conflict(client):
    """A value queued offline may reach the server twice: the second arrival changes nothing."""
    setup = Setup()
    setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 3)
    client.force_login(setup.assessors[0])
    response = client.post(save_url(setup, setup.nomination), {"value": "3", "version": "0"})
    assert response.status_code == 200
    assert PhaseOneScore.objects.get().version == 1


def test_the_same_value_and_version_sent_twice_is_one_change_and_one_audit_entry(client):
    """A retry after a lost answer: the second request finds its change already made."""
    setup = Setup()
    client.force_login(setup.assessors[0])
    answers = [client.post(save_url(setup, setup.nomination), {"value": "4", "version": "0"}) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert [a["X-Score-Version"] for a in answers] == ["1", "1"]
    score = PhaseOneScore.objects.get()
    assert (score.value, score.version) == (4, 1)
    assert AuditEntry.objects.filter(action="score.record").count() == 1


def test_save_answers_401_not_a_login_redirect_when_the_session_expired(client):
    setup = Setup()
    response = client.post(save_url(setup, setup.nomination), {"value": "4", "version": "0"})
    assert response.status_code == 401
    assert "Unsent — log in again" in response.content.decode()
    assert not PhaseOneScore.objects.exists()


def test_save_by_an_assessor_of_another_workshop_is_404_and_by_a_visible_non_assessor_403(client):
    setup = Setup()
    other = Setup()
    client.force_login(other.assessors[0])
    assert client.post(save_url(setup, setup.nomination), {"value": "4", "version": "0"}).status_code == 404
    client.force_login(setup.secretariat)
    assert client.post(save_url(setup, setup.nomination), {"value": "4", "version": "0"}).status_code == 403
    assert not PhaseOneScore.objects.filter(nomination=setup.nomination).exists()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("6", "A score is between 1 and 5."),
        ("0", "A score is between 1 and 5."),
        ("-1", "A score is between 1 and 5."),
        ("3.5", "Scores are whole numbers."),
        ("four", "is not a number."),
        ("", "Enter a score between 1 and 5."),
        ("NaN", "Scores are whole numbers."),
        ("Infinity", "Scores are whole numbers."),
        ("1e3", "A score is between 1 and 5."),
        ("<b>3</b>", "is not a number."),
        ("x" * 5000, "This value could not be read"),
    ],
)
def test_save_refuses_a_bad_value_with_a_message_and_keeps_the_others(client, value, message):
    setup = Setup()
    setup.score(setup.assessors[0], setup.nomination, "PRES", "D", 3)
    client.force_login(setup.assessors[0])
    response = client.post(save_url(setup, setup.nomination), {"value": value, "version": "0"})
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    assert "<b>" not in body
    assert list(PhaseOneScore.objects.values_list("criterion__code", "value")) == [("D", 3)]


@pytest.mark.parametrize(
    "data",
    [{}, {"value": "3"}, {"value": "3", "version": "-1"}, {"value": "3", "version": "abc"}, {"version": "9" * 30}],
)
def test_save_refuses_a_malformed_request_without_a_500(client, data):
    setup = Setup()
    client.force_login(setup.assessors[0])
    response = client.post(save_url(setup, setup.nomination), data)
    assert response.status_code == 422
    assert not PhaseOneScore.objects.exists()


def test_save_refuses_a_locked_sheet(client):
    setup = Setup()
    setup.score_all([PASSING, PASSING], exercise="PRES")
    setup.submit(setup.assessors[0], "PRES")
    client.force_login(setup.assessors[0])
    response = client.post(save_url(setup, setup.nomination), {"value": "2", "version": "1"})
    assert response.status_code == 422
    assert "submitted and locked" in response.content.decode()
    assert PhaseOneScore.objects.get(assessor=setup.assessors[0], criterion__code="T", exercise__code="PRES").value == 4


def test_save_refuses_an_ineligible_candidate(client):
    setup = Setup()
    assessor = setup.assessors[0]
    third = UserFactory(home=OfficialFactory().administration)
    workshop_services.assessor_assign(actor=setup.secretariat, workshop=setup.workshop, assessor=third)
    workshop_services.conflict_declare(
        actor=setup.secretariat, assessor=assessor, official=setup.nomination.official, reason="Relative"
    )
    client.force_login(assessor)
    response = client.post(save_url(setup, setup.nomination), {"value": "4", "version": "0"})
    assert response.status_code == 422
    assert "You may not score this candidate" in response.content.decode()
    assert not PhaseOneScore.objects.exists()


def test_save_refuses_after_the_decision(client):
    from accreditation import services

    setup = Setup()
    setup.score_all([PASSING, PASSING])
    setup.submit_all()
    services.phase_one_decide(actor=setup.secretariat, nomination=setup.nomination)
    services.score_sheet_reopen(
        actor=setup.secretariat, sheet=ScoreSheet.objects.filter(assessor=setup.assessors[0]).first(), reason="Typo"
    )
    client.force_login(setup.assessors[0])
    sheet = ScoreSheet.objects.filter(assessor=setup.assessors[0], status="open").first()
    url = reverse(
        "accreditation:score_save",
        args=[setup.workshop.pk, sheet.exercise_id, setup.nomination.pk, sheet.exercise.criteria.first().pk],
    )
    response = client.post(url, {"value": "2", "version": "1"})
    assert response.status_code == 422
    assert "decision for this candidate is recorded" in response.content.decode()


def test_save_of_a_criterion_the_exercise_does_not_assess_is_404(client):
    setup = Setup()
    client.force_login(setup.assessors[0])
    response = client.post(save_url(setup, setup.nomination, "PRES", "F"), {"value": "4", "version": "0"})
    assert response.status_code == 404


def test_save_answers_405_to_get(client):
    setup = Setup()
    client.force_login(setup.assessors[0])
    assert client.get(save_url(setup, setup.nomination)).status_code == 405


def test_submit_refuses_an_incomplete_sheet_and_names_what_is_missing(client):
    setup = Setup()
    setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 4)
    client.force_login(setup.assessors[0])
    url = reverse("accreditation:score_sheet_submit", args=[setup.workshop.pk, setup.exercises["PRES"].pk])
    page = client.post(url, follow=True).content.decode()
    assert "The sheet is not complete. Missing:" in page
    assert f"{setup.nomination.official.name_latin} (D)" in page
    assert ScoreSheet.objects.get(assessor=setup.assessors[0]).status == "open"


def test_submit_locks_the_sheet_and_its_inputs(client):
    setup = Setup()
    setup.score_table(setup.assessors[0], setup.nomination, EXAMPLE_A, exercise="PRES")
    client.force_login(setup.assessors[0])
    url = reverse("accreditation:score_sheet_submit", args=[setup.workshop.pk, setup.exercises["PRES"].pk])
    page = client.post(url, follow=True).content.decode()
    assert "is submitted and locked" in page
    assert ScoreSheet.objects.get(assessor=setup.assessors[0]).status == "submitted"
    assert re.search(r'class="form-control score-input"[^>]*disabled', page, re.S)
    assert "Submit the sheet" not in page


def test_sheet_export_holds_own_values_only(client):
    setup = Setup()
    setup.score_table(setup.assessors[0], setup.nomination, EXAMPLE_A, exercise="PRES")
    setup.score_table(setup.assessors[1], setup.nomination, [1] * 9, exercise="PRES")
    client.force_login(setup.assessors[0])
    url = reverse("accreditation:score_sheet_export", args=[setup.workshop.pk, setup.exercises["PRES"].pk])
    response = client.get(url)
    text = response.content.decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert f"{setup.nomination.official.name_latin},{setup.nomination.official.administration.code},4,3,4" in text
    assert ",1," not in text


def test_sheet_export_defuses_formulas(client):
    setup = Setup(officials=[OfficialFactory(name_latin="=HYPERLINK(1)")])
    client.force_login(setup.assessors[0])
    url = reverse("accreditation:score_sheet_export", args=[setup.workshop.pk, setup.exercises["PRES"].pk])
    text = client.get(url).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text


@pytest.mark.parametrize("candidates", [1, 3])
def test_sheet_query_count_does_not_grow_with_candidates(client, django_assert_num_queries, candidates):
    setup = Setup(candidates=candidates)
    setup.score_all([PASSING, PASSING], exercise="PRES")
    client.force_login(setup.assessors[0])
    url = sheet_url(setup)
    client.get(url)  # warm the session
    with django_assert_num_queries(17):
        response = client.get(url)
    assert response.content.decode().count('class="form-control score-input"') == 3 * candidates


@pytest.mark.parametrize("workshops", [1, 3])
def test_assessment_home_query_count_does_not_grow_with_workshops(client, django_assert_num_queries, workshops):
    a, b = UserFactory(home=AdministrationFactory()), UserFactory(home=AdministrationFactory())
    setups = [Setup(assessor_users=[a, b]) for _ in range(workshops)]
    setups[0].score(a, setups[0].nomination, "PRES", "T", 4)
    a.groups.add(*setups[0].secretariat.groups.all())  # an assessor who is also Secretariat sees both lists
    client.force_login(a)
    url = reverse("accreditation:assessment_home")
    client.get(url)
    with django_assert_num_queries(11):
        page = client.get(url).content.decode()
    for setup in setups:
        assert page.count(setup.workshop.title) == 2  # in the assessor's list and in the Secretariat's
    assert "in progress" in page and "not started" in page
