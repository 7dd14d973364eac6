"""Faults the certificate render must survive, with real Celery workers on
real Redis and PostgreSQL.

Worker processes are started as subprocesses (prefork pool) on the test
database, so they can be killed. To kill one in the middle of a render, the
renders of that worker are made slow with CERTIFICATE_RENDER_TEST_DELAY, a
setting only these tests set. The broker outage uses a private redis-server
on a port of its own, stopped and started by the test (never the shared one).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accreditation import services
from accreditation.enums import RenderState
from accreditation.models import Certificate, CertificateCounter, Decision
from accreditation.tasks import render_certificate
from tests.factories import OfficialFactory, accredit, field_evaluations_submitted, secretariat_user
from toa_portal.celery import app as celery_app

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

PRIVATE_REDIS_PORTS = range(16400, 16500)


def wait_for(condition, *, timeout=60.0, interval=0.2, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.")


def render_state(certificate) -> str:
    return Certificate.objects.values_list("render_state", flat=True).get(pk=certificate.pk)


def pdf_files() -> list[str]:
    folder = Path(settings.MEDIA_ROOT) / "certificates"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def worker_database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return f"postgres://{quote(db['USER'])}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """A `celery worker` subprocess (prefork, one child) on the test database."""

    def __init__(self, name: str, log: Path, *, broker_url: str, delay: float = 0.0):
        env = {
            **os.environ,
            "DATABASE_URL": worker_database_url(),
            "CELERY_BROKER_URL": broker_url,
            "CELERY_RESULT_BACKEND": broker_url,
            "PRIVATE_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "CERTIFICATE_RENDER_TEST_DELAY": str(delay),
            "STATIC_MANIFEST": "0",
            "DEBUG": "0",
        }
        env.pop("FILE_STORAGE_BACKEND", None)
        self.log = log
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "toa_portal",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                f"--hostname={name}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "--loglevel=INFO",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(lambda: " ready." in self.output() or self.process.poll() is not None, what=f"worker {name}")
        assert self.process.poll() is None, self.output()

    def output(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL to the worker and its pool child at once."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def workers(transactional_db, tmp_path):
    """Start workers with workers.start(...); all are stopped after the test."""
    started: list[Worker] = []

    class Starter:
        def start(self, name="w1", *, broker_url=None, delay=0.0) -> Worker:
            worker = Worker(
                name,
                tmp_path / f"{name}-{len(started)}.log",
                broker_url=broker_url or os.environ["CELERY_BROKER_URL"],
                delay=delay,
            )
            started.append(worker)
            return worker

    yield Starter()
    for worker in started:
        worker.stop()


@pytest.fixture
def test_broker():
    """The test broker, emptied before and after (queues and unacknowledged messages)."""
    url = os.environ["CELERY_BROKER_URL"]
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield url
    client.flushdb()


class PrivateRedis:
    """A redis-server of the test's own, on a free port in 16400-16499."""

    def __init__(self, tmp_path: Path):
        self.port = next(p for p in PRIVATE_REDIS_PORTS if self._free(p))
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp_path
        self.process = None

    @staticmethod
    def _free(port) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) != 0

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: redis.Redis.from_url(self.url).ping() if not self._free(self.port) else False, timeout=10)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        wait_for(lambda: self._free(self.port), timeout=10, what="the private Redis to stop")


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    if server.process.poll() is None:
        server.stop()


@pytest.fixture
def publish_to(monkeypatch):
    """Point this process's Celery app at another broker for the test (Celery
    reads CELERY_BROKER_URL from the environment before its configuration)."""

    def switch(url):
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    yield switch
    monkeypatch.undo()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_worker_killed_mid_render_renders_once_after_restart(workers, test_broker):
    slow = workers.start("slow", delay=30)
    [certificate] = accredit([OfficialFactory()])
    wait_for(lambda: render_state(certificate) == RenderState.RENDERING, what="the render to start")

    slow.kill()

    assert render_state(certificate) == RenderState.RENDERING
    assert pdf_files() == []
    workers.start("restarted")
    # The beat sweep after the time limit: the render's worker is gone.
    later = timezone.now() + dt.timedelta(seconds=settings.CERTIFICATE_RENDER_TIME_LIMIT + 31)
    assert services.certificates_sweep(now=later) == 1
    wait_for(lambda: render_state(certificate) == RenderState.RENDERED, what="the render after the restart")
    certificate.refresh_from_db()
    assert certificate.render_count == 1
    assert pdf_files() == [f"{certificate.number}-v1.pdf"]


