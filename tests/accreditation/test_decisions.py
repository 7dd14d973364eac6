"""The results grid, the agreement statistic, Phase One decisions, release and pre-screening."""

import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from accreditation import services
from accreditation.agreement import agreement, quadratic_weighted_kappa
from accreditation.demo import KASHIWA_TITLE
from accreditation.enums import AccreditationStatus, Outcome, Phase
from accreditation.models import Accreditation, Decision
from accreditation.selectors import workshop_agreement
from candidates.models import Official
from tests.factories import OfficialFactory, focal_point_user, make_workshop, nominate, secretariat_user
from workshops import services as workshop_services
from workshops.enums import NominationStatus, PrescreeningOutcome
from workshops.models import Programme, Workshop

from .scoring_helpers import EXAMPLE_A, EXAMPLE_B, PASSING, Setup

pytestmark = pytest.mark.django_db


def _section(page: str, nomination) -> str:
    start = page.index(f'id="n{nomination.pk}"')
    return page[start : page.index("</section>", start)]


def _grid(client, setup):
    return client.get(reverse("accreditation:workshop_results", args=[setup.workshop.pk])).content.decode()


def test_grid_reproduces_the_worked_example_for_sato_haruki_in_the_demo(client, demo):
    workshop = Workshop.objects.get(title=KASHIWA_TITLE)
    sato = workshop.nominations.get(official__name_latin="Sato Haruki")
    client.force_login(secretariat_user())
    page = client.get(reverse("accreditation:workshop_results", args=[workshop.pk])).content.decode()
    section = _section(page, sato)
    assert "73.6%" in section
    assert "Merit" in section
    assert "passes" in section
    assert "<strong>T</strong> 3.667" in section
    assert "<strong>D</strong> 3.25" in section
    assert "<strong>F</strong> 4" in section
    assert "<strong>C</strong> 4.25" in section
    assert "weighted 3.679" in section
    role_f = re.search(r"<td>ROLE</td><td>F</td>(.*?)</tr>", section, re.S).group(1)
    assert re.findall(r"<td>(\d)</td>", role_f) == ["5", "3"]
    assert '4 <span class="small">(moderated)</span>' in role_f
    pres_d = re.search(r"<td>PRES</td><td>D</td>(.*?)</tr>", section, re.S).group(1)
    assert "3.5" in pres_d
    assert "✓" in section and "✗" not in section
    decision = Decision.objects.get(nomination=sato, phase=Phase.ONE)
    assert (decision.outcome, decision.grade, decision.score_percent) == (Outcome.PASSED, "Merit", Decimal("73.57"))


def test_grid_flags_the_gap_above_tolerance_before_moderation(client):
    setup = Setup()
    setup.score_all([EXAMPLE_A, EXAMPLE_B])
    setup.submit_all()
    client.force_login(setup.secretariat)
    section = _section(_grid(client, setup), setup.nomination)
    assert "needs moderation" in section
    moderate_url = reverse(
        "accreditation:moderate",
        args=[setup.nomination.pk, setup.exercises["ROLE"].pk, setup.criteria["F"].pk],
    )
    assert f'href="{moderate_url}"' in section
    assert "gap 2: moderate" in section
    assert section.count('class="flagged"') == 1
    assert "73.6%" in section  # the figures are shown before moderation too
    assert "Decide</a>" not in section


def test_grid_shows_which_part_of_the_rule_fails(client):
    setup = Setup()
    a, b = EXAMPLE_A.copy(), EXAMPLE_B.copy()
    a[6], b[6] = 2, 3  # Role-play / T: combined 2.5 < minimum 3 (critical)
    setup.score_all([a, b])
    setup.submit_all()
    setup.moderate(setup.nomination, "ROLE", "F", "4")
    client.force_login(setup.secretariat)
    section = _section(_grid(client, setup), setup.nomination)
    assert "does not pass" in section
    assert "70.7%" in section
    failing = re.findall(r'<li class="check-fail">(.*?)</li>', section, re.S)
    assert len(failing) == 1
    assert "Critical criterion Technical knowledge of IP enforcement (ROLE): 2.5, below its minimum of 3." in " ".join(
        failing[0].split()
    )


