"""Accounts, officials and administrations. Thin views: form, permission, one service."""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from toa_portal.errors import DomainError
from toa_portal.models import AuditEntry
from toa_portal.throttle import client_address, over_limit

from . import selectors, services
from .auth import account_failures_clear
from .forms import HandoverForm, InviteForm, QueuedPasswordResetForm, ReasonForm, SearchForm
from .models import Administration
from .rules import is_secretariat

PAGE_SIZE = 50


def secretariat_required(view):
    """Anonymous users go to the login page; logged-in users who are not Secretariat get 403."""

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_secretariat(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def locked_out(request):
    """Shown by django-axes after too many failed logins (and reachable directly)."""
    return render(request, "registration/locked_out.html", status=200)


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a password reset link: at most PASSWORD_RESETS_PER_ADDRESS
    requests an hour from one address and PASSWORD_RESETS_PER_ACCOUNT for one
    e-mail. Beyond either, the answer is the same page as always (nothing
    tells whether the address has an account or was throttled), and nothing is
    sent."""

    form_class = QueuedPasswordResetForm

    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().casefold()
        # Both counters count every request, whichever one stops it.
        flooded_address = over_limit(
            "reset-address", client_address(self.request), limit=settings.PASSWORD_RESETS_PER_ADDRESS, window=3600
        )
        flooded_account = over_limit("reset-account", email, limit=settings.PASSWORD_RESETS_PER_ACCOUNT, window=3600)
        if flooded_address or flooded_account:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Set a new password from an e-mailed link; the account's failed
    sign-ins are forgotten, so a locked-out person gets back in this way."""

    def form_valid(self, form):
        response = super().form_valid(form)
        account_failures_clear(form.user.get_username())
        return response


class InvitationAcceptView(PasswordResetConfirmView):
    """An invited person sets their first password through the e-mailed link."""

    template_name = "registration/invitation_accept.html"
    success_url = reverse_lazy("candidates:invitation_done")
    title = gettext_lazy("Set your password")


class InvitationDoneView(auth_views.PasswordResetCompleteView):
    template_name = "registration/invitation_done.html"
    title = gettext_lazy("Your password is set")


@login_required
def official_list(request):
    form = SearchForm(request.GET or None)
    officials = selectors.officials_visible_to(request.user)
    if form.is_valid():
        officials = selectors.officials_search(officials, form.cleaned_data["q"])
    page = Paginator(officials, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "candidates/official_list.html", {"form": form, "page": page})


@login_required
def official_detail(request, pk):
    official = get_object_or_404(selectors.officials_visible_to(request.user), pk=pk)
    history = (
        AuditEntry.objects.filter(official_id=official.pk).select_related("actor").prefetch_related("actor__groups")
    )
    if not is_secretariat(request.user):
        # Focal points and the expert see the nomination workflow, never scores or drafts.
        history = history.filter(action__startswith="nomination.")
    nominations = official.nominations.select_related("workshop", "workshop__programme").order_by(
        "-workshop__start_date"
    )
    return render(
        request,
        "candidates/official_detail.html",
        {"official": official, "nominations": nominations, "history": history[:200]},
    )


@secretariat_required
def official_duplicates(request):
    return render(request, "candidates/official_duplicates.html", {"groups": selectors.duplicate_officials()})


@secretariat_required
def account_list(request):
    form = SearchForm(request.GET or None)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    page = Paginator(selectors.accounts_list(text), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "candidates/account_list.html", {"form": form, "page": page, "reason_form": ReasonForm()})


@secretariat_required
def account_invite(request):
    form = InviteForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.account_invite(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(email)s has been invited by e-mail.") % {"email": user.email})
            return redirect("candidates:account_list")
    return render(request, "candidates/account_invite.html", {"form": form})


def _account_action(request, pk, action, done_message):
    user = get_object_or_404(get_user_model(), pk=pk)
    try:
        action(user)
    except DomainError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done_message % {"user": user.get_username()})
    return redirect("candidates:account_list")


@require_POST
@secretariat_required
def account_deactivate(request, pk):
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _account_action(
        request,
        pk,
        lambda user: services.account_deactivate(actor=request.user, user=user, reason=reason),
        _("%(user)s can no longer log in."),
    )


@require_POST
@secretariat_required
def account_reactivate(request, pk):
    return _account_action(
        request,
        pk,
        lambda user: services.account_reactivate(actor=request.user, user=user),
        _("%(user)s can log in again."),
    )


@require_POST
@secretariat_required
def account_resend(request, pk):
    return _account_action(
        request,
        pk,
        lambda user: services.account_resend_invitation(actor=request.user, user=user),
        _("The invitation has been sent again to %(user)s."),
    )


@secretariat_required
def administration_list(request):
    form = SearchForm(request.GET or None)
    administrations = selectors.administrations_with_focal_points()
    if form.is_valid() and form.cleaned_data["q"]:
        text = form.cleaned_data["q"]
        administrations = administrations.filter(name__icontains=text) | administrations.filter(code__iexact=text)
    page = Paginator(administrations, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "candidates/administration_list.html", {"form": form, "page": page})


@secretariat_required
def administration_handover(request, pk):
    administration = get_object_or_404(Administration, pk=pk)
    form = HandoverForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        try:
            focal_point = services.focal_point_handover(
                actor=request.user, administration=administration, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(user)s is now the focal point of %(administration)s.")
                % {"user": focal_point.user.get_username(), "administration": administration.name},
            )
            return redirect("candidates:administration_list")
    current = administration.focal_points.filter(active=True).select_related("user")
    return render(
        request,
        "candidates/administration_handover.html",
        {"form": form, "administration": administration, "current": current},
    )
