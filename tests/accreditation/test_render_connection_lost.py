"""A render whose database connection is cut (the server terminates the
backend mid-render, as a failover or restart does) is recorded as "database
connection lost", queued again, and the sweep brings it to its PDF."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.utils import timezone

from accreditation import certificates, services
from accreditation.enums import RenderState
from accreditation.models import Certificate
from tests.factories import OfficialFactory, accredit

pytestmark = pytest.mark.postgres


def _terminate(pid: int) -> None:
    """Terminate a backend from a connection of its own, as an administrator would."""
    admin = connection.copy()
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        admin.close()


def test_render_losing_its_database_connection_is_recorded_and_swept_to_a_pdf(monkeypatch):
    [certificate] = accredit([OfficialFactory(name_latin="Sato Haruki")])
    Certificate.objects.filter(pk=certificate.pk).update(render_state=RenderState.QUEUED, render_error="")
    real_render = certificates.render_pdf

    def render_then_lose_the_connection(cert):
        pdf = real_render(cert)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            _terminate(cursor.fetchone()[0])
        return pdf

    monkeypatch.setattr(certificates, "render_pdf", render_then_lose_the_connection)
    with pytest.raises(OperationalError):
        services.certificate_render(certificate_id=certificate.pk)
    monkeypatch.setattr(certificates, "render_pdf", real_render)

    connection.close()  # the test's own handle on the killed backend
    certificate.refresh_from_db()
    assert certificate.render_state == RenderState.QUEUED
    assert "database connection lost" in certificate.render_error.lower()

    # Its task retry was lost too (a worker restart): the sweep publishes it again.
    later = timezone.now() + dt.timedelta(seconds=settings.CERTIFICATE_QUEUED_GRACE + 1)
    assert services.certificates_sweep(now=later) == 1
    certificate.refresh_from_db()
    assert certificate.render_state == RenderState.RENDERED
    assert certificate.render_error == ""
    assert certificate.pdf.read(5) == b"%PDF-"
