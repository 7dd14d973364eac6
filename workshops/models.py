"""Programmes and their rubric; workshops with their rubric snapshot, exercises,
curriculum, quotas, nominations, assessor assignments and declared conflicts."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from candidates.models import Administration, Official
from toa_portal.text import fold

from .enums import (
    Attendance,
    Combination,
    ExpertType,
    NominationStatus,
    PrescreeningOutcome,
    WorkshopLanguage,
    WorkshopStatus,
)

PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class RubricFields(models.Model):
    """The scalar part of a rubric, shared by a programme and a workshop's snapshot."""

    scale_min = models.PositiveSmallIntegerField(_("lowest score"), default=1)
    scale_max = models.PositiveSmallIntegerField(_("highest score"), default=5)
    combination = models.CharField(
        _("combination of assessors"), max_length=8, choices=Combination.choices, default=Combination.MEAN
    )
    tolerance = models.DecimalField(
        _("tolerance between assessors"), max_digits=5, decimal_places=2, default=Decimal("1")
    )
    pass_threshold = models.DecimalField(
        _("pass threshold (% of the scale maximum)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("60"),
        validators=PERCENT,
    )
    min_assessors = models.PositiveSmallIntegerField(
        _("eligible assessors needed per candidate"),
        default=2,
        validators=[MinValueValidator(1)],
        help_text=_("A decision needs this many eligible assessors' scores in every cell."),
    )

    class Meta:
        abstract = True
        constraints = []


def _rubric_constraints(prefix):
    return [
        models.CheckConstraint(condition=models.Q(scale_max__gt=models.F("scale_min")), name=f"{prefix}_scale_order"),
        models.CheckConstraint(condition=models.Q(tolerance__gte=0), name=f"{prefix}_tolerance_non_negative"),
        models.CheckConstraint(condition=models.Q(min_assessors__gte=1), name=f"{prefix}_min_assessors_positive"),
        models.CheckConstraint(
            condition=models.Q(pass_threshold__gte=0, pass_threshold__lte=100), name=f"{prefix}_threshold_percent"
        ),
    ]


class Programme(RubricFields):
    """A thematic accreditation programme (IPR, PCA, AEO…) and its rules."""

    code = models.SlugField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=200)
    expert_type = models.CharField(_("expert type"), max_length=8, choices=ExpertType.choices, default=ExpertType.TOA)
    has_prescreening = models.BooleanField(_("pre-screening phase before the workshop"), default=False)
    certificate_prefix = models.CharField(_("certificate number prefix"), max_length=12)
    certificate_validity_months = models.PositiveSmallIntegerField(_("certificate validity (months)"), default=48)
    field_pass_threshold = models.DecimalField(
        _("Phase Two pass threshold (%)"), max_digits=5, decimal_places=2, default=Decimal("60"), validators=PERCENT
    )
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code", "expert_type"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.UniqueConstraint(fields=["code", "expert_type"], name="programme_unique_code_type"),
            *_rubric_constraints("programme"),
        ]

    def __str__(self):
        return f"{self.name} ({self.expert_type})"


class CriterionFields(models.Model):
    code = models.CharField(_("code"), max_length=8)
    name = models.CharField(_("name"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    minimum = models.DecimalField(_("minimum"), max_digits=5, decimal_places=2, null=True, blank=True)
    critical = models.BooleanField(
        _("critical"), default=False, help_text=_("Must reach its minimum in every exercise that assesses it.")
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["order", "code"]

    def __str__(self):
        return f"{self.code} — {self.name}"


class ProgrammeCriterion(CriterionFields):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="criteria")

    class Meta(CriterionFields.Meta):
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="programme_criterion_unique_code"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="programme_criterion_weight_positive"),
        ]


class ProgrammeExercise(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="exercises")
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    criteria = models.ManyToManyField(ProgrammeCriterion, verbose_name=_("criteria assessed"), related_name="exercises")

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("exercise")
        verbose_name_plural = _("exercises")
        constraints = [models.UniqueConstraint(fields=["programme", "code"], name="programme_exercise_unique_code")]

    def __str__(self):
        return self.name