def test_grid_marks_an_assessor_not_eligible_for_a_candidate(client):
    from tests.factories import UserFactory

    setup = Setup(assessors=3)
    workshop_services.conflict_declare(
        actor=setup.secretariat, assessor=setup.assessors[2], official=setup.nomination.official, reason="Relative"
    )
    client.force_login(setup.secretariat)
    section = _section(_grid(client, setup), setup.nomination)
    assert "n/e" in section
    assert UserFactory  # the factory import documents how assessors are made


def test_agreement_quadratic_kappa_on_known_numbers():
    # Worked by hand: observed Σw·O = 1/32, expected Σw·E = 5/32, κ = 1 − 1/5 = 0.8.
    pairs = [(1, 2), (2, 2), (3, 4), (4, 4), (5, 4), (3, 3)]
    assert quadratic_weighted_kappa(pairs, 1, 5) == Decimal("0.8")
    assert quadratic_weighted_kappa([(1, 1), (3, 3), (5, 5)], 1, 5) == Decimal(1)
    assert quadratic_weighted_kappa([(1, 5), (5, 1)], 1, 5) == Decimal(-1)
    assert quadratic_weighted_kappa([(3, 3), (3, 3)], 1, 5) is None  # one category only: undefined
    assert quadratic_weighted_kappa([], 1, 5) is None


def test_agreement_counts_cells_within_tolerance_including_the_boundary():
    cells = [{"a": 4, "b": 5}, {"a": 3, "b": 5}, {"a": 2, "b": 2}, {"a": 4}]  # the last has one score: not counted
    result = agreement(cells, tolerance=Decimal("1"), scale_min=1, scale_max=5)
    assert (result.cells, result.within_tolerance, result.pairs) == (3, 2, 3)
    assert result.percent_within == "66.7%"


def test_workshop_agreement_of_the_worked_example():
    setup = Setup()
    setup.score_all([EXAMPLE_A, EXAMPLE_B])
    result = workshop_agreement(setup.workshop)
    assert (result.cells, result.within_tolerance) == (9, 8)
    pairs = list(zip(EXAMPLE_A, EXAMPLE_B, strict=True))
    ordered = pairs if setup.assessors[0].pk < setup.assessors[1].pk else [(b, a) for a, b in pairs]
    assert result.kappa == quadratic_weighted_kappa(ordered, 1, 5)


def test_grid_shows_the_agreement_statistic(client):
    setup = Setup()
    setup.score_all([EXAMPLE_A, EXAMPLE_B])
    setup.submit_all()
    client.force_login(setup.secretariat)
    page = _grid(client, setup)
    agreement_text = " ".join(re.search(r'id="agreement">(.*?)</p>', page, re.S).group(1).split())
    assert "88.9% of scored pairs within the tolerance (8 of 9)" in agreement_text
    assert "weighted kappa (quadratic weights)" in agreement_text


def test_decide_records_the_decision_from_the_pass_rule(client):
    setup = Setup()
    setup.worked_example()
    client.force_login(setup.secretariat)
    url = reverse("accreditation:decide", args=[setup.nomination.pk])
    assert "73.6%" in client.get(url).content.decode()
    page = client.post(url, {"feedback": "Well done.", "note": "Unanimous."}, follow=True).content.decode()
    assert "Phase One decision recorded" in page
    decision = Decision.objects.get(nomination=setup.nomination, phase=Phase.ONE)
    assert (decision.outcome, decision.grade, decision.feedback, decision.note) == (
        Outcome.PASSED,
        "Merit",
        "Well done.",
        "Unanimous.",
    )
    # The stored explanation shows the page's figures, the stored two-decimal one and the exact value.
    assert decision.explanation["percent_display"] == "73.6%"
    assert decision.explanation["percent"] == "73.57"
    assert decision.explanation["percent_exact"] == "515/7"
    assert not decision.released
    assert Accreditation.objects.get(nomination=setup.nomination).status == AccreditationStatus.PRE_ACCREDITED


def test_decide_is_refused_while_a_sheet_is_open(client):
    setup = Setup()
    setup.score_all([PASSING, PASSING])
    setup.submit_all(exercise="PRES")
    setup.submit_all(exercise="GROUP")
    client.force_login(setup.secretariat)
    url = reverse("accreditation:decide", args=[setup.nomination.pk])
    page = client.post(url, {"feedback": "", "note": ""}).content.decode()
    assert "Not every assessor has submitted the sheet for: Role-play." in page
    assert not Decision.objects.exists()


