"""A certificate reveals the Phase Two decision: the expert and their focal
point see it only once the Secretariat has released that decision."""

import pytest

from accreditation import services
from accreditation.enums import Phase
from accreditation.models import Decision
from tests.factories import OfficialFactory, UserFactory, accredit, focal_point_user, secretariat_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def unreleased():
    official = OfficialFactory(user=UserFactory())
    focal = focal_point_user(official.administration)
    [certificate] = accredit([official], release=False)
    return official, focal, certificate


def test_certificate_hidden_from_expert_and_focal_point_before_release(client, unreleased):
    official, focal, certificate = unreleased
    for user in (official.user, focal):
        client.force_login(user)
        assert certificate.number not in client.get("/certificates/").content.decode()
        assert client.get(f"/certificates/{certificate.pk}/").status_code == 404
        assert client.get(f"/certificates/{certificate.pk}/download/").status_code == 404
    client.force_login(official.user)
    assert client.get("/roster/profile/").context["accredited"] is False
    client.force_login(secretariat_user())
    assert certificate.number in client.get("/certificates/").content.decode()


def test_certificate_shown_to_expert_and_focal_point_once_released(client, unreleased):
    official, focal, certificate = unreleased
    decision = Decision.objects.get(nomination=certificate.accreditation.nomination, phase=Phase.TWO)
    services.decision_release(actor=secretariat_user(), decision=decision)
    for user in (official.user, focal):
        client.force_login(user)
        assert certificate.number in client.get("/certificates/").content.decode()
        assert client.get(f"/certificates/{certificate.pk}/").status_code == 200
    client.force_login(official.user)
    assert client.get("/roster/profile/").context["accredited"] is True


def test_expert_home_lists_the_certificate_only_after_release(client, unreleased):
    official, _focal, certificate = unreleased
    client.force_login(official.user)
    assert certificate.number not in client.get("/").content.decode()
    decision = Decision.objects.get(nomination=certificate.accreditation.nomination, phase=Phase.TWO)
    services.decision_release(actor=secretariat_user(), decision=decision)
    page = client.get("/").content.decode()
    assert certificate.number in page
    assert f"/certificates/{certificate.pk}/" in page


def test_secretariat_releases_a_workshops_phase_two_decisions_at_once(client):
    officials = [OfficialFactory(), OfficialFactory()]
    certificates = accredit(officials, release=False)
    workshop = certificates[0].accreditation.nomination.workshop
    phase_one_released = set(
        Decision.objects.filter(nomination__workshop=workshop, phase=Phase.ONE, released=True).values_list(
            "pk", flat=True
        )
    )
    client.force_login(secretariat_user())
    response = client.post(f"/assessment/workshops/{workshop.pk}/release/", {"phase": "two"}, follow=True)
    assert "2 decision(s) released." in response.content.decode()
    two = Decision.objects.filter(nomination__workshop=workshop, phase=Phase.TWO)
    assert two.count() == 2 and all(d.released for d in two)
    assert (
        set(
            Decision.objects.filter(nomination__workshop=workshop, phase=Phase.ONE, released=True).values_list(
                "pk", flat=True
            )
        )
        == phase_one_released
    )