class ProgrammeGradeBand(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="grade_bands")
    name = models.CharField(_("grade"), max_length=40)
    min_percent = models.DecimalField(_("from (%)"), max_digits=5, decimal_places=2, validators=PERCENT)

    class Meta:
        ordering = ["-min_percent"]
        verbose_name = _("grade band")
        verbose_name_plural = _("grade bands")
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="programme_grade_unique_name"),
            models.CheckConstraint(
                condition=models.Q(min_percent__gte=0, min_percent__lte=100), name="programme_grade_percent"
            ),
        ]

    def __str__(self):
        return f"{self.name} ≥ {self.min_percent}%"


class FieldCriterion(CriterionFields):
    """A Phase Two (field evaluation) criterion of a programme."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="field_criteria")

    class Meta(CriterionFields.Meta):
        verbose_name = _("Phase Two criterion")
        verbose_name_plural = _("Phase Two criteria")
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="field_criterion_unique_code"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="field_criterion_weight_positive"),
        ]


SEARCHED_FIELDS = {"title", "city", "venue"}


def workshop_search_key(title: str, city: str, venue: str) -> str:
    """The folded text the workshop search looks into."""
    return fold(" ".join((title or "", city or "", venue or "")))


class Workshop(RubricFields):
    """A Phase One workshop. Its rubric fields, its criteria, exercises and
    grade bands, and its Phase Two rubric (field criteria and threshold) are a
    snapshot of the programme's taken at creation."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="workshops"
    )
    title = models.CharField(_("title"), max_length=250)
    venue = models.CharField(_("venue"), max_length=250, blank=True)
    city = models.CharField(_("city"), max_length=120)
    host_administration = models.ForeignKey(
        Administration, verbose_name=_("host administration"), on_delete=models.PROTECT, related_name="hosted_workshops"
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    language = models.CharField(_("language"), max_length=2, choices=WorkshopLanguage.choices, default="en")
    funder = models.CharField(_("funder"), max_length=120, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=14)
    nomination_deadline = models.DateTimeField(_("nomination deadline"))
    timezone = models.CharField(_("time zone of the deadline"), max_length=64, default="UTC")
    default_quota = models.PositiveSmallIntegerField(
        _("nominations per administration"), null=True, blank=True, help_text=_("Empty: no limit.")
    )
    status = models.CharField(_("status"), max_length=16, choices=WorkshopStatus.choices, default=WorkshopStatus.DRAFT)
    field_pass_threshold = models.DecimalField(
        _("Phase Two pass threshold (%)"), max_digits=5, decimal_places=2, default=Decimal("60"), validators=PERCENT
    )
    created = models.DateTimeField(auto_now_add=True)
    # Title, city and venue folded (case and accents ignored) and kept on every save,
    # so the workshop search is one query in the database, on SQLite and PostgreSQL.
    search_key = models.TextField(editable=False, blank=True, default="")

    class Meta:
        ordering = ["-start_date", "title"]
        verbose_name = _("workshop")
        verbose_name_plural = _("workshops")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")), name="workshop_dates_order"
            ),
            models.CheckConstraint(condition=models.Q(capacity__gt=0), name="workshop_capacity_positive"),
            *_rubric_constraints("workshop"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.search_key = workshop_search_key(self.title, self.city, self.venue)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and SEARCHED_FIELDS & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "search_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("workshops:workshop_detail", args=[self.pk])


class WorkshopCriterion(CriterionFields):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="criteria")

    class Meta(CriterionFields.Meta):
        verbose_name = _("workshop criterion")
        verbose_name_plural = _("workshop criteria")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "code"], name="workshop_criterion_unique_code"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="workshop_criterion_weight_positive"),
        ]


class WorkshopExercise(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="exercises")
    code = models.CharField(_("code"), max_length=16)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    criteria = models.ManyToManyField(WorkshopCriterion, verbose_name=_("criteria assessed"), related_name="exercises")

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("workshop exercise")
        verbose_name_plural = _("workshop exercises")
        constraints = [models.UniqueConstraint(fields=["workshop", "code"], name="workshop_exercise_unique_code")]

    def __str__(self):
        return self.name


