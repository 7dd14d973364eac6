"""The certificate's PDF: one A4 landscape page, every script drawn with the
right font, found by poppler's pdftotext; metadata; no network."""

import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from accreditation import certificates, services
from accreditation.enums import RenderState
from accreditation.models import Certificate
from tests.factories import OfficialFactory, accredit

NAMES = [
    # (Latin name, native name, its language, the font poppler must list)
    ("Nguyễn Thị Lan", "", "", "TOA-Serif"),
    ("Wang Jianhua", "王建华", "zh-Hans", "Noto-Serif-CJK-SC"),
    ("Chan Ka-wai", "陳嘉慧", "zh-Hant", "Noto-Serif-CJK-TC"),
    ("Sato Haruki", "佐藤 陽輝", "ja", "Noto-Serif-CJK-JP"),
    ("Sokha Chhay", "ឆាយ សុខា", "km", "Noto-Serif-Khmer"),
    ("Farhana Rahman", "ফারহানা রহমান", "bn", "Noto-Serif-Bengali"),
    ("Nimal Perera", "නිමල් පෙරේරා", "si", "Noto-Serif-Sinhala"),
    ("Ayesha Siddiqui", "عائشہ صدیقی", "ur", "Noto-Naskh-Arabic"),
    ("Priya Raghunathan", "प्रिया रघुनाथन", "hi", "Noto-Serif-Devanagari"),
]


def _poppler(tool, pdf: bytes, tmp_path, *args) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, *args, str(path), "-"], capture_output=True, text=True, check=True).stdout


