from django.db import models
from django.utils.translation import gettext_lazy as _


class ExpertType(models.TextChoices):
    TOA = "TOA", _("Technical and Operational Advisor")
    CMA = "CMA", _("Customs Modernization Advisor")
    MPA = "MPA", _("Mercator Programme Advisor")
    DF = "DF", _("Diagnostic Facilitator")
    ET = "ET", _("Expert Trainer")
    LMD = "LMD", _("LMD Advisor")
    RE = "RE", _("Recognized Expert")


class Combination(models.TextChoices):
    MEAN = "mean", _("Mean")
    MEDIAN = "median", _("Median")


class WorkshopLanguage(models.TextChoices):
    EN = "en", _("English")
    FR = "fr", _("French")
    ES = "es", _("Spanish")
    RU = "ru", _("Russian")


class WorkshopStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for nominations")
    CLOSED = "closed", _("Nominations closed")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class NominationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    WAITLISTED = "waitlisted", _("Waiting list")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class PrescreeningOutcome(models.TextChoices):
    NOT_REQUIRED = "not_required", _("Not required")
    PENDING = "pending", _("Pending")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Not passed")


class Attendance(models.TextChoices):
    UNKNOWN = "unknown", _("Not recorded")
    CONFIRMED = "confirmed", _("Confirmed by the administration")
    ATTENDED = "attended", _("Attended")
    NO_SHOW = "no_show", _("Did not attend")


# Nomination transitions: the states each one may start from.
NOMINATION_TRANSITIONS = {
    NominationStatus.ACCEPTED: {NominationStatus.SUBMITTED, NominationStatus.WAITLISTED},
    NominationStatus.WAITLISTED: {NominationStatus.SUBMITTED},
    NominationStatus.DECLINED: {NominationStatus.SUBMITTED, NominationStatus.WAITLISTED, NominationStatus.ACCEPTED},
    NominationStatus.WITHDRAWN: {NominationStatus.SUBMITTED, NominationStatus.WAITLISTED},
}
