"""`loaddemo`: idempotent, refused with DEBUG off unless forced, and the demo
content docs/domain.md describes. Dates are checked against the moment the demo
was built (DEMO_NOW, time frozen), never against the calendar."""

import datetime as dt
import re
from decimal import Decimal
from fractions import Fraction

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from accreditation.demo import IN_PROGRESS_TITLE, KASHIWA_TITLE, UPCOMING_TITLE
from accreditation.enums import AccreditationStatus, Outcome, Phase
from accreditation.models import Accreditation, Certificate, Decision, ModeratedScore, PhaseOneScore
from accreditation.selectors import workshop_results
from candidates.models import Administration, FocalPoint, Official, Region
from workshops.enums import NominationStatus, WorkshopStatus
from workshops.models import Workshop

pytestmark = pytest.mark.django_db

KASHIWA_ISO3 = ["AUS", "BGD", "KHM", "CHN", "HKG", "IND", "IDN", "JPN", "PAK", "LKA"]


def _row_counts():
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_loaddemo_twice_changes_nothing(settings, capsys):
    settings.DEBUG = False
    call_command("loaddemo", "--force")
    first = _row_counts()
    assert "Demo data loaded." in capsys.readouterr().out
    assert first["workshops.Workshop"] == 3

    settings.DEBUG = True
    call_command("loaddemo")
    out = capsys.readouterr().out
    assert "nothing changed" in out
    assert "demo-pass-2023" in out and "focal-aus" in out
    assert _row_counts() == first


