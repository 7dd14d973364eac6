"""Background work for workshops: nomination e-mails and deadline reminders."""

from celery import shared_task

from . import notifications


@shared_task(name="workshops.send_nomination_notice", acks_late=True, soft_time_limit=30, time_limit=60)
def send_nomination_notice(event: str, nomination_id: int) -> None:
    from .models import Nomination

    nomination = Nomination.objects.filter(pk=nomination_id).select_related("official", "workshop").first()
    if nomination is None:
        return
    notifications.nomination_notice(event=event, nomination=nomination)


@shared_task(name="workshops.send_deadline_reminders", acks_late=True, soft_time_limit=120, time_limit=180)
def send_deadline_reminders() -> int:
    return notifications.deadline_reminders()
