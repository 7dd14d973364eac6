"""Dates and times as users read them: the nomination deadline in the workshop's
own time zone on every page that shows it, localised dates, page titles."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accreditation.models import ScoreSheet
from tests.factories import make_workshop
from tests.permissions.scenario import build_scenario
from workshops import services as workshop_services

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def s():
    return build_scenario()


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_deadline_shows_the_workshop_hour_on_every_page(client, s):
    # 17:00 in Tokyo is 08:00 UTC: every page must say 17:00, labelled Asia/Tokyo.
    deadline = (dt.datetime.now(TOKYO) + dt.timedelta(days=10)).replace(hour=17, minute=0, second=0, microsecond=0)
    workshop = make_workshop(actor=s.user("secretariat"), title="Tokyo deadline", nomination_deadline=deadline)
    nomination = workshop_services.nomination_submit(
        actor=s.user("focal_point"),
        workshop=workshop,
        official=s.pending_nomination.official,
        letter_reference="T/1",
        nominating_officer="Director General",
        nomination_date=dt.date.today(),
    )
    expected = f"{deadline.day} {deadline:%b} {deadline.year}, 17:00 (Asia/Tokyo)"
    client.force_login(s.user("focal_point"))
    pages = {
        "workshop page": reverse("workshops:workshop_detail", args=[workshop.pk]),
        "nomination form": reverse("workshops:nomination_create", args=[workshop.pk]),
        "withdrawal box": nomination.get_absolute_url(),
        "home": reverse("home"),
    }
    for name, url in pages.items():
        page = _text(client.get(url))
        assert expected in page, name
        assert ", 08:00" not in page, name
        assert f'datetime="{deadline.astimezone(dt.UTC).isoformat()}"' in page, name
    assert "Withdraw the nomination (possible until" in _text(client.get(nomination.get_absolute_url()))


def test_deadline_in_french_uses_french_month_abbreviations(client, s):
    deadline = dt.datetime(2031, 2, 3, 17, 0, tzinfo=TOKYO)
    workshop = make_workshop(
        actor=s.user("secretariat"),
        nomination_deadline=deadline,
        start_date=dt.date(2031, 3, 10),
        end_date=dt.date(2031, 3, 13),
    )
    client.force_login(s.user("focal_point"))
    client.cookies["django_language"] = "fr"
    page = _text(client.get(reverse("workshops:workshop_detail", args=[workshop.pk])))
    assert "3 fév. 2031, 17:00 (Asia/Tokyo)" in page
    assert "10 mars 2031 – 13 mars 2031" in page
    assert "Mars" not in page and "Fév" not in page


def test_locked_sheet_notice_shows_a_localised_time(client, s):
    assessor = s.user("assessor")
    exercise = s.workshop.exercises.first()
    ScoreSheet.objects.create(
        workshop=s.workshop,
        exercise=exercise,
        assessor=assessor,
        status="submitted",
        submitted_at=dt.datetime(2026, 12, 2, 14, 17, tzinfo=dt.UTC),
    )
    client.force_login(assessor)
    page = _text(client.get(reverse("accreditation:score_sheet", args=[s.workshop.pk, exercise.pk])))
    assert "You submitted this sheet on 2 Dec 2026, 14:17." in page
    assert "p.m." not in page


def test_browser_titles_read_page_dot_portal(client, s):
    client.force_login(s.user("focal_point"))
    page = client.get(reverse("home")).content.decode()
    assert "<title>Home · TOA Portal</title>" in page
    login = client.get(reverse("login")).content.decode()
    assert re.search(r"<title>[^<]+ · TOA Portal</title>", login)