class WorkshopGradeBand(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="grade_bands")
    name = models.CharField(_("grade"), max_length=40)
    min_percent = models.DecimalField(_("from (%)"), max_digits=5, decimal_places=2, validators=PERCENT)

    class Meta:
        ordering = ["-min_percent"]
        verbose_name = _("workshop grade band")
        verbose_name_plural = _("workshop grade bands")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "name"], name="workshop_grade_unique_name"),
        ]

    def __str__(self):
        return f"{self.name} ≥ {self.min_percent}%"


class WorkshopFieldCriterion(CriterionFields):
    """A Phase Two criterion of a workshop's snapshot: field evaluations of its
    candidates are scored against it, whatever the programme becomes."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="field_criteria")

    class Meta(CriterionFields.Meta):
        verbose_name = _("workshop Phase Two criterion")
        verbose_name_plural = _("workshop Phase Two criteria")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "code"], name="workshop_field_criterion_unique_code"),
            models.CheckConstraint(condition=models.Q(weight__gt=0), name="workshop_field_criterion_weight_positive"),
        ]


class WorkshopQuota(models.Model):
    """The most nominations one administration may submit to a workshop."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="quotas")
    administration = models.ForeignKey(Administration, on_delete=models.PROTECT, related_name="+")
    limit = models.PositiveSmallIntegerField(_("nominations allowed"))

    class Meta:
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "administration"], name="quota_unique_per_administration"),
        ]

    def __str__(self):
        return f"{self.administration}: {self.limit}"


class CurriculumModule(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="curriculum")
    title = models.CharField(_("module"), max_length=250)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("curriculum module")
        verbose_name_plural = _("curriculum")

    def __str__(self):
        return self.title


class AssessorAssignment(models.Model):
    """A facilitator assigned to assess a workshop's candidates."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="assignments")
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessor_assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["workshop", "assessor__username"]
        verbose_name = _("assessor assignment")
        verbose_name_plural = _("assessor assignments")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "assessor"], name="assignment_unique_assessor"),
        ]

    def __str__(self):
        return f"{self.assessor} @ {self.workshop}"


class DeclaredConflict(models.Model):
    """An assessor (or field evaluator) declared conflicted for one official."""

    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="declared_conflicts")
    official = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="declared_conflicts")
    reason = models.TextField(_("reason"))
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("declared conflict")
        verbose_name_plural = _("declared conflicts")
        constraints = [
            models.UniqueConstraint(fields=["assessor", "official"], name="conflict_unique_pair"),
        ]

    def __str__(self):
        return f"{self.assessor} ✕ {self.official}"


def cv_upload_to(instance, filename):
    # Generated name: the uploaded file name is never used on disk.
    import uuid

    return f"cv/{uuid.uuid4().hex}"


class Nomination(models.Model):
    """An official nominated to a workshop by their administration."""

    workshop = models.ForeignKey(
        Workshop, verbose_name=_("workshop"), on_delete=models.PROTECT, related_name="nominations"
    )
    official = models.ForeignKey(
        Official, verbose_name=_("official"), on_delete=models.PROTECT, related_name="nominations"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=NominationStatus.choices, default=NominationStatus.SUBMITTED, db_index=True
    )
    letter_reference = models.CharField(_("nomination letter reference"), max_length=120)
    nominating_officer = models.CharField(_("nominating officer"), max_length=200)
    nomination_date = models.DateField(_("date of the nomination letter"))
    cv = models.FileField(_("CV"), upload_to=cv_upload_to, blank=True)
    cv_name = models.CharField(max_length=255, blank=True)
    # The type the CV's bytes proved on upload; the download is served as this
    # type under a generated name, never under the uploader's file name.
    cv_content_type = models.CharField(max_length=100, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True)
    prescreening = models.CharField(
        _("pre-screening"), max_length=16, choices=PrescreeningOutcome.choices, default=PrescreeningOutcome.NOT_REQUIRED
    )
    attendance = models.CharField(
        _("attendance"), max_length=16, choices=Attendance.choices, default=Attendance.UNKNOWN
    )

    class Meta:
        ordering = ["workshop", "official__name_latin"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        constraints = [
            models.UniqueConstraint(fields=["workshop", "official"], name="nomination_unique_official_workshop"),
        ]

    def __str__(self):
        return f"{self.official} — {self.workshop}"

    def get_absolute_url(self):
        return reverse("workshops:nomination_detail", args=[self.pk])
