"""The deployment files say what the README says: docker-compose runs web
(gunicorn), worker and beat (celery), PostgreSQL and Redis from one image;
the Dockerfile installs the locked requirements and the fonts; .env.example
documents every variable the settings read; the Makefile's two commands do
what they promise. No Docker engine runs here: the files are parsed."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
FONTS_AND_LIBRARIES = [
    "libpango-1.0-0",
    "libpangoft2-1.0-0",
    "libharfbuzz-subset0",
    "fonts-noto-core",
    "fonts-noto-cjk",
    "fonts-dejavu-core",
]


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def dockerfile():
    # Join continuation lines so that each instruction is one line.
    return (BASE_DIR / "Dockerfile").read_text().replace("\\\n", " ")


def _command(service):
    command = service["command"]
    return command if isinstance(command, list) else shlex.split(command)


def test_compose_has_web_worker_beat_db_and_redis(compose):
    assert {"web", "worker", "beat", "db", "redis"} <= set(compose["services"])
    assert compose["services"]["db"]["image"] == "postgres:15"
    assert compose["services"]["redis"]["image"] == "redis:7"


def test_compose_commands_run_gunicorn_and_celery(compose):
    services = compose["services"]
    web, worker, beat = (_command(services[name]) for name in ("web", "worker", "beat"))
    assert web[:2] == ["gunicorn", "toa_portal.wsgi"]
    assert worker[:4] == ["celery", "-A", "toa_portal", "worker"]
    assert beat[:4] == ["celery", "-A", "toa_portal", "beat"]
    assert _command(services["migrate"])[-2:] == ["migrate", "--no-input"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_compose_web_is_reachable_only_through_the_proxy_it_trusts(compose):
    """With TRUSTED_PROXIES=1 the last X-Forwarded-For hop decides the client's
    address; a port open to the world would let anyone write it."""
    web = compose["services"]["web"]
    assert web["environment"]["TRUSTED_PROXIES"] == "${TRUSTED_PROXIES:-1}"
    assert web["ports"] == ["127.0.0.1:8000:8000"]


def test_compose_environment_points_at_postgres_and_redis(compose):
    for name in ("web", "worker", "beat", "migrate"):
        service = compose["services"][name]
        environment = service["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in environment["DATABASE_URL"]
        assert environment["CELERY_BROKER_URL"].startswith("redis://redis:6379/")
        assert "${SECRET_KEY:?" in environment["SECRET_KEY"]
        assert "${PUBLIC_BASE_URL:?" in environment["PUBLIC_BASE_URL"]
        assert service["build"] == "."
    # The worker writes the PDFs that web streams: one private volume for both.
    assert compose["services"]["web"]["volumes"] == compose["services"]["worker"]["volumes"]
    assert "private" in compose["volumes"]


def test_dockerfile_installs_the_lock_the_fonts_and_builds_static(dockerfile):
    assert re.search(r"^FROM python:3\.11-slim\b", dockerfile, re.MULTILINE)
    apt = next(line for line in dockerfile.splitlines() if "apt-get install" in line)
    for package in FONTS_AND_LIBRARIES:
        assert package in apt.split(), package
    assert re.search(r"COPY requirements\.lock", dockerfile)
    assert re.search(r"pip install -r requirements\.lock", dockerfile)
    assert "manage.py collectstatic --no-input" in dockerfile
    assert "manage.py compiletranslations" in dockerfile
    assert re.search(r'^CMD \["gunicorn", "toa_portal\.wsgi"', dockerfile, re.MULTILINE)
    assert re.search(r"^USER (?!root)", dockerfile, re.MULTILINE)


def test_ci_installs_the_same_fonts_as_the_image():
    ci = (BASE_DIR / ".ci" / "run").read_text()
    listed = [
        line.split()[0] for line in (BASE_DIR / "system-packages.txt").read_text().splitlines() if line[:1].isalnum()
    ]
    assert "system-packages.txt" in ci
    for package in FONTS_AND_LIBRARIES:
        assert package in listed, package


def test_env_example_documents_every_variable_the_settings_read():
    source = (BASE_DIR / "toa_portal" / "settings.py").read_text()
    read = set(re.findall(r"""env\.\w+\(\s*["']([A-Z][A-Z0-9_]+)["']""", source))
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (BASE_DIR / ".env.example").read_text(), re.MULTILINE))
    assert "DATABASE_URL" in read and "CELERY_BROKER_URL" in read
    assert read - documented == set()


def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image():
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert {".env", ".venv", "var", ".git"} <= set(ignored)


def _make_dry_run(target):
    result = subprocess.run(
        ["make", "--dry-run", "--always-make", target], cwd=BASE_DIR, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_make_test_runs_the_suite_ruff_and_the_migration_check():
    commands = _make_dry_run("test")
    assert "pip install -q -r requirements.lock" in commands
    assert "manage.py compiletranslations" in commands
    assert "ruff check ." in commands
    assert "ruff format --check ." in commands
    assert "makemigrations --check --dry-run" in commands
    assert "-m pytest" in commands


def test_make_run_migrates_loads_the_demo_and_serves_on_port_8000():
    commands = _make_dry_run("run")
    order = [
        commands.index(step)
        for step in (
            "pip install -q -r requirements.lock",
            "manage.py compiletranslations",
            "manage.py migrate --no-input",
            "manage.py loaddemo",
            "runserver 127.0.0.1:8000",
        )
    ]
    assert order == sorted(order)
    assert "celery -A toa_portal worker -B" in commands


@pytest.mark.slow
def test_image_build_steps_succeed_without_database_or_secret(tmp_path):
    """The Dockerfile's build-time steps, in a clean environment (manifest
    static storage on: a reference to a missing file fails here, not in production)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "SECRET_KEY": "image-build-only",
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'absent' / 'never-opened.sqlite3'}",
    }
    for args in (["compiletranslations"], ["collectstatic", "--no-input"]):
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "static" / "staticfiles.json").exists()
    assert (tmp_path / "static" / "admin").is_dir()
