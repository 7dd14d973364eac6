"""Certificate pages: the list (scoped, with render state and retry for the
Secretariat), the page, the download, revocation, re-issue, bulk re-render."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accreditation import services
from accreditation.enums import RenderState, Validity
from accreditation.models import BulkJob, Certificate
from tests.factories import (
    AdministrationFactory,
    OfficialFactory,
    UserFactory,
    accredit,
    focal_point_user,
    secretariat_user,
)


@pytest.fixture
def secretariat(db):
    return secretariat_user()


@pytest.fixture
def administration(db):
    return AdministrationFactory(name="Japan")


@pytest.fixture
def expert(administration):
    return UserFactory(home=administration)


@pytest.fixture
def certificate(secretariat, expert, administration):
    official = OfficialFactory(administration=administration, user=expert, name_latin="Sato Haruki")
    [certificate] = accredit([official], actor=secretariat)
    services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    return certificate


def _list(client, **params):
    return client.get(reverse("accreditation:certificate_list"), params)


def test_certificate_list_secretariat_sees_render_failures_with_retry(client, secretariat, certificate):
    Certificate.objects.filter(pk=certificate.pk).update(
        render_state=RenderState.FAILED, render_error="TemplateSyntaxError: Invalid block tag 'broken'"
    )
    client.force_login(secretariat)

    page = _list(client).content.decode()

    assert "TemplateSyntaxError: Invalid block tag" in page
    assert reverse("accreditation:certificate_retry", args=[certificate.pk]) in page
    assert "Failed" in page


def test_certificate_list_expert_sees_own_certificates_without_render_details(client, expert, certificate, secretariat):
    [other] = accredit([OfficialFactory(name_latin="Someone Else")], actor=secretariat)
    client.force_login(expert)

    page = _list(client).content.decode()

    assert "Sato Haruki" in page
    assert "Someone Else" not in page
    assert reverse("accreditation:certificate_download", args=[certificate.pk]) in page
    assert "Retry" not in page


def test_certificate_list_focal_point_sees_their_administrations_only(client, certificate, administration, secretariat):
    accredit([OfficialFactory(name_latin="Someone Else")], actor=secretariat)
    client.force_login(focal_point_user(administration))

    page = _list(client).content.decode()

    assert "Sato Haruki" in page
    assert "Someone Else" not in page


def test_certificate_list_filtered_by_workshop_offers_bulk_rerender(client, secretariat, certificate):
    client.force_login(secretariat)
    workshop = certificate.accreditation.nomination.workshop

    page = _list(client, workshop=workshop.pk).content.decode()

    assert reverse("accreditation:certificate_workshop_rerender", args=[workshop.pk]) in page


@pytest.mark.parametrize("size", [1, 3])
def test_certificate_list_query_count_does_not_grow(client, secretariat, django_assert_num_queries, size):
    accredit([OfficialFactory() for _ in range(size)], actor=secretariat)
    client.force_login(secretariat)
    _list(client)  # warm the session

    with django_assert_num_queries(10):
        response = _list(client)

    assert response.context["page"].paginator.count == size


def test_certificate_detail_for_another_expert_is_404(client, certificate):
    client.force_login(UserFactory())

    assert client.get(reverse("accreditation:certificate_detail", args=[certificate.pk])).status_code == 404
    assert client.get(reverse("accreditation:certificate_download", args=[certificate.pk])).status_code == 404


def test_certificate_detail_shows_versions_and_actions_to_the_secretariat(client, secretariat, certificate):
    client.force_login(secretariat)

    page = client.get(reverse("accreditation:certificate_detail", args=[certificate.pk])).content.decode()

    assert certificate.get_public_verify_url() in page
    assert reverse("accreditation:certificate_revoke", args=[certificate.pk]) in page
    assert reverse("accreditation:certificate_reissue", args=[certificate.pk]) in page


def test_certificate_download_gives_the_pdf_to_the_expert(client, expert, certificate):
    client.force_login(expert)

    response = client.get(reverse("accreditation:certificate_download", args=[certificate.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{certificate.number}-v1.pdf"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert "no-store" in response["Cache-Control"]


def test_certificate_download_before_the_render_is_404(client, secretariat, certificate):
    Certificate.objects.filter(pk=certificate.pk).update(render_state=RenderState.QUEUED)
    client.force_login(secretariat)

    assert client.get(reverse("accreditation:certificate_download", args=[certificate.pk])).status_code == 404


def test_certificate_revoke_page_records_the_revocation(client, secretariat, certificate):
    client.force_login(secretariat)
    url = reverse("accreditation:certificate_revoke", args=[certificate.pk])

    response = client.post(url, {"reason": "Left the service."})

    assert response.status_code == 302
    certificate.refresh_from_db()
    assert certificate.validity == Validity.REVOKED
    assert certificate.revoked_reason == "Left the service."


def test_certificate_revoke_page_without_reason_shows_the_form_again(client, secretariat, certificate):
    client.force_login(secretariat)

    response = client.post(reverse("accreditation:certificate_revoke", args=[certificate.pk]), {"reason": ""})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_certificate_revoke_twice_shows_the_refusal_next_to_the_form(client, secretariat, certificate):
    services.certificate_reissue(actor=secretariat, certificate=certificate, reason="Typo.")
    client.force_login(secretariat)

    response = client.post(reverse("accreditation:certificate_revoke", args=[certificate.pk]), {"reason": "X"})

    assert response.status_code == 200
    assert "Only a valid certificate can be revoked." in response.content.decode()


def test_certificate_revoke_by_the_expert_is_403(client, expert, certificate):
    client.force_login(expert)

    assert client.get(reverse("accreditation:certificate_revoke", args=[certificate.pk])).status_code == 403


def test_certificate_reissue_page_creates_version_two_in_french(
    client, secretariat, certificate, django_capture_on_commit_callbacks
):
    client.force_login(secretariat)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accreditation:certificate_reissue", args=[certificate.pk]),
            {"reason": "Name corrected.", "language": "fr"},
        )

    new = Certificate.objects.get(number=certificate.number, version=2)
    assert response["Location"] == reverse("accreditation:certificate_detail", args=[new.pk])
    assert new.language == "fr"
    assert new.render_state == RenderState.RENDERED


def test_certificate_retry_from_the_list_queues_and_renders(
    client, secretariat, certificate, django_capture_on_commit_callbacks
):
    Certificate.objects.filter(pk=certificate.pk).update(render_state=RenderState.FAILED, render_error="Boom")
    client.force_login(secretariat)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accreditation:certificate_retry", args=[certificate.pk]), {"back": "list"})

    assert response["Location"] == reverse("accreditation:certificate_list")
    certificate.refresh_from_db()
    assert certificate.render_state == RenderState.RENDERED


def test_certificate_retry_while_rendering_shows_the_refusal(client, secretariat, certificate):
    Certificate.objects.filter(pk=certificate.pk).update(
        render_state=RenderState.RENDERING, render_started_at=timezone.now()
    )
    client.force_login(secretariat)

    response = client.post(reverse("accreditation:certificate_retry", args=[certificate.pk]), follow=True)

    assert "This certificate is being rendered right now." in response.content.decode()


def test_workshop_rerender_redirects_to_the_progress_page(client, secretariat, certificate):
    client.force_login(secretariat)
    workshop = certificate.accreditation.nomination.workshop

    response = client.post(reverse("accreditation:certificate_workshop_rerender", args=[workshop.pk]))

    job = BulkJob.objects.get()
    assert response["Location"] == reverse("accreditation:bulk_job", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert '<progress id="bulk-progress-bar" class="w-100" max="1" value="0">' in page


def test_bulk_job_fragment_stops_polling_when_finished(client, secretariat, certificate):
    job = BulkJob.objects.create(
        kind="certificates.rerender",
        workshop=certificate.accreditation.nomination.workshop,
        total=1,
        done=1,
        finished_at=timezone.now(),
    )
    client.force_login(secretariat)

    response = client.get(reverse("accreditation:bulk_job", args=[job.pk]), HTTP_HX_REQUEST="true")

    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="bulk-progress"')
    assert "hx-trigger" not in fragment
    assert "Finished: every certificate is rendered." in fragment


def test_certificate_pages_have_no_inline_script_or_style(client, secretariat, certificate):
    client.force_login(secretariat)
    for url in (
        reverse("accreditation:certificate_list"),
        reverse("accreditation:certificate_detail", args=[certificate.pk]),
        reverse("accreditation:certificate_revoke", args=[certificate.pk]),
        reverse("accreditation:certificate_reissue", args=[certificate.pk]),
    ):
        page = client.get(url).content.decode()
        assert "<script>" not in page, url
        assert " style=" not in page, url
        assert " onclick=" not in page, url
