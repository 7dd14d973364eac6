"""Rendering a certificate's PDF with WeasyPrint."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from .enums import RenderState
from .models import Certificate


def _refuse_remote(url, *args, **kwargs):
    raise ValueError(f"Remote resources are not fetched while rendering: {url}")


def render_pdf(certificate: Certificate) -> bytes:
    from weasyprint import HTML

    with translation.override(certificate.language):
        html = render_to_string("certificates/certificate.html", {"certificate": certificate})
    return HTML(string=html, url_fetcher=_refuse_remote).write_pdf()


def certificate_render(*, certificate_id: int) -> str | None:
    """Render (or re-render) one certificate's PDF into the same file name.
    Returns the final state, or None when the certificate no longer exists."""
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update()
            .select_related("accreditation__official__administration", "accreditation__programme")
            .filter(pk=certificate_id)
            .first()
        )
        if certificate is None:
            return None
        certificate.render_state = RenderState.RENDERING
        certificate.render_started_at = timezone.now()
        certificate.save(update_fields=["render_state", "render_started_at"])
    try:
        pdf = render_pdf(certificate)
    except Exception as exc:
        Certificate.objects.filter(pk=certificate_id).update(
            render_state=RenderState.FAILED, render_error=str(exc)[:2000]
        )
        return RenderState.FAILED
    name = f"certificates/{certificate.number}-v{certificate.version}.pdf"
    storage = certificate.pdf.storage
    if storage.exists(name):
        storage.delete(name)
    saved = storage.save(name, ContentFile(pdf))
    Certificate.objects.filter(pk=certificate_id).update(
        pdf=saved,
        render_state=RenderState.RENDERED,
        render_error="",
        rendered_at=timezone.now(),
    )
    return RenderState.RENDERED
