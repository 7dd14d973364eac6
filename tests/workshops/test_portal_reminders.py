"""The nomination deadline reminder runs from Celery beat."""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from tests.factories import AdministrationFactory, focal_point_user, make_workshop
from toa_portal.celery import app
from workshops.tasks import send_deadline_reminders

pytestmark = pytest.mark.django_db


def test_beat_schedules_the_deadline_reminder_task():
    entry = settings.CELERY_BEAT_SCHEDULE["nomination-deadline-reminders"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["task"] == send_deadline_reminders.name


def test_deadline_reminder_reaches_focal_points_of_open_workshops():
    focal = focal_point_user(AdministrationFactory())
    make_workshop(title="Closing soon", nomination_deadline=timezone.now() + dt.timedelta(days=3))
    make_workshop(title="Far away", nomination_deadline=timezone.now() + dt.timedelta(days=30))
    mail.outbox.clear()
    assert send_deadline_reminders.delay().get() == 1
    [message] = mail.outbox
    assert message.to == [focal.email]
    assert "Closing soon" in message.subject
