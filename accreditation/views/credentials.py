"""The public side of the verifiable credentials: the issuer's DID document,
each certificate version's signed credential, the status list credentials,
and the page that checks an uploaded credential or certificate PDF."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from ..credentials import keys, status
from ..credentials.verification import UnreadableUpload, credential_check, credential_from_upload
from ..enums import Validity
from ..forms.certificates import VerifyUploadForm
from ..models import Certificate
from ..suspension import SUSPENDED
from .certificates import _no_store, _verification, _verify_throttled, status_label

logger = logging.getLogger(__name__)

# Room for the multipart envelope around the file itself.
MULTIPART_OVERHEAD = 64 * 1024
UPLOAD_TEMPLATE = "accreditation/certificates/verify_upload.html"


def _public_json(data, *, content_type="application/json", max_age=300) -> HttpResponse:
    response = JsonResponse(data, content_type=content_type, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def did_document(request):
    """did:web resolution: /.well-known/did.json, with every signing key."""
    return _public_json(keys.did_document(), content_type="application/did+json")


@require_GET
def credential_json(request, code):
    """The signed credential of one certificate version, as embedded in its PDF."""
    certificate = Certificate.objects.filter(verification_code=code).exclude(credential="").first()
    if certificate is None:
        raise Http404(_("No credential has been issued with this code yet."))
    response = HttpResponse(certificate.credential, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{certificate.number}-v{certificate.version}.json"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def status_list(request, purpose, number):
    """A Bitstring Status List credential, signed, as it stands now (cached
    briefly by verifiers; re-signed only when its bits change)."""
    # Only the lists certificates point at: a made-up number costs no signature.
    if purpose not in status.PURPOSES or not 1 <= number <= status.last_list_number():
        raise Http404(_("No such status list."))
    try:
        signed = status.status_list_credential(purpose, number)
    except keys.SigningKeyMissing:
        logger.exception("Status list %s/%s cannot be signed", purpose, number)
        response = JsonResponse({"error": "unavailable"}, status=503)
        response["Retry-After"] = "300"
        return response
    return _public_json(signed, max_age=60)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify_upload(request):
    """Check an uploaded credential (JSON) or certificate PDF: read in memory,
    size-capped, throttled per address, never stored. The upload handlers are
    set before anything reads the body, so CSRF is checked by the inner view."""
    request.upload_handlers = [MemoryFileUploadHandler(request)]
    return _verify_upload(request)


@csrf_protect
def _verify_upload(request):
    # Uploads are held in memory only, so never more than Django keeps in memory.
    max_bytes = min(settings.VERIFY_UPLOAD_MAX_BYTES, settings.FILE_UPLOAD_MAX_MEMORY_SIZE - MULTIPART_OVERHEAD)
    if request.method == "POST":
        if _verify_throttled(request):
            response = render(request, "accreditation/certificates/verify_throttled.html", status=429)
            response["Retry-After"] = "60"
            return _no_store(response)
        if int(request.META.get("CONTENT_LENGTH") or 0) > max_bytes + MULTIPART_OVERHEAD:
            # Refused before the body is read.
            context = {
                "form": VerifyUploadForm(max_bytes=max_bytes),
                "upload_error": _("This file is larger than %(size)s MB: a credential or certificate is much smaller.")
                % {"size": max_bytes // (1024 * 1024)},
            }
            return _no_store(render(request, UPLOAD_TEMPLATE, context, status=413))
    form = VerifyUploadForm(request.POST or None, request.FILES or None, max_bytes=max_bytes)
    context = {"form": form, "Validity": Validity, "SUSPENDED": SUSPENDED}
    if request.method == "POST" and form.is_valid():
        try:
            credential = credential_from_upload(form.cleaned_data["file"].read(), max_bytes=max_bytes)
        except UnreadableUpload as error:
            form.add_error("file", str(error))
        else:
            check = credential_check(credential)
            context["check"] = check
            if check.proof_holds:
                data = _verification(check.certificate, timezone.localdate())
                context["v"] = data
                context["status_label"] = status_label(data["status"])
    return _no_store(render(request, UPLOAD_TEMPLATE, context))