def test_same_render_delivered_twice_to_two_workers_renders_once(workers, test_broker):
    first = workers.start("first", delay=2)
    second = workers.start("second", delay=2)
    official = OfficialFactory()
    [certificate] = accredit([official])
    # The decision's own render message plus a duplicate of it (same task id).
    task_id = "duplicate-render-of-one-certificate"
    render_certificate.apply_async(args=[certificate.pk], task_id=task_id)
    render_certificate.apply_async(args=[certificate.pk], task_id=task_id)

    wait_for(
        lambda: (first.output() + second.output()).count("render_certificate[") >= 6,
        what="the three deliveries to be received and finished",
    )
    assert "render_certificate[" in first.output()
    assert "render_certificate[" in second.output()
    certificate.refresh_from_db()
    assert certificate.render_state == RenderState.RENDERED
    assert certificate.render_count == 1
    assert pdf_files() == [f"{certificate.number}-v1.pdf"]
    assert Certificate.objects.filter(accreditation__official=official).count() == 1
    assert CertificateCounter.objects.get().last == 1


def test_broker_down_at_decision_then_sweep_renders_after_it_returns(
    client, workers, private_redis, publish_to, settings
):
    publish_to(private_redis.url)
    assert celery_app.connection_for_write().as_uri().endswith(f":{private_redis.port}/0")
    secretariat = secretariat_user()
    [evaluation] = field_evaluations_submitted([OfficialFactory(name_latin="Kim Min-jun")], actor=secretariat)
    client.force_login(secretariat)
    private_redis.stop()

    started = time.monotonic()
    response = client.post(
        reverse("accreditation:phase_two_decide", args=[evaluation.pk]), {"feedback": "", "note": ""}, follow=True
    )
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert "Kim Min-jun is accredited" in response.content.decode()
    assert elapsed < 5, f"the decision took {elapsed:.1f} s with the broker down"
    assert Decision.objects.filter(nomination=evaluation.nomination, phase="two").exists()
    certificate = Certificate.objects.get(accreditation__nomination=evaluation.nomination)
    assert certificate.render_state == RenderState.QUEUED

    # The Secretariat's retry is a web request too: it must not hang either.
    started = time.monotonic()
    response = client.post(reverse("accreditation:certificate_retry", args=[certificate.pk]), follow=True)
    assert time.monotonic() - started < 5
    assert "is queued for rendering" in response.content.decode()

    private_redis.start()
    publish_to(private_redis.url)  # a fresh connection pool: the old one saw the outage
    workers.start("after-outage", broker_url=private_redis.url)
    later = timezone.now() + dt.timedelta(seconds=settings.CERTIFICATE_QUEUED_GRACE + 1)
    assert services.certificates_sweep(now=later) == 1
    wait_for(lambda: render_state(certificate) == RenderState.RENDERED, what="the render after the outage")
    certificate.refresh_from_db()
    assert certificate.render_count == 1


def test_broken_template_fails_with_reason_and_retry_after_fix_succeeds(
    client, celery_worker, test_broker, settings, tmp_path
):
    override = tmp_path / "templates" / "certificates"
    override.mkdir(parents=True)
    broken = override / "certificate.html"
    broken.write_text("{% load i18n %}{% translate %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}]
    secretariat = secretariat_user()

    [certificate] = accredit([OfficialFactory()], actor=secretariat)
    wait_for(lambda: render_state(certificate) == RenderState.FAILED, what="the render to fail")

    client.force_login(secretariat)
    page = client.get(reverse("accreditation:certificate_list")).content.decode()
    assert "TemplateSyntaxError" in page
    assert "translate" in page

    broken.unlink()
    client.post(reverse("accreditation:certificate_retry", args=[certificate.pk]))
    wait_for(lambda: render_state(certificate) == RenderState.RENDERED, what="the render after the fix")
    certificate.refresh_from_db()
    assert certificate.render_error == ""
    assert certificate.render_count == 1
    assert pdf_files() == [f"{certificate.number}-v1.pdf"]
