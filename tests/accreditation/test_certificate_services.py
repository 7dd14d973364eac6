"""Certificate services: issue once, revoke, re-issue, retry, bulk re-render,
the sweep, expiry and reminders."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import formats, timezone, translation

from accreditation import services
from accreditation.enums import AccreditationStatus, RenderState, Validity
from accreditation.models import BulkJob, Certificate
from tests.factories import OfficialFactory, accredit, secretariat_user
from toa_portal.errors import DomainError
from toa_portal.models import AuditEntry


@pytest.fixture
def actor(db):
    return secretariat_user()


@pytest.fixture
def certificate(actor):
    [certificate] = accredit([OfficialFactory(email="expert@customs.example")], actor=actor)
    return certificate


def _in_french(date):
    with translation.override("fr"):
        return formats.date_format(date, "j F Y")


def _audit(action):
    return AuditEntry.objects.filter(action=action)


def test_certificate_issue_second_call_returns_the_same_record(certificate, actor):
    again = services.certificate_issue(actor=actor, accreditation=certificate.accreditation)

    assert again.pk == certificate.pk
    assert Certificate.objects.count() == 1
    assert _audit("certificate.issue").count() == 1


def test_certificate_issue_numbers_follow_the_counter(actor):
    first, second = accredit([OfficialFactory(), OfficialFactory()], actor=actor)

    year = timezone.localdate().year
    assert first.number == f"IPR-TOA-{year}-0001"
    assert second.number == f"IPR-TOA-{year}-0002"
    assert first.verification_code != second.verification_code
    assert first.render_state == RenderState.QUEUED
    assert first.render_queued_at is not None


def test_certificate_issue_queues_the_render_after_commit(actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [certificate] = accredit([OfficialFactory()], actor=actor)

    certificate.refresh_from_db()
    assert certificate.render_state == RenderState.RENDERED
    assert certificate.render_count == 1


def test_certificate_revoke_records_reason_privately_and_ends_accreditation(certificate, actor):
    services.certificate_revoke(actor=actor, certificate=certificate, reason="Left the customs service.")

    certificate.refresh_from_db()
    assert certificate.validity == Validity.REVOKED
    assert certificate.revoked_on == timezone.localdate()
    assert certificate.accreditation.status == AccreditationStatus.REVOKED
    entry = _audit("certificate.revoke").get()
    assert entry.reason == "Left the customs service."
    assert entry.actor == actor


def test_certificate_revoke_without_reason_is_refused(certificate, actor):
    with pytest.raises(DomainError, match="reason"):
        services.certificate_revoke(actor=actor, certificate=certificate, reason="  ")


def test_certificate_revoke_by_an_expert_is_refused(certificate):
    from tests.factories import UserFactory

    with pytest.raises(DomainError, match="Only the Secretariat"):
        services.certificate_revoke(actor=UserFactory(), certificate=certificate, reason="No.")


def test_certificate_reissue_keeps_number_raises_version_and_supersedes(
    certificate, actor, django_capture_on_commit_callbacks
):
    certificate.accreditation.official.preferred_language = "fr"
    certificate.accreditation.official.save()

    with django_capture_on_commit_callbacks(execute=True):
        new = services.certificate_reissue(
            actor=actor, certificate=certificate, reason="Name spelling corrected.", language="fr"
        )

    certificate.refresh_from_db()
    new.refresh_from_db()
    assert certificate.validity == Validity.SUPERSEDED
    assert (new.number, new.version, new.language) == (certificate.number, 2, "fr")
    assert new.verification_code != certificate.verification_code
    assert new.validity == Validity.VALID
    assert new.render_state == RenderState.RENDERED
    assert new.pdf.name == f"certificates/{new.number}-v2.pdf"
    [message] = mail.outbox
    assert message.to == ["expert@customs.example"]
    assert _in_french(new.issued_on) in message.body
    assert new.get_public_verify_url() in message.body
    assert _audit("certificate.reissue").get().reason == "Name spelling corrected."


def test_certificate_reissue_of_a_superseded_version_is_refused(certificate, actor):
    services.certificate_reissue(actor=actor, certificate=certificate, reason="Fix.")

    with pytest.raises(DomainError, match="current, valid version"):
        services.certificate_reissue(actor=actor, certificate=certificate, reason="Again.")


def test_certificate_reissue_in_another_language_is_refused(certificate, actor):
    with pytest.raises(DomainError, match="English or French"):
        services.certificate_reissue(actor=actor, certificate=certificate, reason="Fix.", language="es")


def test_certificate_render_retry_while_rendering_is_refused(certificate, actor):
    Certificate.objects.filter(pk=certificate.pk).update(
        render_state=RenderState.RENDERING, render_started_at=timezone.now()
    )

    with pytest.raises(DomainError, match="being rendered"):
        services.certificate_render_retry(actor=actor, certificate=certificate)


def test_certificate_render_retry_queues_and_audits(certificate, actor):
    Certificate.objects.filter(pk=certificate.pk).update(render_state=RenderState.FAILED, render_error="Boom")

    services.certificate_render_retry(actor=actor, certificate=certificate)

    certificate.refresh_from_db()
    assert certificate.render_state == RenderState.QUEUED
    assert certificate.render_error == ""
    assert _audit("certificate.render_retry").get().before["render_error"] == "Boom"


def test_certificates_rerender_workshop_progress_reaches_the_total(actor, django_capture_on_commit_callbacks):
    first, second = accredit([OfficialFactory(), OfficialFactory()], actor=actor)
    workshop = first.accreditation.nomination.workshop

    with django_capture_on_commit_callbacks(execute=True):
        job = services.certificates_rerender_workshop(actor=actor, workshop=workshop)

    job.refresh_from_db()
    assert (job.total, job.done, job.failed, job.percent) == (2, 2, 0, 100)
    assert job.finished_at is not None
    assert set(Certificate.objects.values_list("render_count", flat=True)) == {1}


def test_certificates_rerender_workshop_twice_while_running_returns_the_same_job(actor):
    [certificate] = accredit([OfficialFactory()], actor=actor)
    workshop = certificate.accreditation.nomination.workshop

    job = services.certificates_rerender_workshop(actor=actor, workshop=workshop)
    again = services.certificates_rerender_workshop(actor=actor, workshop=workshop)

    assert again.pk == job.pk
    assert BulkJob.objects.count() == 1


def test_certificates_rerender_workshop_without_certificates_is_refused(actor):
    from tests.factories import make_workshop

    with pytest.raises(DomainError, match="no certificates"):
        services.certificates_rerender_workshop(actor=actor, workshop=make_workshop(actor=actor))


def test_certificates_rerender_workshop_counts_failures(actor, settings, tmp_path, django_capture_on_commit_callbacks):
    [certificate] = accredit([OfficialFactory()], actor=actor)
    override = tmp_path / "templates" / "certificates"
    override.mkdir(parents=True)
    override.joinpath("certificate.html").write_text("{% if %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}]

    with django_capture_on_commit_callbacks(execute=True):
        job = services.certificates_rerender_workshop(
            actor=actor, workshop=certificate.accreditation.nomination.workshop
        )

    job.refresh_from_db()
    assert (job.done, job.failed) == (0, 1)
    assert job.finished_at is not None


def test_certificates_sweep_republishes_a_render_left_queued(certificate, settings, django_capture_on_commit_callbacks):
    later = timezone.now() + dt.timedelta(seconds=settings.CERTIFICATE_QUEUED_GRACE + 1)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert services.certificates_sweep(now=later) == 1

    assert len(callbacks) == 1
    certificate.refresh_from_db()
    assert certificate.render_state == RenderState.RENDERED


def test_certificates_sweep_leaves_a_fresh_request_alone(certificate):
    assert services.certificates_sweep() == 0


def test_certificates_sweep_requeues_a_render_whose_worker_died(certificate, settings):
    started = timezone.now()
    Certificate.objects.filter(pk=certificate.pk).update(render_state=RenderState.RENDERING, render_started_at=started)
    later = started + dt.timedelta(seconds=settings.CERTIFICATE_RENDER_TIME_LIMIT + 31)

    assert services.certificates_sweep(now=started + dt.timedelta(seconds=10)) == 0
    assert services.certificates_sweep(now=later) == 1

    certificate.refresh_from_db()
    assert certificate.render_state == RenderState.QUEUED
    assert certificate.render_error == services.RENDER_INTERRUPTED


def test_certificates_sweep_fails_a_render_interrupted_twice(certificate, settings):
    started = timezone.now()
    Certificate.objects.filter(pk=certificate.pk).update(
        render_state=RenderState.RENDERING, render_started_at=started, render_error=services.RENDER_INTERRUPTED
    )

    services.certificates_sweep(now=started + dt.timedelta(seconds=settings.CERTIFICATE_RENDER_TIME_LIMIT + 31))

    certificate.refresh_from_db()
    assert certificate.render_state == RenderState.FAILED
    assert certificate.render_error == services.RENDER_INTERRUPTED_TWICE


def test_certificates_expire_marks_certificate_and_accreditation(certificate):
    services.certificates_expire(today=certificate.valid_until)
    certificate.refresh_from_db()
    assert certificate.validity == Validity.VALID

    assert services.certificates_expire(today=certificate.valid_until + dt.timedelta(days=1)) == 1

    certificate.refresh_from_db()
    assert certificate.validity == Validity.EXPIRED
    assert certificate.accreditation.status == AccreditationStatus.EXPIRED
    assert certificate.accreditation.ended_on == certificate.valid_until
    assert _audit("certificate.expire").count() == 1


def test_certificate_expiry_reminders_sent_once_90_days_before_in_the_experts_language(certificate):
    official = certificate.accreditation.official
    official.preferred_language = "fr"
    official.save()
    too_early = certificate.valid_until - dt.timedelta(days=91)
    due = certificate.valid_until - dt.timedelta(days=90)

    assert services.certificate_expiry_reminders(today=too_early) == 0
    assert services.certificate_expiry_reminders(today=due) == 1
    assert services.certificate_expiry_reminders(today=due + dt.timedelta(days=1)) == 0

    [message] = mail.outbox
    assert message.to == ["expert@customs.example"]
    assert certificate.number in message.subject
    assert _in_french(certificate.valid_until) in message.body
    assert certificate.get_public_verify_url() in message.body
    certificate.refresh_from_db()
    assert certificate.expiry_reminder_sent


def test_certificate_expiry_reminders_skip_revoked_certificates(certificate, actor):
    services.certificate_revoke(actor=actor, certificate=certificate, reason="Revoked.")

    assert services.certificate_expiry_reminders(today=certificate.valid_until - dt.timedelta(days=30)) == 0
    assert mail.outbox == []


def test_certificate_mails_are_plain_text_without_html_escaping(actor):
    [certificate] = accredit([OfficialFactory(name_latin="Seán O'Brien", email="sean@customs.example")], actor=actor)

    services.certificate_expiry_reminders(today=certificate.valid_until - dt.timedelta(days=10))

    [message] = mail.outbox
    assert "Dear Seán O'Brien," in message.body
    assert "&#x27;" not in message.body
