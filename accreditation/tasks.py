"""Background work for accreditation: certificate rendering, the sweep that
makes sure every certificate gets its PDF, expiry and reminders.

Tasks take ids only and call a service; the services make a second delivery
of the same task harmless.
"""

from celery import shared_task
from django.conf import settings

from toa_portal.tasks import MAIL_RETRY

from . import services


@shared_task(
    name="accreditation.render_certificate",
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    soft_time_limit=settings.CERTIFICATE_RENDER_SOFT_TIME_LIMIT,
    time_limit=settings.CERTIFICATE_RENDER_TIME_LIMIT,
    autoretry_for=services.TRANSIENT_RENDER_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=6,
)
def render_certificate(certificate_id: int) -> str | None:
    return services.certificate_render(certificate_id=certificate_id)


@shared_task(
    name="accreditation.sweep_certificates", acks_late=True, ignore_result=True, soft_time_limit=50, time_limit=55
)
def sweep_certificates() -> int:
    return services.certificates_sweep()


@shared_task(
    name="accreditation.expire_certificates", acks_late=True, ignore_result=True, soft_time_limit=600, time_limit=660
)
def expire_certificates() -> dict[str, int]:
    return {
        "expired": services.certificates_expire(),
        "reminded": services.certificate_expiry_reminders(),
    }


@shared_task(
    name="accreditation.send_expiry_reminder",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
    **MAIL_RETRY,
)
def send_expiry_reminder(certificate_id: int) -> bool:
    return services.certificate_expiry_reminder_send(certificate_id=certificate_id)


@shared_task(
    name="accreditation.send_certificate_mail",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=60,
    time_limit=90,
    **MAIL_RETRY,
)
def send_certificate_mail(certificate_id: int, template: str) -> None:
    from .certificates import certificate_mail
    from .models import Certificate

    certificate = (
        Certificate.objects.select_related("accreditation__official", "accreditation__programme")
        .filter(pk=certificate_id)
        .first()
    )
    if certificate is not None:
        certificate_mail(template=template, certificate=certificate)


@shared_task(
    name="accreditation.lift_ended_suspensions", acks_late=True, ignore_result=True, soft_time_limit=300, time_limit=330
)
def lift_ended_suspensions() -> int:
    from .suspension import suspensions_lift_ended

    return suspensions_lift_ended()


@shared_task(
    name="accreditation.send_correction_notice", acks_late=True, ignore_result=True, soft_time_limit=30, time_limit=60
)
def send_correction_notice(decision_id: int) -> None:
    """Tell the expert and their administration's focal points that a decision was corrected."""
    from .services import correction_notice

    correction_notice(decision_id=decision_id)
