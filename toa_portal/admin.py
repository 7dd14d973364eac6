"""The back office (Django admin) for Secretariat staff, and the audit trail.

Reference data (regions, administrations, programmes…) is edited here directly.
Workflow records (nominations, scores, decisions, certificates, the audit trail)
are read-only: their changes go through admin actions that call the same
services as the portal, so the back office can never skip an audit entry, an
e-mail or a rule.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from candidates.rules import is_secretariat

from .errors import DomainError

admin.site.site_header = _("TOA Portal back office")
admin.site.site_title = _("TOA Portal back office")
admin.site.index_title = _("Secretariat")


class SecretariatAdmin(admin.ModelAdmin):
    """Members of the Secretariat group (with staff status) manage the back
    office; Django's per-model permissions are not needed on top of that."""

    def has_module_permission(self, request):
        return is_secretariat(request.user)

    def has_view_permission(self, request, obj=None):
        return is_secretariat(request.user)

    def has_add_permission(self, request):
        return is_secretariat(request.user)

    def has_change_permission(self, request, obj=None):
        return is_secretariat(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_secretariat(request.user)

    def has_secretariat_permission(self, request):
        """Used by the actions (`permissions=["secretariat"]`)."""
        return is_secretariat(request.user)


class WorkflowAdmin(SecretariatAdmin):
    """A workflow record: visible, never added, changed or deleted by hand.
    Its admin actions call the services."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline:
    """An inline that shows rows and never edits them."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def run_service(modeladmin, request, queryset, call: Callable, *, done_message: str) -> int:
    """Call a service once per selected object. A refusal (DomainError) is shown
    next to the object it concerns and does not stop the others."""
    done = 0
    for obj in queryset:
        try:
            call(obj)
        except DomainError as error:
            modeladmin.message_user(request, f"{obj}: {' '.join(error.messages)}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message % {"count": done}, messages.SUCCESS)
    return done


def service_action(*, description: str, call: Callable, done_message: str):
    """An admin action calling `call(request, obj)` for each selected object."""

    @admin.action(description=description, permissions=["secretariat"])
    def action(modeladmin, request, queryset):
        run_service(modeladmin, request, queryset, lambda obj: call(request, obj), done_message=done_message)

    return action


def checked_by_service(form_class, call: Callable):
    """A model form whose validation also runs `call(form)` in a savepoint that
    is always rolled back: the service's refusals appear as form errors instead
    of a failed save. save_model then calls the service for real."""

    class CheckedForm(form_class):
        def _post_clean(self):
            super()._post_clean()
            if self.errors:
                return
            try:
                with transaction.atomic():
                    call(self)
                    transaction.set_rollback(True)
            except DomainError as error:
                self.add_error(None, error)

    return CheckedForm


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 4, "cols": 60}))


def reason_action(*, name: str, description: str, call: Callable, done_message: str, help_text: str = ""):
    """An admin action that first asks for a reason on an intermediate page,
    then calls `call(request, obj, reason)` for each selected object."""

    @admin.action(description=description, permissions=["secretariat"])
    def action(modeladmin, request, queryset):
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            run_service(
                modeladmin, request, queryset, lambda obj: call(request, obj, reason), done_message=done_message
            )
            return None
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": description,
            "opts": modeladmin.model._meta,
            "queryset": queryset,
            "form": form,
            "action_name": name,
            "help_text": help_text,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/action_with_reason.html", context)

    action.__name__ = name
    return action
