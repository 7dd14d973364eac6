"""People and administrations: regions, member administrations, focal points,
officials (the candidates) and every user's home administration."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from toa_portal.text import fold

from .enums import AdministrationKind, PortalLanguage


class Region(models.Model):
    code = models.SlugField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    regional_office = models.CharField(_("Regional Office for Capacity Building"), max_length=120, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name


class Administration(models.Model):
    """A WCO member: a customs administration of a state or of a customs territory."""

    code = models.CharField(_("ISO alpha-3 code"), max_length=3, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=AdministrationKind.choices, default=AdministrationKind.STATE
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="administrations"
    )
    is_member = models.BooleanField(_("WCO member"), default=True)
    # The name folded (case and accents ignored), kept on every save for the workshop search.
    name_key = models.CharField(max_length=200, editable=False, blank=True, default="")

    class Meta:
        ordering = ["name"]
        verbose_name = _("administration")
        verbose_name_plural = _("administrations")
        constraints = [
            models.CheckConstraint(condition=models.Q(code__regex=r"^[A-Z]{3}$"), name="administration_code_iso3"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = fold(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_key"}
        super().save(*args, **kwargs)


class UserProfile(models.Model):
    """What the portal knows about any account: its home administration (used for
    conflicts of interest) and the language it reads e-mails in."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    home_administration = models.ForeignKey(
        Administration,
        verbose_name=_("home administration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=2, choices=PortalLanguage.choices, default=PortalLanguage.EN)

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self):
        return str(self.user)


class FocalPoint(models.Model):
    """An official of one administration who nominates its officials. Handing
    over deactivates the old row and creates a new one: history stays."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="focal_points")
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="focal_points")
    active = models.BooleanField(_("active"), default=True)
    since = models.DateTimeField(_("since"), auto_now_add=True)
    until = models.DateTimeField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["administration__name", "-since"]
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "administration"],
                condition=models.Q(active=True),
                name="focal_point_one_active_per_user_administration",
            ),
        ]

    def __str__(self):
        return f"{self.user} — {self.administration}"


class Official(models.Model):
    """A person an administration nominates: the candidate, later the expert."""

    administration = models.ForeignKey(
        Administration, verbose_name=_("administration"), on_delete=models.PROTECT, related_name="officials"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="official"
    )
    name_latin = models.CharField(_("name (Latin script, as in the passport)"), max_length=200)
    name_native = models.CharField(_("name in native script"), max_length=200, blank=True)
    name_native_lang = models.CharField(
        _("language of the native name"),
        max_length=16,
        blank=True,
        help_text=_("BCP 47 tag, for example ja, zh-Hans, zh-Hant, km, bn, si, ur."),
    )
    email = models.EmailField(_("e-mail"))
    position = models.CharField(_("position"), max_length=200, blank=True)
    languages = models.CharField(_("working languages"), max_length=200, blank=True, help_text=_("Comma-separated."))
    years_experience = models.PositiveSmallIntegerField(_("years of customs experience"), null=True, blank=True)
    preferred_language = models.CharField(
        _("correspondence language"), max_length=2, choices=PortalLanguage.choices, default=PortalLanguage.EN
    )
    name_key = models.CharField(max_length=200, editable=False, db_index=True)
    # The native-script name folded the same way, so searching "山田" or "nguyễn" is one query.
    name_native_key = models.CharField(max_length=200, editable=False, blank=True, db_index=True)
    email_key = models.CharField(max_length=254, editable=False, db_index=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name_latin"]
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        constraints = [
            models.CheckConstraint(condition=~models.Q(name_latin=""), name="official_name_not_empty"),
        ]

    def __str__(self):
        return self.name_latin

    def save(self, *args, **kwargs):
        self.name_key = fold(self.name_latin)
        self.name_native_key = fold(self.name_native)
        self.email_key = (self.email or "").strip().casefold()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = set(kwargs["update_fields"]) | {"name_key", "name_native_key", "email_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("candidates:official_detail", args=[self.pk])
