"""Public verification: /verify/<code>/ needs no login, shows the status and
nothing personal beyond name, programme, expert type, number and dates."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.utils import timezone

from accreditation import services
from tests.factories import OfficialFactory, accredit, secretariat_user


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def actor(db):
    return secretariat_user()


@pytest.fixture
def certificate(actor):
    official = OfficialFactory(
        name_latin="Sato Haruki",
        name_native="佐藤 陽輝",
        name_native_lang="ja",
        email="sato.private@customs.example",
        position="Chief, IPR border enforcement",
    )
    [certificate] = accredit([official], actor=actor)
    return certificate


def test_verify_valid_certificate_is_public(client, certificate):
    response = client.get(f"/verify/{certificate.verification_code}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Valid" in page
    assert "Sato Haruki" in page
    assert '<span lang="ja">佐藤 陽輝</span>' in page
    assert certificate.number in page
    assert "Intellectual Property Rights" in page
    assert "Technical and Operational Advisor (TOA)" in page
    assert certificate.valid_until.strftime("%-d %B %Y") in page
    assert response["Vary"] == "Accept" or "Accept" in response["Vary"]


def test_verify_shows_nothing_else_personal(client, certificate):
    page = client.get(f"/verify/{certificate.verification_code}/").content.decode()

    official = certificate.accreditation.official
    assert official.email not in page
    assert official.position not in page
    assert official.administration.name not in page


def test_verify_revoked_shows_the_date_not_the_reason(client, certificate, actor):
    services.certificate_revoke(actor=actor, certificate=certificate, reason="Misconduct on mission X.")

    page = client.get(f"/verify/{certificate.verification_code}/").content.decode()

    assert "Revoked" in page
    assert "was revoked on" in page
    assert "Misconduct" not in page


def test_verify_superseded_points_to_the_newer_version(client, certificate, actor):
    new = services.certificate_reissue(actor=actor, certificate=certificate, reason="Typo.")

    page = client.get(f"/verify/{certificate.verification_code}/").content.decode()

    assert "Superseded" in page
    assert f'href="/verify/{new.verification_code}/"' in page
    assert f"Check version 2 of {new.number}" in page
    assert "Typo" not in page


def test_verify_expired_by_date_before_the_daily_task_ran(client, certificate, settings):
    from accreditation.models import Certificate

    Certificate.objects.filter(pk=certificate.pk).update(valid_until=dt.date(2020, 1, 31))

    page = client.get(f"/verify/{certificate.verification_code}/").content.decode()

    assert "Expired" in page
    assert "This certificate expired on 31 January 2020." in page


def test_verify_json_when_asked(client, certificate, actor):
    services.certificate_revoke(actor=actor, certificate=certificate, reason="Private reason.")

    response = client.get(f"/verify/{certificate.verification_code}/", HTTP_ACCEPT="application/json")

    assert response["Content-Type"] == "application/json"
    data = json.loads(response.content)
    assert data == {
        "status": "revoked",
        "number": certificate.number,
        "version": 1,
        "name": "Sato Haruki",
        "name_native": "佐藤 陽輝",
        "name_native_lang": "ja",
        "programme": "Intellectual Property Rights",
        "expert_type": "TOA",
        "expert_type_label": "Technical and Operational Advisor",
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "revoked_on": timezone.localdate().isoformat(),
    }


def test_verify_browser_accept_header_gets_html(client, certificate):
    response = client.get(
        f"/verify/{certificate.verification_code}/",
        HTTP_ACCEPT="text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    )

    assert response["Content-Type"].startswith("text/html")


def test_verify_wrong_code_is_a_helpful_404(client, db):
    response = client.get("/verify/not-a-real-code/")

    assert response.status_code == 404
    page = response.content.decode()
    assert "No certificate has this verification code" in page
    assert "case-sensitive" in page


def test_verify_wrong_code_json_is_404(client, db):
    response = client.get("/verify/not-a-real-code/", HTTP_ACCEPT="application/json")

    assert response.status_code == 404
    assert json.loads(response.content) == {"error": "not_found"}


def test_verify_is_throttled_per_address(client, certificate, settings):
    settings.VERIFY_RATE_LIMIT = 3
    for n in range(3):
        assert client.get(f"/verify/guess-{n}/").status_code == 404

    response = client.get(f"/verify/{certificate.verification_code}/")

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    assert "Too many verifications" in response.content.decode()
    other = client.get(f"/verify/{certificate.verification_code}/", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200


def test_verify_pages_have_no_inline_script_or_style(client, certificate):
    for url in (f"/verify/{certificate.verification_code}/", "/verify/nope/"):
        page = client.get(url).content.decode()
        assert "<script>" not in page
        assert "style=" not in page
        assert "<style" not in page
