from django.db import models
from django.utils.translation import gettext_lazy as _


class Phase(models.TextChoices):
    ONE = "one", _("Phase One — workshop")
    TWO = "two", _("Phase Two — field evaluation")


class Outcome(models.TextChoices):
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Not passed")
    NOT_ASSESSABLE = "not_assessable", _("Not assessable")


class SheetStatus(models.TextChoices):
    OPEN = "open", _("Open")
    SUBMITTED = "submitted", _("Submitted")


class MissionType(models.TextChoices):
    NATIONAL_TRAINING = "national_training", _("National training")
    REGIONAL_WORKSHOP = "regional_workshop", _("Regional workshop")
    DIAGNOSTIC = "diagnostic", _("Diagnostic mission")
    ADVISORY = "advisory", _("Advisory mission")


class MissionRole(models.TextChoices):
    CO_FACILITATOR = "co_facilitator", _("Co-facilitator")
    LEAD = "lead", _("Lead facilitator")


class Recommendation(models.TextChoices):
    PENDING = "pending", _("Not yet given")
    ACCREDIT = "accredit", _("Recommend accreditation")
    NOT_ACCREDIT = "not_accredit", _("Do not recommend")


class AccreditationStatus(models.TextChoices):
    PRE_ACCREDITED = "pre_accredited", _("Pre-accredited")
    ACCREDITED = "accredited", _("Accredited")
    NOT_ACCREDITED = "not_accredited", _("Not accredited")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


CURRENT_ACCREDITATION = (AccreditationStatus.PRE_ACCREDITED, AccreditationStatus.ACCREDITED)


class RenderState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RENDERING = "rendering", _("Rendering")
    RENDERED = "rendered", _("Rendered")
    FAILED = "failed", _("Failed")


class Validity(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")
    SUPERSEDED = "superseded", _("Superseded")
    EXPIRED = "expired", _("Expired")


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available for missions")
    LIMITED = "limited", _("Limited availability")
    UNAVAILABLE = "unavailable", _("Not available")


# Grade names the programmes use, translated; a grade the Secretariat names otherwise shows as written.
GRADE_LABELS = {"Distinction": _("Distinction"), "Merit": _("Merit"), "Pass": _("Pass")}


def grade_label(name: str) -> str:
    """A grade in the reader's language (Merit → Mérite)."""
    return GRADE_LABELS.get(name, name) if name else name
