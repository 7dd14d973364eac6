"""E-mails about nominations, each in its recipient's language."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from candidates.models import FocalPoint

from .enums import WorkshopStatus
from .models import Nomination, Workshop


def _language(user) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", None) or settings.LANGUAGE_CODE


def send_templated(*, template: str, to: str, language: str, context: dict) -> None:
    """Render `<template>_subject.txt` and `<template>.txt` in the language and send."""
    if not to:
        return
    with translation.override(language):
        context = {**context, "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL}
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
        body = render_to_string(f"emails/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


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


def deadline_reminders(now: dt.datetime | None = None) -> int:
    """Remind focal points of deadlines falling in the next seven days (once a day by beat)."""
    now = now or timezone.now()
    sent = 0
    workshops = Workshop.objects.filter(
        status=WorkshopStatus.OPEN, nomination_deadline__gt=now, nomination_deadline__lte=now + dt.timedelta(days=7)
    ).select_related("programme")
    focal_points = list(FocalPoint.objects.filter(active=True).select_related("user__profile", "administration"))
    for workshop in workshops:
        for focal_point in focal_points:
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
