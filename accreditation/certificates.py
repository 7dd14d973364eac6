"""What a certificate says: its PDF (WeasyPrint) and the e-mails about it.

Rendering reads nothing from the network. The template's Latin font ships in
static/fonts and is the only file the URL fetcher opens; every other script is
drawn with Debian's Noto fonts found through fontconfig (fonts-noto-core,
fonts-noto-cjk), chosen by the `lang` of the text so that a Japanese name is
not drawn with Chinese glyphs.
"""

from __future__ import annotations

import atexit
import functools
import threading
import time
from pathlib import Path

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from workshops.enums import ExpertType

from . import fonts
from .models import Certificate

CERTIFICATE_TEMPLATE = "certificates/certificate.html"
CERTIFICATE_STYLESHEET = "certificates/certificate.css"
LATIN_FONT = "fonts/NotoSerif-Regular.ttf"
RTL_LANGUAGES = frozenset({"ar", "dv", "fa", "he", "ps", "sd", "ug", "ur", "yi"})


@functools.cache
def font_dir() -> Path:
    """The folder of the template's own fonts (found like any static file)."""
    found = finders.find(LATIN_FONT)
    if not found:
        raise RuntimeError(f"The certificate font {LATIN_FONT} is missing from the static files.")
    return Path(found).resolve().parent


def _url_fetcher_class():
    from weasyprint.urls import URLFetcher

    class LocalFontFetcher(URLFetcher):
        """Opens the template's font files and refuses everything else:
        no remote resource, no other local file, is ever read while rendering."""

        def fetch(self, url, headers=None):
            if not url.startswith("file:"):
                raise ValueError(f"Remote resources are not fetched while rendering a certificate: {url[:200]}")
            from urllib.request import url2pathname

            path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
            if not path.is_relative_to(font_dir()):
                raise ValueError(f"Only the certificate's font files are read while rendering: {url[:200]}")
            return super().fetch(url, headers)

    return LocalFontFetcher


def url_fetcher():
    return _url_fetcher_class()(allowed_protocols=("file",), timeout=1)


def text_direction(lang: str) -> str:
    return "rtl" if lang.split("-")[0].lower() in RTL_LANGUAGES else "ltr"


