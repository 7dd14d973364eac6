"""E-mail never holds a page and is never marked sent before it was: a mail
server that accepts the connection and then says nothing (a local stub) does
not delay the invitation page, the worker's send times out after
EMAIL_TIMEOUT and is retried; an expiry reminder refused by the mail server
stays due and goes out on the next run."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time

import pytest
from celery._state import get_current_task
from celery.signals import task_retry
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends import locmem
from django.urls import reverse

from accreditation import services
from accreditation.models import Certificate
from tests.factories import OfficialFactory, accredit, secretariat_user
from tests.permissions.scenario import build_scenario
from tests.workshops.test_views_nominations import nomination_data


class StallingSMTP:
    """Accepts connections and never answers until released (a mail server
    hanging on a full queue or a broken filter)."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.released = threading.Event()
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        self.listener.settimeout(0.2)
        held = []
        while not self.released.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            held.append(conn)
        for conn in held:
            conn.close()

    def close(self):
        self.released.set()
        self.thread.join(timeout=5)
        self.listener.close()


def wait_for(condition, *, timeout=30.0, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"Timed out waiting for {what}.")


@pytest.mark.redis
@pytest.mark.postgres
def test_invitation_page_answers_while_the_mail_server_stalls_and_the_send_retries(settings, celery_worker):
    from django.test import Client

    smtp = StallingSMTP()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp.port, 1
    retries = []

    def on_retry(sender=None, reason=None, **kwargs):
        retries.append((sender.name, reason))

    task_retry.connect(on_retry, weak=False)
    try:
        s = build_scenario()
        client = Client()
        client.force_login(s.user("secretariat"))
        answer = {}

        def invite():
            answer["response"] = client.post(
                reverse("candidates:account_invite"),
                {
                    "email": "kim.lee@customs.example",
                    "first_name": "Kim",
                    "last_name": "Lee",
                    "role": "focal_point",
                    "administration": s.other_administration.pk,
                    "language": "en",
                },
            )

        request = threading.Thread(target=invite, daemon=True)
        request.start()
        # A guard against a hang, not a timing: the stub never answers, so a
        # page that talks to it itself would wait here until it is released.
        request.join(timeout=20)
        assert not request.is_alive(), "the invitation page waited for the mail server"
        assert answer["response"].status_code == 302
        assert get_user_model().objects.filter(email="kim.lee@customs.example").exists()

        wait_for(lambda: retries, what="the mail task to retry")
        name, reason = retries[0]
        assert name == "toa_portal.send_email"
        # smtplib reports the socket timeout as a lost connection that "timed out".
        assert "timed out" in str(getattr(reason, "exc", reason)), repr(reason)
        assert smtp.connections >= 1
    finally:
        task_retry.disconnect(on_retry)
        smtp.close()
        request.join(timeout=30)


@pytest.mark.django_db
def test_expiry_reminder_refused_by_the_mail_server_stays_due_until_it_is_sent(settings):
    [certificate] = accredit([OfficialFactory(email="expert@customs.example")], actor=secretariat_user())
    due = certificate.valid_until - dt.timedelta(days=30)
    closed = socket.create_server(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: the connection is refused
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 1

    services.certificate_expiry_reminders(today=due)

    assert not Certificate.objects.get(pk=certificate.pk).expiry_reminder_sent

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    assert services.certificate_expiry_reminders(today=due) == 1
    [message] = mail.outbox
    assert message.to == ["expert@customs.example"] and certificate.number in message.subject
    assert Certificate.objects.get(pk=certificate.pk).expiry_reminder_sent
    assert services.certificate_expiry_reminders(today=due + dt.timedelta(days=1)) == 0
    assert len(mail.outbox) == 1


class SentFromTasks(locmem.EmailBackend):
    """The test outbox, noting the task each message was sent from (None:
    sent by the request itself, which a slow mail server would hold)."""

    senders: list = []

    def send_messages(self, messages):
        task = get_current_task()
        SentFromTasks.senders.extend(task.name if task else None for _ in messages)
        return super().send_messages(messages)


@pytest.mark.django_db
def test_every_e_mail_of_the_pages_is_sent_by_a_task_not_by_the_request(
    client, settings, django_capture_on_commit_callbacks
):
    """Invitation, nomination notices, password reset: each message leaves
    from a background task (eager here), none from the request itself."""
    settings.EMAIL_BACKEND = "tests.test_mail_delivery.SentFromTasks"
    SentFromTasks.senders = []
    mail.outbox = []
    s = build_scenario()
    focal_point = s.user("focal_point")
    client.force_login(s.user("secretariat"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("candidates:account_invite"),
            {
                "email": "kim.lee@customs.example",
                "first_name": "Kim",
                "last_name": "Lee",
                "role": "focal_point",
                "administration": s.other_administration.pk,
                "language": "en",
            },
        )
        client.force_login(focal_point)
        client.post(reverse("workshops:nomination_create", args=[s.workshop.pk]), nomination_data(s))
        client.logout()
        client.post(reverse("password_reset"), {"email": focal_point.email})

    # The invitation, the focal point's notice of the nomination, the reset link.
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        ["kim.lee@customs.example", focal_point.email, focal_point.email]
    )
    assert SentFromTasks.senders == ["toa_portal.send_email"] * 3


@pytest.mark.django_db
def test_without_a_worker_a_silent_mail_server_is_tried_once_not_once_per_retry(
    client, settings, django_capture_on_commit_callbacks
):
    """No broker (tasks run eagerly, inside the request): Celery would run each
    retry at once, holding the page for EMAIL_TIMEOUT eleven times over. The
    send is tried once; the page answers and the account exists."""
    smtp = StallingSMTP()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", smtp.port, 1
    try:
        s = build_scenario()
        client.force_login(s.user("secretariat"))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("candidates:account_invite"),
                {
                    "email": "kim.lee@customs.example",
                    "first_name": "Kim",
                    "last_name": "Lee",
                    "role": "focal_point",
                    "administration": s.other_administration.pk,
                    "language": "en",
                },
            )
        assert response.status_code == 302
        assert get_user_model().objects.filter(email="kim.lee@customs.example").exists()
        wait_for(lambda: smtp.connections >= 1, what="the mail server to be reached")
        assert smtp.connections == 1
    finally:
        smtp.close()