def test_decide_is_refused_until_the_flagged_pair_is_moderated(client):
    setup = Setup()
    setup.score_all([EXAMPLE_A, EXAMPLE_B])
    setup.submit_all()
    client.force_login(setup.secretariat)
    page = client.post(reverse("accreditation:decide", args=[setup.nomination.pk]), {}).content.decode()
    assert "moderate them first" in page
    assert not Decision.objects.exists()


def test_decide_a_second_time_is_refused_and_the_first_stands(client):
    setup = Setup()
    setup.worked_example()
    services.phase_one_decide(actor=setup.secretariat, nomination=setup.nomination)
    client.force_login(setup.secretariat)
    page = client.post(reverse("accreditation:decide", args=[setup.nomination.pk]), {}).content.decode()
    assert "Recorded on" in page
    assert Decision.objects.count() == 1


def test_decide_the_whole_workshop_decides_the_decidable_and_leaves_the_flagged(client):
    setup = Setup(candidates=3)
    setup.score_all([PASSING, PASSING])
    # The third candidate gets a gap of 2 on PRES/T from the second assessor.
    setup.score(setup.assessors[1], setup.nominations[2], "PRES", "T", 2, expected_version=1)
    setup.submit_all()
    client.force_login(setup.secretariat)
    url = reverse("accreditation:decide_workshop", args=[setup.workshop.pk])
    page = client.post(url, {"feedback": "Thank you."}, follow=True).content.decode()
    assert "2 decision(s) recorded; 1 candidate(s) left" in page
    decided = Decision.objects.filter(phase=Phase.ONE)
    assert set(decided.values_list("nomination", flat=True)) == {n.pk for n in setup.nominations[:2]}
    assert set(decided.values_list("feedback", flat=True)) == {"Thank you."}


def test_release_single_and_per_workshop(client):
    setup = Setup(candidates=2)
    setup.score_all([PASSING, PASSING])
    setup.submit_all()
    services.phase_one_decide_workshop(actor=setup.secretariat, workshop=setup.workshop)
    first, second = Decision.objects.order_by("nomination")
    client.force_login(setup.secretariat)
    client.post(reverse("accreditation:release_decision", args=[first.pk]))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.released and first.released_by == setup.secretariat and not second.released
    page = client.post(reverse("accreditation:release_workshop", args=[setup.workshop.pk]), follow=True)
    assert "1 decision(s) released." in page.content.decode()
    assert Decision.objects.filter(released=True).count() == 2


def test_release_gating_for_the_expert_and_the_focal_point(client):
    from accreditation.models import PhaseOneScore

    setup = Setup()
    official = setup.nomination.official
    from tests.factories import UserFactory

    expert = UserFactory()
    Official.objects.filter(pk=official.pk).update(user=expert)
    focal = focal_point_user(official.administration)
    setup.score_all([PASSING, [5, 5, 5, 5, 5, 5, 4, 5, 5]])
    PhaseOneScore.objects.filter(assessor=setup.assessors[0], exercise__code="PRES", criterion__code="T").update(
        comment="Nervous at first; private note."
    )
    setup.submit_all()
    decision = services.phase_one_decide(
        actor=setup.secretariat, nomination=setup.nomination, feedback="Strong delivery.", note="Internal remark."
    )
    before_expert = render_to_string("accreditation/expert_summary.html", {"user": expert})
    before_focal = render_to_string("accreditation/focal_summary.html", {"user": focal})
    assert "No result has been released to you yet." in before_expert
    assert "Strong delivery." not in before_expert + before_focal
    assert "Passed" not in before_expert + before_focal
    services.decision_release(actor=setup.secretariat, decision=decision)
    after_expert = render_to_string("accreditation/expert_summary.html", {"user": expert})
    after_focal = render_to_string("accreditation/focal_summary.html", {"user": focal})
    for text in (after_expert, after_focal):
        assert "Passed" in text
        assert "Distinction" in text
        assert "Strong delivery." in text
        assert "Internal remark." not in text
        assert "private note" not in text
        assert str(decision.score_percent) not in text
        assert "%" not in text
    # The grid itself stays closed to them.
    for user in (expert, focal):
        client.force_login(user)
        assert client.get(reverse("accreditation:workshop_results", args=[setup.workshop.pk])).status_code == 403


