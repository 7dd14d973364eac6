"""Suspension of a certificate's accreditation by the Secretariat: a reason,
an end date, the suspended state on the verification page and the status
list, and its end (early by the Secretariat, or by itself after the end date,
recorded by the daily task)."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accreditation import services, tasks
from accreditation.models import Suspension
from accreditation.suspension import certificate_suspend, suspension_lift, suspensions_lift_ended
from tests.factories import OfficialFactory, accredit, focal_point_user, secretariat_user
from toa_portal.errors import DomainError
from toa_portal.models import AuditEntry


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


@pytest.fixture
def actor(db):
    return secretariat_user()


@pytest.fixture
def certificate(actor):
    [certificate] = accredit([OfficialFactory(name_latin="Nimal Perera")], actor=actor)
    return certificate


def _in(days):
    return timezone.localdate() + dt.timedelta(days=days)


def test_suspend_records_reason_and_end_and_verification_says_suspended(client, certificate, actor):
    certificate_suspend(actor=actor, certificate=certificate, reason="Investigation pending.", ends_on=_in(30))

    page = client.get(certificate.get_verify_url()).content.decode()
    assert "Suspended" in page
    assert f"suspended until {_in(30):%-d %B %Y}" in page
    assert "Investigation pending." not in page
    data = client.get(certificate.get_verify_url(), HTTP_ACCEPT="application/json").json()
    assert data["status"] == "suspended"
    assert data["suspended_until"] == _in(30).isoformat()
    entry = AuditEntry.objects.get(action="certificate.suspend")
    assert entry.reason == "Investigation pending."
    assert entry.actor == actor


def test_suspend_refuses_without_reason_past_end_twice_or_by_others(certificate, actor):
    with pytest.raises(DomainError, match="reason"):
        certificate_suspend(actor=actor, certificate=certificate, reason=" ", ends_on=_in(5))
    with pytest.raises(DomainError, match="today or later"):
        certificate_suspend(actor=actor, certificate=certificate, reason="R", ends_on=_in(-1))
    with pytest.raises(DomainError, match="Secretariat"):
        certificate_suspend(
            actor=focal_point_user(certificate.accreditation.official.administration),
            certificate=certificate,
            reason="R",
            ends_on=_in(5),
        )
    certificate_suspend(actor=actor, certificate=certificate, reason="R", ends_on=_in(5))
    with pytest.raises(DomainError, match="already suspended"):
        certificate_suspend(actor=actor, certificate=certificate, reason="R", ends_on=_in(9))
    services.certificate_revoke(actor=actor, certificate=certificate, reason="Final.")
    with pytest.raises(DomainError, match="Only a valid certificate"):
        certificate_suspend(actor=actor, certificate=certificate, reason="R", ends_on=_in(5))
    assert Suspension.objects.count() == 1


def test_suspension_ends_by_itself_and_the_daily_task_records_it(client, certificate, actor):
    certificate_suspend(actor=actor, certificate=certificate, reason="Missing report.", ends_on=_in(3))
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        data = client.get(certificate.get_verify_url(), HTTP_ACCEPT="application/json").json()
        assert data["status"] == "valid"
        assert tasks.lift_ended_suspensions.delay().get() == 1
        assert suspensions_lift_ended() == 0
    suspension = Suspension.objects.get()
    assert suspension.lifted_on == _in(4)
    lifted = AuditEntry.objects.get(action="certificate.suspension_lift")
    assert lifted.actor is None
    # A new suspension may follow once the first one has ended.
    with time_machine.travel(timezone.now() + dt.timedelta(days=5)):
        certificate_suspend(actor=actor, certificate=certificate, reason="Again.", ends_on=_in(20))


def test_secretariat_suspends_and_lifts_from_the_certificate_page(client, certificate, actor):
    client.force_login(actor)
    detail = reverse("accreditation:certificate_detail", args=[certificate.pk])
    assert reverse("accreditation:certificate_suspend", args=[certificate.pk]) in client.get(detail).content.decode()

    url = reverse("accreditation:certificate_suspend", args=[certificate.pk])
    response = client.post(url, {"reason": "Pending inquiry.", "ends_on": _in(-2).isoformat()})
    assert response.status_code == 200
    page = response.content.decode()
    assert "A suspension ends today or later." in page
    assert "Pending inquiry." in page  # nothing typed is lost

    response = client.post(url, {"reason": "Pending inquiry.", "ends_on": _in(10).isoformat()}, follow=True)
    page = response.content.decode()
    assert "The certificate is suspended." in page
    assert "Pending inquiry." in page  # the Secretariat reads the private reason
    assert reverse("accreditation:suspension_lift", args=[certificate.pk]) in page

    response = client.post(
        reverse("accreditation:suspension_lift", args=[certificate.pk]), {"reason": "Cleared."}, follow=True
    )
    assert "The suspension is lifted." in response.content.decode()
    assert Suspension.objects.get().lifted_on == timezone.localdate()
    assert client.get(certificate.get_verify_url(), HTTP_ACCEPT="application/json").json()["status"] == "valid"


def test_expert_sees_the_suspension_but_no_action(client, certificate, actor):
    certificate_suspend(actor=actor, certificate=certificate, reason="Private reason.", ends_on=_in(10))
    official = certificate.accreditation.official
    from tests.factories import UserFactory

    official.user = UserFactory()
    official.save(update_fields=["user"])
    client.force_login(official.user)
    page = client.get(reverse("accreditation:certificate_detail", args=[certificate.pk])).content.decode()
    assert "Suspended" in page
    assert "Private reason." not in page
    assert reverse("accreditation:suspension_lift", args=[certificate.pk]) not in page
    # Their home page says so too, next to the certificate.
    home = client.get("/").content.decode()
    assert f"Suspended until {_in(10):%-d %B %Y}" in home
    assert "Private reason." not in home


def test_roster_leaves_out_a_suspended_expert_until_the_suspension_ends(client, certificate, actor):
    [other] = accredit([OfficialFactory(name_latin="Kamala Silva")], actor=actor)
    client.force_login(actor)
    roster = reverse("accreditation:roster")
    certificate_suspend(actor=actor, certificate=certificate, reason="Pending inquiry.", ends_on=_in(3))

    page = client.get(roster).content.decode()
    assert "Nimal Perera" not in page
    assert "Kamala Silva" in page
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        assert "Nimal Perera" in client.get(roster).content.decode()


def test_lift_needs_a_reason(certificate, actor):
    suspension = certificate_suspend(actor=actor, certificate=certificate, reason="R", ends_on=_in(10))
    with pytest.raises(DomainError, match="reason"):
        suspension_lift(actor=actor, suspension=suspension, reason="")


@pytest.mark.parametrize("size", [1, 3])
def test_certificate_list_with_suspensions_query_count_does_not_grow(client, actor, django_assert_num_queries, size):
    for certificate in accredit([OfficialFactory() for _ in range(size)], actor=actor):
        certificate_suspend(actor=actor, certificate=certificate, reason="R", ends_on=_in(10))
    client.force_login(actor)
    url = reverse("accreditation:certificate_list")
    client.get(url)

    with django_assert_num_queries(10):
        response = client.get(url)

    assert response.content.decode().count("Suspended until") == size
