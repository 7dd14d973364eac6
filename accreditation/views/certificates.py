"""Certificates: the list and page (expert, focal point, Secretariat), the PDF
download, revocation, re-issue, render retry, the bulk re-render of a
workshop with its progress, the public verification page; and the roster of
accredited experts with the profile each expert keeps current."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from candidates.rules import is_secretariat, official_of
from toa_portal.errors import DomainError
from toa_portal.throttle import client_address, over_limit
from toa_portal.uploads import private_download
from workshops.models import Workshop

from .. import services
from ..certificates import certificate_file_name, expert_type_label
from ..enums import RenderState, Validity
from ..forms.certificates import CertificateFilter, ReissueForm, RevokeForm, RosterFilterForm, RosterProfileForm
from ..models import BulkJob, Certificate, RosterProfile
from ..selectors import certificates_visible_to, phase_two_released, roster
from ..suspension import SUSPENDED, current_suspension, not_suspended, with_suspension

PAGE_SIZE = 50


def _require_secretariat(user) -> None:
    if not is_secretariat(user):
        raise PermissionDenied(_("Only the Secretariat may do this."))


def _certificate(request, pk) -> Certificate:
    """A certificate the user may see (expert, their focal point, the Secretariat), or 404."""
    return get_object_or_404(certificates_visible_to(request.user), pk=pk)


def _error_text(error: DomainError) -> str:
    return " ".join(error.messages)


@login_required
@require_GET
def certificate_list(request):
    user = request.user
    secretariat = is_secretariat(user)
    certificates = with_suspension(certificates_visible_to(user)).order_by("-issued_on", "number", "-version")
    workshops = Workshop.objects.filter(
        pk__in=certificates.order_by().values("accreditation__nomination__workshop")
    ).order_by("-start_date")
    certificate_filter = CertificateFilter(
        request.GET or None, queryset=certificates, workshops=workshops, secretariat=secretariat
    )
    page = Paginator(certificate_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    selected_workshop = certificate_filter.form.cleaned_data.get("workshop") if certificate_filter.is_bound else None
    return render(
        request,
        "accreditation/certificates/certificate_list.html",
        {
            "filter": certificate_filter,
            "page": page,
            "secretariat": secretariat,
            "selected_workshop": selected_workshop if secretariat else None,
            "RenderState": RenderState,
        },
    )


@login_required
@require_GET
def certificate_detail(request, pk):
    certificate = _certificate(request, pk)
    versions = certificates_visible_to(request.user).filter(number=certificate.number).order_by("-version")
    return render(
        request,
        "accreditation/certificates/certificate_detail.html",
        {
            "certificate": certificate,
            "versions": versions,
            "expert_type_label": expert_type_label(certificate.accreditation.expert_type),
            "secretariat": is_secretariat(request.user),
            "suspension": current_suspension(certificate.accreditation_id),
            "RenderState": RenderState,
            "Validity": Validity,
        },
    )


@login_required
@require_GET
def certificate_download(request, pk):
    """The PDF, from private storage, to those who may see the certificate."""
    certificate = _certificate(request, pk)
    if certificate.render_state != RenderState.RENDERED or not certificate.pdf:
        raise Http404(_("The PDF of this certificate is not ready."))
    name = certificate_file_name(certificate).rsplit("/", 1)[-1]
    response = FileResponse(
        certificate.pdf.storage.open(certificate.pdf.name, "rb"),
        as_attachment=True,
        filename=name,
        content_type="application/pdf",
    )
    return private_download(response)


@login_required
@require_http_methods(["GET", "POST"])
def certificate_revoke(request, pk):
    certificate = _certificate(request, pk)
    _require_secretariat(request.user)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.certificate_revoke(actor=request.user, certificate=certificate, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The certificate is revoked. Verification now shows it as revoked."))
            return redirect("accreditation:certificate_detail", pk=certificate.pk)
    return render(
        request,
        "accreditation/certificates/certificate_revoke.html",
        {"certificate": certificate, "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def certificate_reissue(request, pk):
    certificate = _certificate(request, pk)
    _require_secretariat(request.user)
    form = ReissueForm(request.POST or None, initial={"language": certificate.language})
    if request.method == "POST" and form.is_valid():
        try:
            new = services.certificate_reissue(
                actor=request.user,
                certificate=certificate,
                reason=form.cleaned_data["reason"],
                language=form.cleaned_data["language"],
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Version %(version)s is issued; the expert is e-mailed the link. Its PDF is being rendered.")
                % {"version": new.version},
            )
            return redirect("accreditation:certificate_detail", pk=new.pk)
    return render(
        request,
        "accreditation/certificates/certificate_reissue.html",
        {"certificate": certificate, "form": form},
    )


@login_required
@require_POST
def certificate_retry(request, pk):
    certificate = _certificate(request, pk)
    _require_secretariat(request.user)
    try:
        services.certificate_render_retry(actor=request.user, certificate=certificate)
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The certificate %(number)s is queued for rendering.") % {"number": certificate})
    if request.POST.get("back") == "list":
        return redirect("accreditation:certificate_list")
    return redirect("accreditation:certificate_detail", pk=certificate.pk)


@login_required
@require_POST
def workshop_rerender(request, workshop_id):
    _require_secretariat(request.user)
    workshop = get_object_or_404(Workshop, pk=workshop_id)
    try:
        job = services.certificates_rerender_workshop(actor=request.user, workshop=workshop)
    except DomainError as error:
        messages.error(request, _error_text(error))
        return redirect(reverse("accreditation:certificate_list") + f"?workshop={workshop.pk}")
    return redirect(job)


@login_required
@require_GET
def bulk_job(request, pk):
    """The progress of a re-render; htmx polls the progress fragment until it is done."""
    _require_secretariat(request.user)
    job = get_object_or_404(BulkJob.objects.select_related("workshop"), pk=pk)
    context = {"job": job, "processed": job.done + job.failed}
    if request.headers.get("HX-Request"):
        return render(request, "accreditation/certificates/_bulk_progress.html", context)
    return render(request, "accreditation/certificates/bulk_job.html", context)


def _verify_throttled(request) -> bool:
    """Count the address's verifications in the current minute (shared cache)."""
    return over_limit("verify", client_address(request), limit=settings.VERIFY_RATE_LIMIT, window=60)


