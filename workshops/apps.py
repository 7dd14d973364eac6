from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkshopsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "workshops"
    verbose_name = _("Programmes and workshops")

    def ready(self):
        from . import signals  # noqa: F401  (conflicts that appear when an account is linked to an official)
