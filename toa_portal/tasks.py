"""Background work shared by every app: sending one e-mail, sweeping
abandoned uploads.

Every e-mail of the portal is rendered first (in its recipient's language)
and handed to this task, one recipient per task, so a slow or unreachable
mail server never holds a web request, and a retry never sends twice to
those already served. EMAIL_TIMEOUT bounds each attempt.
"""

import smtplib

from celery import Task, shared_task
from django.conf import settings
from django.core.mail import send_mail

from . import pending_uploads


class MailTask(Task):
    """A task that sends e-mail. Without a broker, tasks run eagerly inside the
    request that queued them, and Celery runs an eager retry at once, with no
    back-off: a silent mail server would hold the page for every retry's
    EMAIL_TIMEOUT. There, the first failure ends the task (Celery logs it)."""

    def retry(self, *args, exc=None, **kwargs):
        if self.request.is_eager and exc is not None:
            raise exc
        return super().retry(*args, exc=exc, **kwargs)


# A mail server that is down, refuses for a while or does not answer in time
# (OSError covers the socket timeout): retried with back-off, for up to about
# half an hour, by a worker (see MailTask for tasks run without one).
MAIL_RETRY = {
    "base": MailTask,
    "autoretry_for": (smtplib.SMTPException, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 10,
}


@shared_task(
    name="toa_portal.send_email",
    acks_late=True,
    ignore_result=True,
    soft_time_limit=120,
    time_limit=150,
    **MAIL_RETRY,
)
def send_email(subject: str, body: str, to: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


@shared_task(name="toa_portal.sweep_pending_uploads", acks_late=True, soft_time_limit=120, time_limit=150)
def sweep_pending_uploads() -> int:
    """Delete the files kept for forms that were never sent back."""
    return pending_uploads.sweep()
