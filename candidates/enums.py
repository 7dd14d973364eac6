from django.db import models
from django.utils.translation import gettext_lazy as _


class AdministrationKind(models.TextChoices):
    STATE = "state", _("State")
    TERRITORY = "territory", _("Customs territory")


class PortalLanguage(models.TextChoices):
    EN = "en", _("English")
    FR = "fr", _("French")


SECRETARIAT_GROUP = "Secretariat"
