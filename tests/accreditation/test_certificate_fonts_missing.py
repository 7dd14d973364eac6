"""A machine without the CJK fonts: a real Celery worker whose fontconfig
knows only DejaVu (FONTCONFIG_FILE, read when the process starts) refuses the
Japanese certificate with the reason the Secretariat reads in the list, and
renders it on retry once the font is installed, without a restart."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from accreditation.enums import RenderState
from accreditation.models import Certificate
from tests.accreditation.pdf_glyphs import boxes, drawn_glyphs, fonts_drawing
from tests.factories import OfficialFactory, accredit, secretariat_user
from toa_portal.celery import app as celery_app

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.slow]

FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>{dejavu}</dir>
  <dir>{installed}</dir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""


def font_file(family: str) -> Path:
    """Where the machine's own fontconfig finds a family."""
    found = subprocess.run(["fc-match", "--format=%{file}", family], capture_output=True, text=True, check=True)
    path = Path(found.stdout)
    assert family.split()[0] in path.name, f"{family} is not installed: {path}"
    return path


def wait_for_render_state(certificate, states, timeout=90.0) -> Certificate:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        certificate.refresh_from_db()
        if certificate.render_state in states:
            return certificate
        time.sleep(0.2)
    raise AssertionError(f"The certificate stayed {certificate.render_state!r} for {timeout:.0f} s.")


@pytest.fixture
def fonts_folder(tmp_path):
    """A fontconfig configuration with DejaVu only, and a folder of "installed" fonts."""
    installed = tmp_path / "installed-fonts"
    installed.mkdir()
    config = tmp_path / "fonts.conf"
    config.write_text(
        FONTCONFIG.format(
            dejavu=font_file("DejaVu Sans").parent, installed=installed, cache=tmp_path / "fontconfig-cache"
        )
    )
    return config, installed


@pytest.fixture
def worker(transactional_db, fonts_folder, tmp_path):
    """A `celery worker` subprocess (solo pool: every render in the same
    process) on the test database, with the restricted fontconfig."""
    config, _installed = fonts_folder
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    database_url = (
        f"postgres://{quote(db['USER'])}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(config),
        "DATABASE_URL": database_url,
        "PRIVATE_MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "STATIC_MANIFEST": "0",
        "DEBUG": "0",
    }
    env.pop("FILE_STORAGE_BACKEND", None)
    celery_app.control.purge()
    log = tmp_path / "worker.log"
    process = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "toa_portal",
            "worker",
            "--pool=solo",
            "--hostname=fonts@%h",
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
    deadline = time.monotonic() + 60
    while " ready." not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)
    assert process.poll() is None and " ready." in log.read_text(), log.read_text()
    yield log
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def test_render_without_the_cjk_fonts_fails_with_the_reason_then_retry_renders(client, worker, fonts_folder):
    _config, installed = fonts_folder
    secretariat = secretariat_user()
    official = OfficialFactory(name_latin="Sato Haruki", name_native="佐藤 陽輝", name_native_lang="ja")

    [certificate] = accredit([official], actor=secretariat)

    certificate = wait_for_render_state(certificate, {RenderState.FAILED, RenderState.RENDERED})
    reason = "no font for 佐 (U+4F50): install fonts-noto-cjk"
    assert certificate.render_state == RenderState.FAILED, worker.read_text()
    assert certificate.render_error == reason
    assert not certificate.pdf
    assert not (Path(settings.MEDIA_ROOT) / "certificates").exists()
    client.force_login(secretariat)
    page = client.get(reverse("accreditation:certificate_list")).content.decode()
    assert reason in page
    assert reverse("accreditation:certificate_retry", args=[certificate.pk]) in page

    (installed / "NotoSerifCJK-Regular.ttc").symlink_to(font_file("Noto Serif CJK JP"))
    response = client.post(reverse("accreditation:certificate_retry", args=[certificate.pk]), {"back": "list"})

    assert response.status_code == 302
    certificate = wait_for_render_state(certificate, {RenderState.FAILED, RenderState.RENDERED})
    assert certificate.render_state == RenderState.RENDERED, certificate.render_error
    assert certificate.render_error == ""
    glyphs = drawn_glyphs(certificate.pdf.read())
    assert boxes(glyphs) == []
    assert fonts_drawing(glyphs, "佐藤陽輝") == {c: {"Noto-Serif-CJK-JP"} for c in "佐藤陽輝"}
    assert reason not in client.get(reverse("accreditation:certificate_list")).content.decode()
