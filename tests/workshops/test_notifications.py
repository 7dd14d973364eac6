"""Nomination e-mails are plain text in the recipient's language."""

import pytest
from django.core import mail

from candidates.models import UserProfile
from tests.factories import OfficialFactory, focal_point_user, make_workshop, nominate, secretariat_user
from workshops import services

pytestmark = pytest.mark.django_db


def test_decline_notice_is_plain_text_with_the_reason_as_typed(django_capture_on_commit_callbacks):
    official = OfficialFactory(preferred_language="fr")
    focal = focal_point_user(official.administration)
    nomination = nominate(make_workshop(title="Atelier <IPR> & co"), official)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.nomination_decline(actor=secretariat_user(), nomination=nomination, reason="<b>Late</b> & incomplete")
    to_focal = next(m for m in mail.outbox if m.to == [focal.email])
    assert "<b>Late</b> & incomplete" in to_focal.body
    assert "&lt;" not in to_focal.body and "&amp;" not in to_focal.body
    assert "Atelier <IPR> & co" in to_focal.subject


def test_notice_follows_each_recipients_language(django_capture_on_commit_callbacks):
    official = OfficialFactory(preferred_language="fr")
    focal = focal_point_user(official.administration)
    UserProfile.objects.filter(user=focal).update(language="en")
    nomination = nominate(make_workshop(), official)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.nomination_waitlist(actor=secretariat_user(), nomination=nomination)
    to_focal = next(m for m in mail.outbox if m.to == [focal.email])
    to_official = next(m for m in mail.outbox if m.to == [official.email])
    assert to_focal.body.startswith("Dear ")
    assert not to_official.body.startswith("Dear ")
