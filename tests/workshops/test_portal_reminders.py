"""The nomination deadline reminder runs from Celery beat."""

import datetime as dt

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from tests.factories import AdministrationFactory, RegionFactory, focal_point_user, make_workshop
from toa_portal.celery import app
from workshops.tasks import send_deadline_reminders

pytestmark = pytest.mark.django_db


def test_beat_schedules_the_deadline_reminder_task():
    entry = settings.CELERY_BEAT_SCHEDULE["nomination-deadline-reminders"]
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
    assert entry["task"] == send_deadline_reminders.name


def test_deadline_reminder_reaches_focal_points_of_the_region_a_week_before_and_on_the_last_day():
    focal = focal_point_user(AdministrationFactory())
    elsewhere = focal_point_user(AdministrationFactory(region=RegionFactory(code="europe", name="Europe")))
    make_workshop(title="Last day", nomination_deadline=timezone.now() + dt.timedelta(hours=12))
    make_workshop(title="In a week", nomination_deadline=timezone.now() + dt.timedelta(days=6, hours=12))
    make_workshop(title="In three days", nomination_deadline=timezone.now() + dt.timedelta(days=3))
    make_workshop(title="Far away", nomination_deadline=timezone.now() + dt.timedelta(days=30))
    mail.outbox.clear()
    assert send_deadline_reminders.delay().get() == 2
    assert {m.to[0] for m in mail.outbox} == {focal.email}
    assert sorted(m.subject.split(": ", 1)[1] for m in mail.outbox) == ["In a week", "Last day"]
    assert elsewhere.email not in {m.to[0] for m in mail.outbox}
