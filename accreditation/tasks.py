"""Background work for accreditation: certificate rendering."""

from celery import shared_task

from . import certificates


@shared_task(
    name="accreditation.render_certificate",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def render_certificate(certificate_id: int) -> str | None:
    return certificates.certificate_render(certificate_id=certificate_id)
