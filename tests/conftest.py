"""Fixtures shared by the whole suite.

Services a test needs are real: tests marked `postgres` or `redis` fail loudly
(never skip) when DATABASE_URL / CELERY_BROKER_URL do not point at a reachable
server; deselect them explicitly with -m "not postgres" if that is what you mean.
"""

import datetime as dt
import os

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from toa_portal.celery import app as celery_app

# Property tests: the "ci" profile (the default) is derandomised and bounded so
# the suite stays reproducible and quick; HYPOTHESIS_PROFILE=thorough searches
# much further on a developer's machine.
hypothesis_settings.register_profile("ci", derandomize=True, max_examples=300, deadline=None, print_blob=True)
hypothesis_settings.register_profile("thorough", max_examples=5000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("postgres") or item.get_closest_marker("redis"):
            item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.fixture(autouse=True)
def _services_present(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.fail("This test needs PostgreSQL: set DATABASE_URL=postgres://… (or deselect with -m 'not postgres').")
    if request.node.get_closest_marker("redis") and not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        pytest.fail("This test needs Redis: set CELERY_BROKER_URL=redis://… (or deselect with -m 'not redis').")


@pytest.fixture(autouse=True)
def _language_of_each_test_is_its_own():
    """A page requested in French leaves French active in the thread (the locale
    middleware never switches back): each test starts and ends in the default language."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _eager_tasks(request):
    """Tasks run in-process unless the test starts a real worker."""
    eager = not request.node.get_closest_marker("redis")
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Every test writes its files to its own private folder."""
    settings.MEDIA_ROOT = str(tmp_path / "private")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }


@pytest.fixture(scope="session", autouse=True)
def credential_key_file(tmp_path_factory):
    """One Ed25519 signing key for the whole run, outside the repository
    (session-wide, so that module-scoped fixtures sign with it too, and in the
    environment, so that the worker processes some tests start use it as well)."""
    from django.conf import settings

    from accreditation.credentials.keys import signing_key_write

    path = tmp_path_factory.mktemp("credential-key") / "signing-key.pem"
    signing_key_write(path)
    previous = settings.CREDENTIAL_SIGNING_KEY_FILE
    previous_env = os.environ.get("CREDENTIAL_SIGNING_KEY_FILE")
    settings.CREDENTIAL_SIGNING_KEY_FILE = path
    os.environ["CREDENTIAL_SIGNING_KEY_FILE"] = str(path)
    yield path
    settings.CREDENTIAL_SIGNING_KEY_FILE = previous
    if previous_env is None:
        os.environ.pop("CREDENTIAL_SIGNING_KEY_FILE", None)
    else:
        os.environ["CREDENTIAL_SIGNING_KEY_FILE"] = previous_env


@pytest.fixture(autouse=True)
def _locmem_email(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


# A deliberately slow hasher costs a quarter of a second per account; tests need none of it.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (solo pool, in a thread) on the test broker."""
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.task_always_eager = False
    celery_app.control.purge()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


@pytest.fixture
def demo(db, settings):
    """The full demo data, built through the services."""
    from accreditation.demo import load_demo

    load_demo(password=settings.DEMO_PASSWORD)


# The moment the shared demo is built: tests compare against it, never against the calendar.
DEMO_NOW = dt.datetime(2025, 3, 12, 9, 30, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def demo_module(django_db_setup, django_db_blocker):
    """The demo data built once per test module (time frozen at DEMO_NOW),
    inside a transaction rolled back after the module's last test."""
    import time_machine
    from django.conf import settings
    from django.db import transaction
    from django.test import override_settings

    from accreditation.demo import load_demo

    with django_db_blocker.unblock(), transaction.atomic():
        with time_machine.travel(DEMO_NOW, tick=False), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            load_demo(password=settings.DEMO_PASSWORD)
        yield DEMO_NOW
        transaction.set_rollback(True)
