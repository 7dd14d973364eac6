"""E-mails about nominations, each in its recipient's language."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from candidates.models import FocalPoint
from toa_portal.mail import mail_queue

from .enums import WorkshopStatus
from .models import Nomination, Workshop


def _language(user) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", None) or settings.LANGUAGE_CODE


def send_templated(*, template: str, to: str, language: str, context: dict) -> None:
    """Render `<template>_subject.txt` and `<template>.txt` in the language and queue the e-mail."""
    if not to:
        return
    with translation.override(language):
        context = {**context, "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        body = render_to_string(f"emails/{template}.txt", context)
    mail_queue(subject=subject, body=body, to=to)


def nomination_notice(*, event: str, nomination: Nomination) -> None:
    """Tell the administration's focal points and the official what happened."""
    context = {"event": event, "nomination": nomination, "workshop": nomination.workshop}
    focal_points = FocalPoint.objects.filter(
        administration_id=nomination.official.administration_id, active=True
    ).select_related("user__profile")
    for focal_point in focal_points:
        send_templated(
            template="nomination_notice",
            to=focal_point.user.email,
            language=_language(focal_point.user),
            context={**context, "recipient": focal_point.user.get_full_name() or focal_point.user.username},
        )
    if event != "received":
        send_templated(
            template="nomination_notice",
            to=nomination.official.email,
            language=nomination.official.preferred_language,
            context={**context, "recipient": nomination.official.name_latin},
        )


# Reminders go out a week before a nomination deadline and on its last day.
REMINDER_WINDOWS = (dt.timedelta(days=7), dt.timedelta(days=1))


def deadline_reminders(now: dt.datetime | None = None) -> int:
    """Remind the focal points of the host's region of an open workshop's deadline
    when it falls within a reminder window (beat runs this once a day, so each
    focal point is reminded once per window)."""
    now = now or timezone.now()
    windows = Q()
    for ahead in REMINDER_WINDOWS:
        windows |= Q(nomination_deadline__gt=now + ahead - dt.timedelta(days=1), nomination_deadline__lte=now + ahead)
    workshops = Workshop.objects.filter(windows, status=WorkshopStatus.OPEN).select_related("host_administration")
    focal_points = list(FocalPoint.objects.filter(active=True).select_related("user__profile", "administration"))
    sent = 0
    for workshop in workshops:
        for focal_point in focal_points:
            if focal_point.administration.region_id != workshop.host_administration.region_id:
                continue
            send_templated(
                template="deadline_reminder",
                to=focal_point.user.email,
                language=_language(focal_point.user),
                context={
                    "workshop": workshop,
                    "recipient": focal_point.user.get_full_name() or focal_point.user.username,
                },
            )
            sent += 1
    return sent
