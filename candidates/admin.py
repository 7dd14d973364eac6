"""Back office for people and administrations: reference data, focal points,
officials, and every account's home administration (inline on the user)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from toa_portal.admin import SecretariatAdmin

from .models import Administration, FocalPoint, Official, Region, UserProfile
from .rules import is_secretariat

User = get_user_model()


@admin.register(Region)
class RegionAdmin(SecretariatAdmin):
    list_display = ["name", "code", "regional_office", "order"]
    list_editable = ["order"]
    list_filter = ["regional_office"]
    search_fields = ["name", "code", "regional_office"]


@admin.register(Administration)
class AdministrationAdmin(SecretariatAdmin):
    list_display = ["name", "code", "kind", "region", "is_member"]
    list_filter = ["region", "kind", "is_member"]
    search_fields = ["name", "code"]
    list_select_related = ["region"]


@admin.register(FocalPoint)
class FocalPointAdmin(SecretariatAdmin):
    list_display = ["user", "administration", "active", "since", "until"]
    list_filter = ["active", "administration__region", "administration"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name", "administration__name"]
    autocomplete_fields = ["user", "administration"]
    list_select_related = ["user", "administration"]
    readonly_fields = ["since"]


@admin.register(Official)
class OfficialAdmin(SecretariatAdmin):
    list_display = ["name_latin", "name_native", "administration", "email", "position", "user"]
    list_filter = ["administration__region", "administration", "preferred_language"]
    search_fields = ["name_latin", "name_native", "name_key", "email", "administration__name", "user__username"]
    autocomplete_fields = ["administration", "user"]
    list_select_related = ["administration", "user"]
    readonly_fields = ["created"]
    fieldsets = [
        (None, {"fields": ["administration", "user"]}),
        (_("Name"), {"fields": ["name_latin", "name_native", "name_native_lang"]}),
        (
            _("Profile"),
            {"fields": ["email", "position", "languages", "years_experience", "preferred_language", "created"]},
        ),
    ]


class UserProfileInline(admin.StackedInline):
    model = UserProfile
    can_delete = False
    autocomplete_fields = ["home_administration"]
    verbose_name_plural = _("profile (home administration for conflicts of interest)")


admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    """The stock user admin, with the portal profile inline. Accounts are
    managed by superusers and the Secretariat alike."""

    inlines = [UserProfileInline]
    list_display = ["username", "email", "first_name", "last_name", "home_administration", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups", "profile__home_administration__region"]
    list_select_related = ["profile__home_administration"]

    @admin.display(description=_("home administration"), ordering="profile__home_administration__name")
    def home_administration(self, user):
        profile = getattr(user, "profile", None)
        return profile.home_administration if profile is not None else None

    def _secretariat(self, request):
        return is_secretariat(request.user)

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser hands out superuser status or raw permissions.
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += ["is_superuser", "user_permissions"]
        return fields

    def has_module_permission(self, request):
        return self._secretariat(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._secretariat(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self._secretariat(request) or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        if self._protected(request, obj):
            return False
        return self._secretariat(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if self._protected(request, obj):
            return False
        return self._secretariat(request) or super().has_delete_permission(request, obj)

    def _protected(self, request, obj):
        """A superuser's account (password included) is changed by superusers only."""
        return obj is not None and obj.is_superuser and not request.user.is_superuser
