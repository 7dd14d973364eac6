"""The roster of accredited experts (Secretariat) and the profile each
accredited expert keeps current."""

import pytest
from django.urls import reverse

from accreditation import services
from accreditation.enums import Availability
from accreditation.models import RosterProfile
from tests.factories import OfficialFactory, UserFactory, accredit, secretariat_user
from toa_portal.errors import DomainError
from toa_portal.models import AuditEntry

ROSTER = reverse("accreditation:roster")
PROFILE = reverse("accreditation:roster_profile")


@pytest.fixture
def secretariat(db):
    return secretariat_user()


@pytest.fixture
def expert(db):
    return UserFactory()


@pytest.fixture
def official(expert, secretariat):
    official = OfficialFactory(
        user=expert, name_latin="Nimal Perera", name_native="නිමල් පෙරේරා", name_native_lang="si", languages="English"
    )
    accredit([official], actor=secretariat)
    return official


def test_roster_lists_accredited_experts_with_their_profile(client, secretariat, official, expert):
    services.roster_profile_update(
        actor=expert, official=official, availability=Availability.LIMITED, biography="Led 3 IPR missions."
    )
    client.force_login(secretariat)

    page = client.get(ROSTER).content.decode()

    assert "Nimal Perera" in page
    assert '<span lang="si">නිමල් පෙරේරා</span>' in page
    assert "Limited availability" in page
    assert "Led 3 IPR missions." in page


def test_roster_filters_by_working_language(client, secretariat, official):
    client.force_login(secretariat)

    assert "Nimal Perera" in client.get(ROSTER, {"language": "english"}).content.decode()
    assert "Nimal Perera" not in client.get(ROSTER, {"language": "French"}).content.decode()


def test_roster_leaves_out_experts_not_accredited(client, secretariat):
    OfficialFactory(name_latin="Not Yet Accredited")
    client.force_login(secretariat)

    assert "Not Yet Accredited" not in client.get(ROSTER).content.decode()


def test_roster_is_for_the_secretariat(client, expert, official):
    client.force_login(expert)

    assert client.get(ROSTER).status_code == 403


@pytest.mark.parametrize("size", [1, 3])
def test_roster_query_count_does_not_grow(client, secretariat, django_assert_num_queries, size):
    accredit([OfficialFactory() for _ in range(size)], actor=secretariat)
    client.force_login(secretariat)
    client.get(ROSTER)

    with django_assert_num_queries(11):
        response = client.get(ROSTER)

    assert response.context["page"].paginator.count == size


def test_roster_profile_page_saves_the_experts_entry(client, expert, official):
    client.force_login(expert)

    response = client.post(PROFILE, {"availability": "unavailable", "biography": "On leave until March."})

    assert response["Location"] == PROFILE
    profile = RosterProfile.objects.get(official=official)
    assert (profile.availability, profile.biography) == ("unavailable", "On leave until March.")
    assert AuditEntry.objects.filter(action="roster.profile", actor=expert).count() == 1


def test_roster_profile_unchanged_writes_nothing(expert, official):
    services.roster_profile_update(actor=expert, official=official, availability="available", biography="Hi.")
    services.roster_profile_update(actor=expert, official=official, availability="available", biography="Hi.")

    assert AuditEntry.objects.filter(action="roster.profile").count() == 1


def test_roster_profile_before_accreditation_is_refused(client, db):
    user = UserFactory()
    OfficialFactory(user=user)
    client.force_login(user)

    page = client.get(PROFILE).content.decode()
    assert "once accredited" in page
    response = client.post(PROFILE, {"availability": "available", "biography": ""})
    assert "Only accredited experts are in the roster." in response.content.decode()


def test_roster_profile_of_someone_else_is_refused(official, secretariat):
    with pytest.raises(DomainError, match="keeps their own"):
        services.roster_profile_update(actor=secretariat, official=official, availability="available", biography="")


def test_roster_profile_page_without_an_expert_account_is_403(client, secretariat):
    client.force_login(secretariat)

    assert client.get(PROFILE).status_code == 403
