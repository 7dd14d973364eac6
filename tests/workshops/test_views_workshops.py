"""The Secretariat's workshop pages: list, filters, create, edit, counters, status, assessors."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accreditation.demo import rubric_programme
from candidates.models import Region
from tests.factories import AdministrationFactory, OfficialFactory, UserFactory, make_workshop, nominate
from tests.permissions.scenario import build_scenario
from workshops.enums import NominationStatus, WorkshopStatus
from workshops.models import AssessorAssignment, DeclaredConflict, Workshop, WorkshopQuota

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def s():
    return build_scenario()


def workshop_data(s, **overrides):
    today = timezone.localdate()
    data = {
        "programme": rubric_programme().pk,
        "title": "Atelier de Montréal",
        "venue": "Centre",
        "city": "Montréal",
        "host_administration": s.administration.pk,
        "start_date": (today + dt.timedelta(days=60)).isoformat(),
        "end_date": (today + dt.timedelta(days=64)).isoformat(),
        "language": "fr",
        "funder": "CCF/Korea",
        "capacity": "12",
        "nomination_deadline": f"{today + dt.timedelta(days=30)}T17:00",
        "timezone": "America/Toronto",
        "default_quota": "2",
        "status": "open",
        "curriculum": "Module one\n\n  Module two  \n",
        "quota-TOTAL_FORMS": "2",
        "quota-INITIAL_FORMS": "0",
        "quota-MIN_NUM_FORMS": "0",
        "quota-MAX_NUM_FORMS": "300",
        "quota-0-administration": s.other_administration.pk,
        "quota-0-limit": "3",
        "quota-1-administration": "",
        "quota-1-limit": "",
    }
    data.update(overrides)
    return data


def test_workshop_create_takes_the_rubric_snapshot_and_reads_the_deadline_in_its_time_zone(client, s):
    client.force_login(s.user("secretariat"))
    response = client.post(reverse("workshops:workshop_create"), workshop_data(s))
    workshop = Workshop.objects.get(title="Atelier de Montréal")
    assert response.status_code == 302
    assert response["Location"] == workshop.get_absolute_url()
    local = workshop.nomination_deadline.astimezone(ZoneInfo("America/Toronto"))
    assert (local.hour, local.minute) == (17, 0)
    assert workshop.nomination_deadline.astimezone(dt.UTC).hour in (21, 22)  # EDT or EST
    assert workshop.timezone == "America/Toronto"
    assert list(workshop.curriculum.values_list("title", flat=True)) == ["Module one", "Module two"]
    assert workshop.criteria.count() == 4 and workshop.exercises.count() == 3
    assert WorkshopQuota.objects.get(workshop=workshop).limit == 3
    assert workshop.status == WorkshopStatus.OPEN


def test_workshop_create_with_errors_keeps_every_value_typed(client, s):
    client.force_login(s.user("secretariat"))
    data = workshop_data(s, end_date="2000-01-01", capacity="0", title="<script>alert('x')</script>")
    response = client.post(reverse("workshops:workshop_create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The last day is before the first day." in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "<script>alert" not in page
    assert "Montréal" in page and "CCF/Korea" in page and "Module two" in page
    assert not Workshop.objects.filter(city="Montréal").exists()


def test_workshop_edit_changes_details_curriculum_quotas_and_exercises(client, s):
    client.force_login(s.user("secretariat"))
    url = reverse("workshops:workshop_edit", args=[s.workshop.pk])
    page = client.get(url).content.decode()
    assert "Presentation" in page
    exercises = list(s.workshop.exercises.all())
    data = workshop_data(s, title="Renamed workshop", curriculum="Only module")
    data.pop("programme")
    data.pop("status")
    data.update(
        {
            "exercise-TOTAL_FORMS": str(len(exercises)),
            "exercise-INITIAL_FORMS": str(len(exercises)),
            "exercise-MIN_NUM_FORMS": "0",
            "exercise-MAX_NUM_FORMS": "50",
        }
    )
    for i, exercise in enumerate(exercises):
        data[f"exercise-{i}-id"] = exercise.pk
        data[f"exercise-{i}-name"] = f"{exercise.name} (revised)" if i == 0 else exercise.name
        data[f"exercise-{i}-order"] = exercise.order
    response = client.post(url, data)
    assert response.status_code == 302
    s.workshop.refresh_from_db()
    assert s.workshop.title == "Renamed workshop"
    assert list(s.workshop.curriculum.values_list("title", flat=True)) == ["Only module"]
    assert s.workshop.quotas.get().administration == s.other_administration
    assert s.workshop.exercises.get(pk=exercises[0].pk).name.endswith("(revised)")
    assert s.workshop.criteria.count() == 4  # the rubric snapshot is untouched


def test_workshop_edit_refuses_capacity_below_accepted(client, s):
    client.force_login(s.user("secretariat"))
    data = workshop_data(s, capacity="0")
    data.pop("programme")
    response = client.post(reverse("workshops:workshop_edit", args=[s.workshop.pk]), data)
    assert response.status_code == 200
    s.workshop.refresh_from_db()
    assert s.workshop.capacity == 5


def test_workshop_list_search_ignores_accents_and_case(client, s):
    make_workshop(actor=s.user("secretariat"), title="Atelier régional de Montréal", city="Montréal")
    client.force_login(s.user("secretariat"))
    page = client.get(reverse("workshops:workshop_list"), {"q": "REGIONAL de montreal"}).content.decode()
    assert "Atelier régional de Montréal" in page
    assert "Matrix workshop" not in page


def test_workshop_list_filters_by_programme_region_year_and_status(client, s):
    europe = Region.objects.create(code="europe", name="Europe")
    host = AdministrationFactory(region=europe)
    next_year = timezone.localdate().year + 1
    make_workshop(
        actor=s.user("secretariat"),
        title="Baku workshop",
        host_administration=host,
        start_date=dt.date(next_year, 5, 1),
        end_date=dt.date(next_year, 5, 4),
        status=WorkshopStatus.DRAFT,
    )
    client.force_login(s.user("secretariat"))
    url = reverse("workshops:workshop_list")
    page = client.get(url, {"region": europe.pk}).content.decode()
    assert "Baku workshop" in page and "Matrix workshop" not in page
    page = client.get(url, {"year": next_year, "status": "draft"}).content.decode()
    assert "Baku workshop" in page and "Matrix workshop" not in page
    page = client.get(url, {"programme": rubric_programme().pk, "status": "open"}).content.decode()
    assert "Matrix workshop" in page and "Baku workshop" not in page


def test_workshop_list_hides_drafts_from_focal_points(client, s):
    make_workshop(actor=s.user("secretariat"), title="Secret draft", status=WorkshopStatus.DRAFT)
    client.force_login(s.user("focal_point"))
    page = client.get(reverse("workshops:workshop_list"), {"q": "secret"}).content.decode()
    assert "Secret draft" not in page


def test_workshop_detail_shows_counters_per_administration(client, s):
    nominate(s.workshop, OfficialFactory(administration=s.other_administration, name_latin="Zed Foreign"))
    WorkshopQuota.objects.create(workshop=s.workshop, administration=s.administration, limit=4)
    client.force_login(s.user("secretariat"))
    response = client.get(reverse("workshops:workshop_detail", args=[s.workshop.pk]))
    counters = response.content.decode()
    assert response.context["nominated"] == 3
    assert response.context["counts"]["by_status"][NominationStatus.ACCEPTED] == 1
    rows = {row["official__administration__name"]: row for row in response.context["quota_rows"]}
    assert rows["Owning Administration"]["n"] == 2 and rows["Owning Administration"]["quota"] == 4
    assert rows["Other Administration"]["n"] == 1 and rows["Other Administration"]["quota"] is None
    assert "accepted of 5 places" in counters


def test_workshop_close_nominations(client, s):
    client.force_login(s.user("secretariat"))
    response = client.post(reverse("workshops:workshop_status", args=[s.workshop.pk]), {"status": "closed"})
    assert response.status_code == 302
    s.workshop.refresh_from_db()
    assert s.workshop.status == WorkshopStatus.CLOSED


def test_workshop_illegal_status_change_says_why(client, s):
    client.force_login(s.user("secretariat"))
    response = client.post(reverse("workshops:workshop_status", args=[s.workshop.pk]), {"status": "draft"})
    assert response.status_code == 400
    assert "cannot become draft" in response.content.decode()


def test_assessor_assign_unassign_and_conflict(client, s):
    client.force_login(s.user("secretariat"))
    newcomer = UserFactory(username="newcomer", first_name="New", last_name="Comer")
    client.post(reverse("workshops:assessor_assign", args=[s.workshop.pk]), {"assessor": newcomer.pk})
    assert AssessorAssignment.objects.filter(workshop=s.workshop, assessor=newcomer).exists()
    client.post(reverse("workshops:assessor_unassign", args=[s.workshop.pk, newcomer.pk]), {"confirm": "1"})
    assert not AssessorAssignment.objects.filter(workshop=s.workshop, assessor=newcomer).exists()
    response = client.post(
        reverse("workshops:conflict_declare", args=[s.workshop.pk]),
        {"assessor": s.user("assessor").pk, "official": s.official.pk, "reason": "Former colleague", "confirm": "1"},
    )
    assert response.status_code == 302
    assert DeclaredConflict.objects.get(assessor=s.user("assessor"), official=s.official).reason == "Former colleague"
    page = client.get(reverse("workshops:workshop_detail", args=[s.workshop.pk])).content.decode()
    assert page  # the eligible-assessor column is recomputed without errors


def test_conflict_without_reason_keeps_the_form(client, s):
    client.force_login(s.user("secretariat"))
    response = client.post(
        reverse("workshops:conflict_declare", args=[s.workshop.pk]),
        {"assessor": s.user("assessor").pk, "official": s.official.pk, "reason": ""},
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()


def _query_count(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    return len(context.captured_queries), response


@pytest.mark.parametrize("role", ["secretariat", "focal_point", "expert"])
def test_workshop_list_query_count_does_not_grow(client, s, role, django_assert_num_queries):
    Workshop.objects.filter(pk=s.other_workshop.pk).update(status=WorkshopStatus.CANCELLED)
    client.force_login(s.user(role))
    url = reverse("workshops:workshop_list") + "?status=open"
    client.get(url)
    count, response = _query_count(client, url)
    assert response.context["page"].paginator.count == 1
    for n in range(2):
        workshop = make_workshop(actor=s.user("secretariat"), title=f"More {n}")
        nominate(workshop, s.official)
    with django_assert_num_queries(count):
        response = client.get(url)
    assert response.context["page"].paginator.count == 3


def test_workshop_detail_query_count_does_not_grow_with_nominations(client, s, django_assert_num_queries):
    client.force_login(s.user("secretariat"))
    url = reverse("workshops:workshop_detail", args=[s.workshop.pk])
    s.pending_nomination.delete()
    client.get(url)
    count, response = _query_count(client, url)
    assert len(response.context["nominations"]) == 1
    nominate(s.workshop)
    nominate(s.workshop, OfficialFactory(administration=s.other_administration))
    with django_assert_num_queries(count):
        response = client.get(url)
    assert len(response.context["nominations"]) == 3


def test_home_query_count_does_not_grow(client, s, django_assert_num_queries):
    client.force_login(s.user("focal_point"))
    url = reverse("home")
    client.get(url)
    count, _response = _query_count(client, url)
    for n in range(2):
        workshop = make_workshop(actor=s.user("secretariat"), title=f"Home {n}")
        nominate(workshop, OfficialFactory(administration=s.administration))
    with django_assert_num_queries(count):
        client.get(url)


def test_waiting_list_link_lists_only_waitlisted_nominations(client, s):
    from workshops import services

    services.nomination_waitlist(actor=s.user("secretariat"), nomination=s.pending_nomination)
    client.force_login(s.user("secretariat"))
    page = client.get(reverse("workshops:workshop_detail", args=[s.workshop.pk])).content.decode()
    link = f"/workshops/nominations/?workshop={s.workshop.pk}&amp;status=waitlisted"
    assert link in page
    page = client.get(link.replace("&amp;", "&")).content.decode()
    assert "Ben Pending" in page and "Ana Matrix" not in page


def test_assessors_page_query_count_does_not_grow(client, s, django_assert_num_queries):
    from workshops import services

    client.force_login(s.user("secretariat"))
    url = reverse("workshops:workshop_assessors", args=[s.workshop.pk])
    services.assessor_unassign(
        actor=s.user("secretariat"), workshop=s.workshop, assessor=s.user("assessor"), confirm=True
    )
    client.get(url)
    count, response = _query_count(client, url)
    assert len(response.context["assignments"]) == 1
    for _ in range(2):
        services.assessor_assign(actor=s.user("secretariat"), workshop=s.workshop, assessor=UserFactory())
    with django_assert_num_queries(count):
        response = client.get(url)
    assert len(response.context["assignments"]) == 3


def test_french_counters_agree_with_one(client, s):
    workshop = make_workshop(actor=s.user("secretariat"), capacity=5)
    nominate(workshop, accept=True)
    client.force_login(s.user("secretariat"))
    client.cookies["django_language"] = "fr"
    page = " ".join(client.get(workshop.get_absolute_url()).content.decode().split())
    assert '1</span> <span class="text-body-secondary">désignation</span>' in page
    assert '1</span> <span class="text-body-secondary">acceptée sur 5 places</span>' in page