def qr_svg(url: str) -> str:
    """The verification address as an inline, vector QR code."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=1, omitsize=True, dark="#1b1b1b", svgclass="qr")


def expert_type_label(code: str) -> str:
    try:
        return ExpertType(code).label
    except ValueError:
        return code


def certificate_context(certificate: Certificate) -> dict:
    """Everything the certificate template shows, read in a fixed number of queries."""
    accreditation = certificate.accreditation
    official = accreditation.official
    nomination = accreditation.nomination
    evaluation = getattr(nomination, "field_evaluation", None)
    verify_url = certificate.get_public_verify_url()
    return {
        "certificate": certificate,
        "official": official,
        "native_lang": official.name_native_lang or "und",
        "native_dir": text_direction(official.name_native_lang or ""),
        "administration": official.administration,
        "programme": accreditation.programme,
        "expert_type": accreditation.expert_type,
        "expert_type_label": expert_type_label(accreditation.expert_type),
        "workshop": nomination.workshop,
        "evaluation": evaluation,
        "verify_url": verify_url,
        "qr_svg": qr_svg(verify_url),
        "signatory": settings.CERTIFICATE_SIGNATORY,
    }


def certificate_for_render(certificate_id: int) -> Certificate | None:
    return (
        Certificate.objects.select_related(
            "accreditation__official__administration",
            "accreditation__programme",
            "accreditation__nomination__workshop",
            "accreditation__nomination__field_evaluation",
        )
        .filter(pk=certificate_id)
        .first()
    )


def render_html(certificate: Certificate) -> str:
    """The certificate's HTML, in the certificate's language."""
    context = certificate_context(certificate)
    with translation.override(certificate.language):
        return render_to_string(CERTIFICATE_TEMPLATE, context)


_per_thread = threading.local()
# Drop the cached font configuration before the interpreter tears its modules
# down (WeasyPrint's clean-up needs them).
atexit.register(_per_thread.__dict__.clear)


def stylesheet():
    """The certificate's stylesheet with its font configuration, built once per
    thread (a worker process has one): the @font-face files are registered
    once, and Pango keeps its loaded fonts between renders instead of opening
    the CJK collections again for every certificate."""
    cached = getattr(_per_thread, "stylesheet", None)
    if cached is None:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        css = render_to_string(CERTIFICATE_STYLESHEET, {"font_dir_url": font_dir().as_uri()})
        cached = _per_thread.stylesheet = (
            CSS(string=css, url_fetcher=url_fetcher(), font_config=font_config),
            font_config,
        )
    return cached


CREDENTIAL_FILE_NAME = "credential.json"


def _unique_associated_files(document, pdf) -> None:
    """WeasyPrint lists an embedded file twice in the catalogue's /AF (once
    from the name tree, once from its file specification): keep each once."""
    if "AF" in pdf.catalog:
        unique = list(dict.fromkeys(pdf.catalog["AF"]))
        pdf.catalog["AF"].clear()
        pdf.catalog["AF"].extend(unique)


def archival_options(certificate: Certificate) -> dict:
    """PDF/A-3u (every font embedded, text extractable in every script),
    tagged, with the version's signed credential attached as its associated
    file (AFRelationship Data, application/json)."""
    from weasyprint import Attachment

    options = {"pdf_variant": "pdf/a-3u", "pdf_tags": True, "finisher": _unique_associated_files}
    if certificate.credential:
        options["attachments"] = [
            Attachment(
                string=certificate.credential,
                name=CREDENTIAL_FILE_NAME,
                description="Open Badges 3.0 verifiable credential",
                relationship="Data",
            )
        ]
    return options


def render_pdf(certificate: Certificate) -> bytes:
    """One A4 landscape archival page (PDF/A-3u), with the document's title,
    author, subject and language, and the signed credential attached.
    Raises fonts.MissingGlyph rather than draw a letter as an empty box."""
    from weasyprint import HTML

    html = render_html(certificate)
    if settings.CERTIFICATE_RENDER_TEST_DELAY:
        # Fault-injection for the tests that kill a worker in the middle of a
        # render; zero (off) everywhere else.
        time.sleep(settings.CERTIFICATE_RENDER_TEST_DELAY)
    css, font_config = stylesheet()
    options = archival_options(certificate)
    finisher = options.pop("finisher")
    try:
        with fonts.notdef_as_error(font_config):
            document = HTML(string=html, url_fetcher=url_fetcher()).render(
                stylesheets=[css], font_config=font_config, **options
            )
            fonts.check_coverage(document, font_config)
            return document.write_pdf(finisher=finisher, **options)
    except fonts.MissingGlyph:
        # The next render (the Secretariat's retry) reads fontconfig afresh
        # and sees a font installed since.
        _per_thread.__dict__.pop("stylesheet", None)
        raise


def certificate_file_name(certificate: Certificate) -> str:
    """The fixed storage name of a version's PDF: re-rendering overwrites it."""
    return f"certificates/{certificate.number}-v{certificate.version}.pdf"


def certificate_mail(*, template: str, certificate: Certificate) -> None:
    """E-mail the expert about their certificate, in their correspondence language."""
    official = certificate.accreditation.official
    if not official.email:
        return
    context = {
        "certificate": certificate,
        "official": official,
        "programme": certificate.accreditation.programme,
        "expert_type_label": expert_type_label(certificate.accreditation.expert_type),
        "verify_url": certificate.get_public_verify_url(),
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
    }
    with translation.override(official.preferred_language):
        subject = " ".join(render_to_string(f"certificates/emails/{template}_subject.txt", context).split())
        body = render_to_string(f"certificates/emails/{template}.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [official.email])


def render_failure_reason(exc: BaseException) -> str:
    """What the Secretariat reads when a render failed."""
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, SoftTimeLimitExceeded):
        return _("The render took longer than %(seconds)s seconds and was stopped.") % {
            "seconds": settings.CERTIFICATE_RENDER_SOFT_TIME_LIMIT
        }
    if isinstance(exc, fonts.MissingGlyph):
        return exc.reason()
    detail = str(exc).strip() or _("no detail")
    return f"{type(exc).__name__}: {detail}"[:2000]