def _fonts(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def _info(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def certificate(db):
    official = OfficialFactory(name_latin="Sato Haruki", name_native="佐藤 陽輝", name_native_lang="ja")
    [certificate] = accredit([official])
    return certificates.certificate_for_render(certificate.pk)


def _words(text: str) -> str:
    """Text without any white space: pdftotext splits some Indic syllables
    (a vowel sign drawn before its consonant) with a space or a line break."""
    return "".join(text.split())


def test_render_pdf_names_in_every_script_are_extracted_with_their_font(certificate, tmp_path):
    official = certificate.accreditation.official
    for latin, native, lang, font in NAMES:
        official.name_latin, official.name_native, official.name_native_lang = latin, native, lang

        pdf = certificates.render_pdf(certificate)

        text = _poppler("pdftotext", pdf, tmp_path)
        assert latin in text, lang
        for word in native.split():
            assert word in _words(text), (lang, word)
        assert font in _fonts(pdf, tmp_path), lang


def test_render_pdf_japanese_name_is_not_drawn_with_chinese_glyphs(certificate, tmp_path):
    pdf = certificates.render_pdf(certificate)

    fonts = _fonts(pdf, tmp_path)
    assert "Noto-Serif-CJK-JP" in fonts
    assert "CJK-SC" not in fonts
    assert "CJK-TC" not in fonts
    html = certificates.render_html(certificate)
    assert '<p class="name-native" lang="ja" dir="ltr">佐藤 陽輝</p>' in html


def test_render_pdf_urdu_name_is_marked_right_to_left(certificate):
    official = certificate.accreditation.official
    official.name_native, official.name_native_lang = "عائشہ صدیقی", "ur"

    html = certificates.render_html(certificate)

    assert 'lang="ur" dir="rtl"' in html


def test_render_pdf_is_one_a4_landscape_page_with_metadata(certificate, tmp_path):
    pdf = certificates.render_pdf(certificate)

    info = _info(pdf, tmp_path)
    assert "Pages:           1" in info
    assert "841.89 x 595.27" in info
    assert f"Title:           Certificate of accreditation {certificate.number}" in info
    assert "Author:          World Customs Organization — Secretariat" in info
    assert (
        "Subject:         Sato Haruki — Intellectual Property Rights — Technical and Operational Advisor (TOA)" in info
    )


def test_render_pdf_shows_the_facts_and_the_verification_address(certificate, tmp_path):
    text = " ".join(_poppler("pdftotext", certificates.render_pdf(certificate), tmp_path).split())

    workshop = certificate.accreditation.nomination.workshop
    assert certificate.number in text
    assert "Technical and Operational Advisor (TOA)" in text
    assert certificate.accreditation.official.administration.name in text
    assert workshop.city in text
    assert "National IPR enforcement training" in text
    assert certificate.issued_on.strftime("%-d %B %Y") in text
    assert certificate.valid_until.strftime("%-d %B %Y") in text
    assert f"http://127.0.0.1:8000/verify/{certificate.verification_code}/" in text.replace(" ", "")
    assert "version" not in text
    assert "Director, Capacity Building" in text


def test_render_pdf_qr_code_is_vector(certificate, tmp_path):
    pdf = certificates.render_pdf(certificate)

    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    assert len(images.strip().splitlines()) == 2  # the header lines only: no raster image
    html = certificates.render_html(certificate)
    assert '<svg viewBox="0 0 ' in html
    assert 'class="qr"><path' in html


def test_render_pdf_in_french_with_version(certificate, tmp_path):
    certificate.language = "fr"
    certificate.version = 2

    text = " ".join(_poppler("pdftotext", certificates.render_pdf(certificate), tmp_path).split())

    with translation.override("fr"):
        expected = translation.gettext("Certificate of accreditation")
    assert expected in text
    assert "version 2" in text or "version 2".capitalize() in text


def test_url_fetcher_refuses_remote_and_other_local_files():
    fetcher = certificates.url_fetcher()

    with pytest.raises(ValueError, match="Remote resources"):
        fetcher.fetch("https://example.org/logo.png")
    with pytest.raises(ValueError, match="Only the certificate's font files"):
        fetcher.fetch(Path("/etc/hostname").as_uri())
    with pytest.raises(ValueError, match="Only the certificate's font files"):
        fetcher.fetch(certificates.font_dir().as_uri() + "/../../manage.py")
    response = fetcher.fetch(certificates.font_dir().as_uri() + "/NotoSerif-Regular.ttf")
    assert response.read(4) == b"\x00\x01\x00\x00"
    response.close()


def test_render_pdf_remote_image_is_not_fetched(certificate, settings, tmp_path):
    override = tmp_path / "templates" / "certificates"
    override.mkdir(parents=True)
    original = Path(settings.BASE_DIR / "templates/certificates/certificate.html").read_text()
    override.joinpath("certificate.html").write_text(
        original.replace("<body>", '<body><img src="http://198.51.100.1/tracker.png" alt="">')
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}]
    requested = []

    class Recording(certificates._url_fetcher_class()):
        def fetch(self, url, headers=None):
            requested.append(url)
            return super().fetch(url, headers)

    from weasyprint import HTML

    html = certificates.render_html(certificate)
    HTML(string=html, url_fetcher=Recording()).write_pdf()

    assert requested == ["http://198.51.100.1/tracker.png"]


def test_certificate_render_writes_the_fixed_file_once(certificate):
    state = services.certificate_render(certificate_id=certificate.pk)

    certificate.refresh_from_db()
    assert state == RenderState.RENDERED
    assert certificate.render_state == RenderState.RENDERED
    assert certificate.pdf.name == f"certificates/{certificate.number}-v1.pdf"
    assert certificate.render_count == 1
    assert certificate.rendered_at is not None
    assert certificate.pdf.read(5) == b"%PDF-"


def test_certificate_render_duplicate_delivery_is_a_no_op(certificate):
    services.certificate_render(certificate_id=certificate.pk)

    state = services.certificate_render(certificate_id=certificate.pk)

    certificate.refresh_from_db()
    assert state == RenderState.RENDERED
    assert certificate.render_count == 1


def test_certificate_render_again_overwrites_the_same_file(certificate, settings, django_user_model):
    from tests.factories import secretariat_user

    services.certificate_render(certificate_id=certificate.pk)
    services.certificate_render_retry(actor=secretariat_user(), certificate=certificate)
    services.certificate_render(certificate_id=certificate.pk)

    certificate.refresh_from_db()
    folder = Path(settings.MEDIA_ROOT) / "certificates"
    assert [p.name for p in folder.iterdir()] == [f"{certificate.number}-v1.pdf"]
    assert certificate.render_count == 2
    assert certificate.pdf.name == f"certificates/{certificate.number}-v1.pdf"


def test_certificate_render_leaves_a_certificate_rendering_elsewhere_alone(certificate):
    from django.utils import timezone

    started = timezone.now()
    Certificate.objects.filter(pk=certificate.pk).update(render_state=RenderState.RENDERING, render_started_at=started)

    state = services.certificate_render(certificate_id=certificate.pk)

    certificate.refresh_from_db()
    assert state == RenderState.RENDERING
    assert certificate.render_started_at == started
    assert certificate.render_count == 0


def test_certificate_render_takes_over_a_render_past_the_time_limit(certificate, settings):
    import datetime as dt

    from django.utils import timezone

    long_ago = timezone.now() - dt.timedelta(seconds=settings.CERTIFICATE_RENDER_TIME_LIMIT + 60)
    Certificate.objects.filter(pk=certificate.pk).update(render_state=RenderState.RENDERING, render_started_at=long_ago)

    assert services.certificate_render(certificate_id=certificate.pk) == RenderState.RENDERED
    certificate.refresh_from_db()
    assert certificate.render_count == 1


def test_certificate_render_of_a_missing_certificate_creates_nothing(db):
    assert services.certificate_render(certificate_id=987654) is None
    assert not Certificate.objects.exists()


def test_certificate_render_broken_template_fails_with_reason_then_retry_succeeds(certificate, settings, tmp_path):
    from tests.factories import secretariat_user

    override = tmp_path / "templates" / "certificates"
    override.mkdir(parents=True)
    override.joinpath("certificate.html").write_text("{% load i18n %}{% broken_tag %}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path / "templates", *settings.TEMPLATES[0]["DIRS"]]}]

    assert services.certificate_render(certificate_id=certificate.pk) == RenderState.FAILED
    certificate.refresh_from_db()
    assert certificate.render_state == RenderState.FAILED
    assert "TemplateSyntaxError" in certificate.render_error
    assert "broken_tag" in certificate.render_error
    assert not certificate.pdf

    override.joinpath("certificate.html").unlink()
    services.certificate_render_retry(actor=secretariat_user(), certificate=certificate)
    assert services.certificate_render(certificate_id=certificate.pk) == RenderState.RENDERED
    certificate.refresh_from_db()
    assert certificate.render_error == ""
    assert certificate.render_count == 1


def test_render_failure_reason_for_a_render_past_the_soft_time_limit(settings):
    from celery.exceptions import SoftTimeLimitExceeded

    reason = certificates.render_failure_reason(SoftTimeLimitExceeded())

    assert (
        reason == f"The render took longer than {settings.CERTIFICATE_RENDER_SOFT_TIME_LIMIT} seconds and was stopped."
    )
