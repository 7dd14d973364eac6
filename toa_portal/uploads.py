"""Checking uploaded files by their content, not their name.

CVs and evidence files may be PDF, DOCX, JPEG or PNG, at most UPLOAD_MAX_BYTES.
Stored files get generated names (see the models' upload_to) in private storage
and are streamed only by permission-checked views.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", DOCX: ".docx"}
# The extensions a file of each kind may be named with.
NAMED_AS = {PDF: {".pdf"}, PNG: {".png"}, JPEG: {".jpg", ".jpeg"}, DOCX: {".docx"}}
KIND_NAMES = {PDF: "PDF", PNG: "PNG", JPEG: "JPEG", DOCX: "Word (DOCX)"}


def sniff(upload) -> str | None:
    """The content type the file's bytes prove, or None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            return DOCX
    return None


def validate_upload(upload) -> str:
    """Return the proven content type, or raise a ValidationError saying what is wrong."""
    if upload.size > settings.UPLOAD_MAX_BYTES:
        raise ValidationError(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(upload.size), "limit": filesizeformat(settings.UPLOAD_MAX_BYTES)},
            code="too_large",
        )
    if upload.size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    content_type = sniff(upload)
    if content_type is None:
        raise ValidationError(
            _("Only PDF, Word (DOCX), JPEG and PNG files are accepted; this file is none of them."), code="type"
        )
    suffix = PurePath(upload.name or "").suffix.lower()
    if suffix and suffix not in NAMED_AS[content_type]:
        raise ValidationError(
            _(
                "The file is named %(name)s but its content is a %(kind)s file: name and content must agree "
                "(give it the %(extension)s extension, or choose the right file)."
            )
            % {
                "name": PurePath(upload.name).name[-80:],
                "kind": KIND_NAMES[content_type],
                "extension": EXTENSIONS[content_type],
            },
            code="mismatch",
        )
    return content_type


def private_download(response):
    """Mark a response carrying a private file (a CV, evidence, a certificate,
    an export) so that no shared cache or the browser's disk cache keeps a copy,
    and no browser second-guesses its type."""
    patch_cache_control(response, private=True, no_store=True)
    response["X-Content-Type-Options"] = "nosniff"
    return response
