"""Suspending a certificate's accreditation and lifting a suspension early (Secretariat)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from toa_portal.errors import DomainError

from .. import suspension as suspensions
from ..forms.certificates import LiftSuspensionForm, SuspendForm
from ..models import Suspension
from .certificates import _certificate, _require_secretariat


@login_required
@require_http_methods(["GET", "POST"])
def certificate_suspend(request, pk):
    certificate = _certificate(request, pk)
    _require_secretariat(request.user)
    form = SuspendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            suspensions.certificate_suspend(actor=request.user, certificate=certificate, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The certificate is suspended. Verification now shows it as suspended."))
            return redirect("accreditation:certificate_detail", pk=certificate.pk)
    return render(
        request, "accreditation/certificates/certificate_suspend.html", {"certificate": certificate, "form": form}
    )


@login_required
@require_http_methods(["GET", "POST"])
def suspension_lift(request, pk):
    certificate = _certificate(request, pk)
    _require_secretariat(request.user)
    suspension = get_object_or_404(Suspension, accreditation_id=certificate.accreditation_id, lifted_on__isnull=True)
    form = LiftSuspensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            suspensions.suspension_lift(actor=request.user, suspension=suspension, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The suspension is lifted. Verification now shows the certificate as valid."))
            return redirect("accreditation:certificate_detail", pk=certificate.pk)
    return render(
        request,
        "accreditation/certificates/suspension_lift.html",
        {"certificate": certificate, "suspension": suspension, "form": form},
    )
