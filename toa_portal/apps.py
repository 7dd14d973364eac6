from django.apps import AppConfig


class ToaPortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "toa_portal"
    verbose_name = "TOA Portal"