def _wants_json(request) -> bool:
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def _verification(certificate: Certificate, today) -> dict:
    """What the public may know about a certificate: status, name, programme,
    expert type, number and dates; never the revocation reason."""
    status = certificate.validity
    if status == Validity.VALID and certificate.valid_until < today:
        status = Validity.EXPIRED
    suspension = current_suspension(certificate.accreditation_id, today=today) if status == Validity.VALID else None
    if suspension is not None:
        status = SUSPENDED
    accreditation = certificate.accreditation
    official = accreditation.official
    data = {
        "status": status,
        "number": certificate.number,
        "version": certificate.version,
        "name": official.name_latin,
        "name_native": official.name_native,
        "name_native_lang": official.name_native_lang,
        "programme": accreditation.programme.name,
        "expert_type": accreditation.expert_type,
        "expert_type_label": str(expert_type_label(accreditation.expert_type)),
        "issued_on": certificate.issued_on,
        "valid_until": certificate.valid_until,
    }
    if status == Validity.REVOKED:
        data["revoked_on"] = certificate.revoked_on
    if suspension is not None:
        data["suspended_until"] = suspension.ends_on
    if certificate.credential:
        data["credential"] = settings.PUBLIC_BASE_URL + reverse(
            "accreditation:verify_credential", args=[certificate.verification_code]
        )
    if status == Validity.SUPERSEDED:
        newer = (
            Certificate.objects.filter(number=certificate.number, version__gt=certificate.version)
            .order_by("-version")
            .first()
        )
        if newer is not None:
            data["superseded_by"] = {"number": newer.number, "version": newer.version, "url": newer.get_verify_url()}
    return data


def status_label(status: str) -> str:
    return _("Suspended") if status == SUSPENDED else Validity(status).label


def _no_store(response):
    patch_vary_headers(response, ["Accept"])
    patch_cache_control(response, no_cache=True, max_age=0)
    return response


@require_GET
def verify(request, code):
    """Public verification of a certificate by its code: no login, throttled
    per address, JSON when the request asks for application/json."""
    wants_json = _wants_json(request)
    if _verify_throttled(request):
        if wants_json:
            response = JsonResponse({"error": "too_many_requests"}, status=429)
        else:
            response = render(request, "accreditation/certificates/verify_throttled.html", status=429)
        response["Retry-After"] = "60"
        return _no_store(response)
    certificate = (
        Certificate.objects.select_related("accreditation__official", "accreditation__programme")
        .filter(verification_code=code)
        .first()
    )
    if certificate is None:
        if wants_json:
            return _no_store(JsonResponse({"error": "not_found"}, status=404))
        return _no_store(render(request, "accreditation/certificates/verify_not_found.html", status=404))
    data = _verification(certificate, timezone.localdate())
    if wants_json:
        return _no_store(JsonResponse(data, json_dumps_params={"ensure_ascii": False}))
    return _no_store(
        render(
            request,
            "accreditation/certificates/verify.html",
            {"v": data, "status_label": status_label(data["status"]), "Validity": Validity, "SUSPENDED": SUSPENDED},
        )
    )


@login_required
@require_GET
def roster_list(request):
    """The pool of accredited experts, for the Secretariat planning missions."""
    _require_secretariat(request.user)
    form = RosterFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    accreditations = not_suspended(
        roster(programme=filters.get("programme"), region=filters.get("region"), language=filters.get("language", ""))
    ).select_related("official__roster_profile")
    page = Paginator(accreditations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accreditation/certificates/roster_list.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def roster_profile(request):
    """An accredited expert keeps their roster entry current."""
    official = official_of(request.user)
    if official is None:
        raise PermissionDenied(_("Only an expert has a roster profile."))
    profile = RosterProfile.objects.filter(official=official).first()
    accredited = roster().filter(official=official).filter(phase_two_released()).exists()
    initial = {"availability": profile.availability, "biography": profile.biography} if profile else {}
    form = RosterProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.roster_profile_update(actor=request.user, official=official, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your roster profile is saved."))
            return redirect("accreditation:roster_profile")
    return render(
        request,
        "accreditation/certificates/roster_profile.html",
        {"form": form, "official": official, "profile": profile, "accredited": accredited},
    )