def test_loaddemo_refused_with_debug_off_without_force(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("loaddemo")
    assert not Workshop.objects.exists()
    assert not get_user_model().objects.exists()


# The content, built once for the module ----------------------------------------------------------


def test_demo_reference_data_regions_and_asia_pacific_members(demo_module):
    assert Region.objects.count() == 6
    assert Administration.objects.filter(region__code="asia-pacific").count() == 35
    assert Administration.objects.get(code="HKG").kind == "territory"


def test_demo_kashiwa_workshop_as_it_happened(demo_module):
    kashiwa = Workshop.objects.get(title=KASHIWA_TITLE)
    assert (kashiwa.city, kashiwa.start_date, kashiwa.end_date) == (
        "Kashiwa",
        dt.date(2023, 10, 10),
        dt.date(2023, 10, 13),
    )
    assert "CCF/Japan" in kashiwa.funder
    assert kashiwa.status == WorkshopStatus.COMPLETED
    codes = kashiwa.nominations.filter(status=NominationStatus.ACCEPTED).values_list(
        "official__administration__code", flat=True
    )
    assert sorted(codes) == sorted(KASHIWA_ISO3)
    assert sorted(kashiwa.assignments.values_list("assessor__username", flat=True)) == ["assessor1", "assessor2"]
    assert kashiwa.curriculum.count() == 5
    assert kashiwa.curriculum.first().title == "International and regional IP legal frameworks"
    assert PhaseOneScore.objects.filter(nomination__workshop=kashiwa).count() == 10 * 9 * 2


def test_demo_japan_reproduces_the_worked_example(demo_module):
    nomination = Workshop.objects.get(title=KASHIWA_TITLE).nominations.get(official__administration__code="JPN")
    moderated = ModeratedScore.objects.get(nomination=nomination)
    assert (moderated.exercise.code, moderated.criterion.code, moderated.value) == ("ROLE", "F", Decimal("4"))
    decision = nomination.decisions.get(phase=Phase.ONE)
    assert (decision.outcome, decision.grade, decision.score_percent) == (Outcome.PASSED, "Merit", Decimal("73.57"))
    assert decision.released
    result = workshop_results(nomination.workshop, [nomination])[nomination.pk]
    assert result.percent == Fraction(515, 7)  # 25.75/7 of 5, exactly
    assert result.percent_display == "73.6%"
    assert decision.explanation["percent_display"] == "73.6%"


def test_demo_kashiwa_some_pass_some_fail(demo_module):
    outcomes = list(
        Decision.objects.filter(nomination__workshop__title=KASHIWA_TITLE, phase=Phase.ONE).values_list(
            "outcome", flat=True
        )
    )
    assert len(outcomes) == 10
    assert 0 < outcomes.count(Outcome.FAILED) < outcomes.count(Outcome.PASSED)


def test_demo_two_accredited_experts_with_certificates(demo_module):
    accredited = Accreditation.objects.filter(status=AccreditationStatus.ACCREDITED)
    assert accredited.count() >= 2
    for accreditation in accredited:
        certificate = accreditation.certificates.get(version=1)
        assert certificate.number.startswith(f"IPR-TOA-{accreditation.accredited_on.year}-")
        assert accreditation.nomination.decisions.get(phase=Phase.TWO).outcome == Outcome.PASSED
    assert sorted(Certificate.objects.values_list("number", flat=True))[:2] == [
        "IPR-TOA-2024-0001",
        "IPR-TOA-2024-0002",
    ]
    # Phase Two is still open for another pre-accredited expert.
    assert Accreditation.objects.filter(status=AccreditationStatus.PRE_ACCREDITED).exists()


def test_demo_workshop_in_progress_around_the_day_it_was_built(demo_module):
    today = demo_module.date()
    workshop = Workshop.objects.get(title=IN_PROGRESS_TITLE)
    assert workshop.status == WorkshopStatus.IN_PROGRESS
    assert workshop.start_date <= today <= workshop.end_date
    assert sorted(workshop.assignments.values_list("assessor__username", flat=True)) == ["assessor1", "assessor2"]
    scores = PhaseOneScore.objects.filter(nomination__workshop=workshop)
    assert set(scores.values_list("assessor__username", flat=True)) == {"assessor1", "assessor2"}
    results = workshop_results(workshop)
    assert results and all(r.status == "incomplete" for r in results.values())


def test_demo_upcoming_workshop_open_for_nominations_weeks_ahead(demo_module):
    workshop = Workshop.objects.get(title=UPCOMING_TITLE)
    assert workshop.status == WorkshopStatus.OPEN
    ahead = workshop.nomination_deadline - demo_module
    assert dt.timedelta(weeks=2) <= ahead <= dt.timedelta(weeks=8)
    assert workshop.start_date > workshop.nomination_deadline.date()
    assert workshop.nominations.exists()


def test_demo_accounts_sign_in_with_the_demo_password(demo_module, settings, client):
    usernames = ["secretariat", "assessor1", "assessor2", "fieldeval"]
    usernames += [f"focal-{code.lower()}" for code in KASHIWA_ISO3]
    usernames += [f"expert-{code.lower()}" for code in KASHIWA_ISO3]
    for username in usernames:
        user = get_user_model().objects.get(username=username)
        assert user.check_password(settings.DEMO_PASSWORD), username
    response = client.post(reverse("login"), {"username": "assessor1", "password": settings.DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("home")).wsgi_request.user.username == "assessor1"
    for code in KASHIWA_ISO3:
        focal = FocalPoint.objects.get(user__username=f"focal-{code.lower()}", active=True)
        assert focal.administration.code == code
        assert Official.objects.get(user__username=f"expert-{code.lower()}").administration.code == code


def test_demo_dates_follow_the_story(demo_module, settings, client):
    kashiwa = Workshop.objects.get(title=KASHIWA_TITLE)
    nominations = kashiwa.nominations.all()
    assert {n.submitted_at.year for n in nominations} == {2023}
    assert all(n.submitted_at < kashiwa.nomination_deadline for n in nominations)
    decisions = Decision.objects.filter(nomination__workshop=kashiwa, phase=Phase.ONE)
    assert {d.decided_at.date() for d in decisions} == {dt.date(2023, 10, 27)}
    assert {d.released_at.year for d in decisions} == {2023}
    assert {d.released_at.year for d in Decision.objects.filter(phase=Phase.TWO)} == {2024}
    # What the Japanese focal point reads: the nomination submitted in August 2023, not on the day of the demo.
    client.post(reverse("login"), {"username": "focal-jpn", "password": settings.DEMO_PASSWORD})
    page = client.get(reverse("workshops:nomination_list")).content.decode()
    assert "8 Aug 2023" in page
    assert f"{demo_module.day} {demo_module:%b %Y}" not in page
    # The candidate's audit trail tells the same story, in order.
    official = Official.objects.get(administration__code="JPN", nominations__workshop=kashiwa)
    client.post(reverse("login"), {"username": "secretariat", "password": settings.DEMO_PASSWORD})
    trail = client.get(reverse("accreditation:candidate_audit", args=[official.pk])).content.decode()
    assert "8 Aug 2023" in trail and "27 Oct 2023" in trail


def test_french_pages_read_as_french(demo_module, settings, client):
    kashiwa = Workshop.objects.get(title=KASHIWA_TITLE)
    client.post(reverse("login"), {"username": "secretariat", "password": settings.DEMO_PASSWORD})
    client.cookies["django_language"] = "fr"
    page = " ".join(client.get(reverse("accreditation:workshop_results", args=[kashiwa.pk])).content.decode().split())
    # One decimal separator: the Japanese candidate's 73.6% reads 73,6 %, and no percentage keeps a point.
    assert "73,6 %" in page  # a non-breaking space before the sign
    assert not re.search(r"\d\.\d\s?%", page)
    assert "Mérite" in page and ">Merit<" not in page  # grade names translated
    workshop_page = " ".join(client.get(kashiwa.get_absolute_url()).content.decode().split())
    assert "10 oct. 2023 – 13 oct. 2023" in workshop_page  # month abbreviations in lower case
    assert '10</span> <span class="text-body-secondary">acceptées sur 10 places' in workshop_page
    csv_text = client.get(reverse("accreditation:workshop_results_export", args=[kashiwa.pk])).content.decode()
    assert ",oui" in csv_text and ",yes" not in csv_text
    assert "Mérite" in csv_text