def test_focal_point_never_sees_another_administrations_released_result():
    setup = Setup()
    setup.score_all([PASSING, PASSING])
    setup.submit_all()
    decision = services.phase_one_decide(actor=setup.secretariat, nomination=setup.nomination, feedback="Bravo.")
    services.decision_release(actor=setup.secretariat, decision=decision)
    other_focal = focal_point_user(OfficialFactory().administration)
    text = render_to_string("accreditation/focal_summary.html", {"user": other_focal})
    assert "Bravo." not in text
    assert setup.nomination.official.name_latin not in text


@pytest.mark.parametrize("candidates", [1, 3])
def test_grid_query_count_does_not_grow_with_candidates(client, django_assert_num_queries, candidates):
    setup = Setup(candidates=candidates)
    setup.score_all([PASSING, PASSING])
    setup.submit_all()
    services.phase_one_decide(actor=setup.secretariat, nomination=setup.nomination)
    client.force_login(setup.secretariat)
    url = reverse("accreditation:workshop_results", args=[setup.workshop.pk])
    client.get(url)
    # among them: the assessors' private comments, and who scored whom (to flag scores that no longer count)
    with django_assert_num_queries(27):
        page = client.get(url).content.decode()
    assert page.count('<section class="card mb-3" id="n') == candidates


def _prescreening_workshop():
    programme = Programme.objects.create(
        code="pca", name="Post-Clearance Audit", certificate_prefix="PCA", has_prescreening=True
    )
    secretariat = secretariat_user()
    workshop = make_workshop(actor=secretariat, programme=programme)
    nomination = nominate(workshop, actor=secretariat)
    return secretariat, workshop, nomination


def test_prescreening_page_records_the_outcome_and_only_a_pass_can_be_accepted(client):
    secretariat, workshop, nomination = _prescreening_workshop()
    failing = nominate(workshop, actor=secretariat)
    client.force_login(secretariat)
    page = client.get(reverse("accreditation:prescreening", args=[workshop.pk])).content.decode()
    assert nomination.official.name_latin in page and "Pending" in page
    client.post(reverse("accreditation:prescreen", args=[nomination.pk]), {"outcome": "passed", "reason": "CV fits"})
    client.post(reverse("accreditation:prescreen", args=[failing.pk]), {"outcome": "failed", "reason": "Too junior"})
    nomination.refresh_from_db()
    failing.refresh_from_db()
    assert (nomination.prescreening, failing.prescreening) == (PrescreeningOutcome.PASSED, PrescreeningOutcome.FAILED)
    assert workshop_services.nomination_accept(actor=secretariat, nomination=nomination).status == "accepted"
    with pytest.raises(services.DomainError):
        workshop_services.nomination_accept(actor=secretariat, nomination=failing)
    failing.refresh_from_db()
    assert failing.status == NominationStatus.SUBMITTED


def test_prescreening_refuses_a_hostile_outcome_and_a_programme_without_the_phase(client):
    secretariat, workshop, nomination = _prescreening_workshop()
    client.force_login(secretariat)
    page = client.post(
        reverse("accreditation:prescreen", args=[nomination.pk]), {"outcome": "<script>"}, follow=True
    ).content.decode()
    assert "Choose the pre-screening outcome." in page
    nomination.refresh_from_db()
    assert nomination.prescreening == PrescreeningOutcome.PENDING
    plain = Setup()
    assert client.get(reverse("accreditation:prescreening", args=[plain.workshop.pk])).status_code == 404


@pytest.mark.parametrize("nominations", [1, 3])
def test_prescreening_query_count_does_not_grow_with_nominations(client, django_assert_num_queries, nominations):
    secretariat, workshop, _first = _prescreening_workshop()
    for _ in range(nominations - 1):
        nominate(workshop, actor=secretariat)
    client.force_login(secretariat)
    url = reverse("accreditation:prescreening", args=[workshop.pk])
    client.get(url)
    with django_assert_num_queries(9):
        page = client.get(url).content.decode()
    assert page.count("Pending") == nominations
