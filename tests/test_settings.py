"""The settings, read from the environment, in fresh processes: the embedded
default (SQLite in var/, eager Celery, console e-mail), a production-shaped
configuration passing `check --deploy`, migrations on a new SQLite file and on
a new PostgreSQL database, and SECRET_KEY required when DEBUG is off."""

import json
import os
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

BASE_DIR = Path(settings.BASE_DIR)
PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DEBUG": "0",
    "ALLOWED_HOSTS": "toa.example.org",
    "PUBLIC_BASE_URL": "https://toa.example.org/",
    "SECURE_SSL_REDIRECT": "1",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
    "SECURE_HSTS_PRELOAD": "1",
    "BEHIND_PROXY": "1",
}


def run(args, **env):
    """Run python with only the given environment (no inherited DATABASE_URL…)."""
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), **env}
    clean.setdefault("DJANGO_SETTINGS_MODULE", "toa_portal.settings")
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=clean, capture_output=True, text=True, timeout=300, check=False
    )


SHOW = """
import json, django
django.setup()
from django.conf import settings
from toa_portal.celery import app
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"], "name": str(db["NAME"]), "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "app_eager": app.conf.task_always_eager, "broker": settings.CELERY_BROKER_URL,
    "email": settings.EMAIL_BACKEND, "public": settings.PUBLIC_BASE_URL, "debug": settings.DEBUG,
    "secure_cookies": settings.SESSION_COOKIE_SECURE, "media": str(settings.MEDIA_ROOT),
}))
"""


def show(**env):
    result = run(["-c", SHOW], **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_settings_embedded_default_sqlite_eager_console_mail():
    values = show(DEBUG="1", SECRET_KEY="")
    assert values["engine"] == "django.db.backends.sqlite3"
    assert values["name"] == str(BASE_DIR / "var" / "toa_portal.sqlite3")
    assert values["eager"] is True and values["app_eager"] is True
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    assert values["media"].startswith(str(BASE_DIR / "var"))


def test_settings_postgres_and_redis_from_the_environment():
    values = show(
        SECRET_KEY="k",
        DATABASE_URL="postgres://toa:pw@db:5432/toa",
        CELERY_BROKER_URL="redis://redis:6379/0",
        PUBLIC_BASE_URL="https://toa.example.org/",
    )
    assert values["engine"] == "django.db.backends.postgresql"
    assert values["name"] == "toa"
    assert values["eager"] is False and values["app_eager"] is False
    assert values["broker"] == "redis://redis:6379/0"
    assert values["public"] == "https://toa.example.org"
    assert values["debug"] is False and values["secure_cookies"] is True


def test_settings_secret_key_required_when_debug_is_off():
    result = run(["-c", "import django; django.setup()"], DEBUG="0", SECRET_KEY="")
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_settings_code_only_commands_run_without_a_secret_key():
    result = run(["manage.py", "makemigrations", "--check", "--dry-run"], DEBUG="0", SECRET_KEY="")
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout
    served = run(["manage.py", "check"], DEBUG="0", SECRET_KEY="")
    assert served.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in served.stderr


def test_settings_debug_runs_without_a_secret_key():
    assert show(DEBUG="1", SECRET_KEY="")["debug"] is True


def test_settings_production_passes_check_deploy_without_a_warning(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_settings_migrate_on_a_new_sqlite_file(tmp_path):
    database = tmp_path / "fresh.sqlite3"
    env = {"DATABASE_URL": f"sqlite:///{database}", "SECRET_KEY": "k"}
    result = run(["manage.py", "migrate", "--no-input"], **env)
    assert result.returncode == 0, result.stderr
    result = run(["manage.py", "migrate", "--check"], **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert database.stat().st_size > 0


@pytest.mark.postgres
def test_settings_migrate_on_a_new_postgres_database():
    """A database of its own on the shared server, dropped afterwards."""
    name = f"toa_settings_{uuid.uuid4().hex[:10]}"
    db = settings.DATABASES["default"]
    url = "postgres://{user}:{password}@{host}:{port}/{name}".format(
        user=db["USER"],
        password=db["PASSWORD"] or "",
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        name=name,
    )
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {"DATABASE_URL": url, "SECRET_KEY": "k"}
        result = run(["manage.py", "migrate", "--no-input"], **env)
        assert result.returncode == 0, result.stderr
        result = run(["manage.py", "migrate", "--check"], **env)
        assert result.returncode == 0, result.stdout + result.stderr
        check = run(
            [
                "-c",
                "import django; django.setup()\n"
                "from django.db import connection\n"
                "with connection.cursor() as c:\n"
                "    c.execute(\"SELECT tgname FROM pg_trigger WHERE tgname = 'toa_portal_audit_append_only'\")\n"
                "    print(c.fetchall())",
            ],
            **env,
        )
        assert "toa_portal_audit_append_only" in check.stdout, check.stderr
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


SQLITE_MODES = """
import json, django
django.setup()
from django.conf import settings
from django.db import connection
from toa_portal.celery import app
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    journal = cursor.fetchone()[0]
    cursor.execute("PRAGMA busy_timeout")
    busy = cursor.fetchone()[0]
print(json.dumps({
    "journal": journal, "busy_ms": busy, "mode": connection.transaction_mode,
    "beat_file": app.conf.beat_schedule_filename, "email_timeout": settings.EMAIL_TIMEOUT,
}))
"""


def test_settings_sqlite_default_holds_concurrent_writers_and_beat_keeps_its_file_in_var(tmp_path):
    result = run(["-c", SQLITE_MODES], DEBUG="1", SECRET_KEY="", DATABASE_URL=f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["journal"] == "wal"
    assert values["busy_ms"] >= 5000
    assert values["mode"] == "IMMEDIATE"
    assert values["beat_file"] == str(BASE_DIR / "var" / "celerybeat-schedule")
    assert values["email_timeout"] > 0


def env_example_production() -> dict[str, str]:
    """The variables of .env.example's core and production (HTTPS and
    security) blocks, uncommented as an operator would, with a real secret."""
    values, block = {}, ""
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        if line.startswith("# ---"):
            block = line
            continue
        if ("Core" in block or "production" in block) and line.startswith("# ") and "=" in line.split()[1]:
            name, _, value = line[2:].partition("=")
            values[name.strip()] = value.split("  #")[0].split(" #")[0].strip()
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "TRUSTED_PROXIES"} <= set(
        values
    ), values
    values["SECRET_KEY"] = secrets.token_urlsafe(50)  # "change-me" is the placeholder to replace
    return values


def test_settings_env_example_production_block_passes_check_deploy(tmp_path):
    env = env_example_production()
    env.pop("DEBUG", None)
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        **env,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout
