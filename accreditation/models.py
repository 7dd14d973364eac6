"""Phase One scores and sheets, moderation, Phase Two field evaluations,
decisions, accreditations, certificates and the roster profile."""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from candidates.models import Official
from workshops.models import (
    Nomination,
    Programme,
    Workshop,
    WorkshopCriterion,
    WorkshopExercise,
    WorkshopFieldCriterion,
)

from .enums import (
    CURRENT_ACCREDITATION,
    AccreditationStatus,
    Availability,
    MissionRole,
    MissionType,
    Outcome,
    Phase,
    Recommendation,
    RenderState,
    SheetStatus,
    Validity,
)


class ScoreSheet(models.Model):
    """One assessor's sheet for one exercise of a workshop. Submitted sheets are
    locked; the Secretariat may reopen one with a reason."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="score_sheets")
    exercise = models.ForeignKey(WorkshopExercise, on_delete=models.CASCADE, related_name="sheets")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="score_sheets")
    status = models.CharField(max_length=16, choices=SheetStatus.choices, default=SheetStatus.OPEN)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")
        constraints = [
            models.UniqueConstraint(fields=["exercise", "assessor"], name="sheet_unique_exercise_assessor"),
        ]

    def __str__(self):
        return f"{self.exercise} — {self.assessor}"


class PhaseOneScore(models.Model):
    """One assessor's score of one candidate on one criterion in one exercise."""

    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="scores")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="phase_one_scores")
    exercise = models.ForeignKey(WorkshopExercise, on_delete=models.PROTECT, related_name="scores")
    criterion = models.ForeignKey(WorkshopCriterion, on_delete=models.PROTECT, related_name="scores")
    value = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("private comment"), blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Phase One score")
        verbose_name_plural = _("Phase One scores")
        constraints = [
            models.UniqueConstraint(
                fields=["nomination", "assessor", "exercise", "criterion"], name="score_unique_per_cell"
            ),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="score_version_positive"),
        ]

    def __str__(self):
        return f"{self.nomination.official} {self.exercise.code}/{self.criterion.code} = {self.value}"


class ModeratedScore(models.Model):
    """The Secretariat's moderated value for a flagged (exercise, criterion) pair."""

    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="moderated_scores")
    exercise = models.ForeignKey(WorkshopExercise, on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey(WorkshopCriterion, on_delete=models.PROTECT, related_name="+")
    value = models.DecimalField(_("moderated score"), max_digits=5, decimal_places=2)
    note = models.TextField(_("moderation note"))
    moderated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    moderated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("moderated score")
        verbose_name_plural = _("moderated scores")
        constraints = [
            models.UniqueConstraint(fields=["nomination", "exercise", "criterion"], name="moderation_unique_pair"),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="moderation_value_non_negative"),
        ]

    def __str__(self):
        return f"{self.nomination.official} {self.exercise.code}/{self.criterion.code} → {self.value}"


class CurrentDecisions(models.Manager):
    """Decisions that stand: a decision replaced by a correction is kept (with
    its explanation) but no longer read as the decision of its phase."""

    def get_queryset(self):
        return super().get_queryset().filter(superseded_at__isnull=True)


class Decision(models.Model):
    """The Secretariat's decision on one phase for one nomination, with the
    explanation of the pass rule it was based on. Focal points and experts see
    it only once released. A decision is never edited: a correction records a
    new decision that replaces it (see services.decision_correct)."""

    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="decisions")
    phase = models.CharField(_("phase"), max_length=8, choices=Phase.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    grade = models.CharField(_("grade"), max_length=40, blank=True)
    score_percent = models.DecimalField(_("weighted score (%)"), max_digits=6, decimal_places=2, null=True, blank=True)
    explanation = models.JSONField(_("explanation"), default=dict)
    feedback = models.TextField(_("feedback for the candidate"), blank=True)
    note = models.TextField(_("internal note"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    released = models.BooleanField(_("released"), default=False)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrects = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrected_by",
        verbose_name=_("corrects the decision"),
    )
    correction_reason = models.TextField(_("reason for the correction"), blank=True)
    superseded_at = models.DateTimeField(_("replaced by a correction on"), null=True, blank=True)

    all_objects = models.Manager()
    objects = CurrentDecisions()

    class Meta:
        default_manager_name = "objects"
        ordering = ["nomination", "phase"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["nomination", "phase"],
                condition=models.Q(superseded_at__isnull=True),
                name="decision_unique_per_phase",
            ),
            models.CheckConstraint(
                condition=models.Q(released=False) | models.Q(released_at__isnull=False), name="decision_release_dated"
            ),
        ]

    def __str__(self):
        return f"{self.nomination.official} — {self.get_phase_display()}: {self.get_outcome_display()}"


def evidence_upload_to(instance, filename):
    return f"evidence/{uuid.uuid4().hex}"


class FieldEvaluation(models.Model):
    """Phase Two: a mission the pre-accredited expert delivers, evaluated by a
    qualified expert against the field criteria of the workshop's snapshot."""

    nomination = models.OneToOneField(Nomination, on_delete=models.PROTECT, related_name="field_evaluation")
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="field_evaluations")
    mission_place = models.CharField(_("mission place"), max_length=200)
    mission_start = models.DateField(_("mission start"))
    mission_end = models.DateField(_("mission end"))
    mission_type = models.CharField(_("mission type"), max_length=24, choices=MissionType.choices)
    role = models.CharField(_("role"), max_length=16, choices=MissionRole.choices)
    narrative = models.TextField(_("narrative"), blank=True)
    recommendation = models.CharField(
        _("recommendation"), max_length=16, choices=Recommendation.choices, default=Recommendation.PENDING
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("field evaluation")
        verbose_name_plural = _("field evaluations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(mission_end__gte=models.F("mission_start")), name="mission_dates_order"
            ),
        ]

    def __str__(self):
        return f"{self.nomination.official} — {self.mission_place}"


class FieldScore(models.Model):
    evaluation = models.ForeignKey(FieldEvaluation, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(WorkshopFieldCriterion, on_delete=models.PROTECT, related_name="scores")
    value = models.PositiveSmallIntegerField(_("score"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("field score")
        verbose_name_plural = _("field scores")
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "criterion"], name="field_score_unique"),
        ]

    def __str__(self):
        return f"{self.criterion.code} = {self.value}"


class EvidenceFile(models.Model):
    evaluation = models.ForeignKey(FieldEvaluation, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_upload_to)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self):
        return self.original_name


class Accreditation(models.Model):
    """An official's accreditation in a programme and expert type: created
    pre-accredited at the Phase One pass, accredited at the Phase Two pass."""

    official = models.ForeignKey(Official, on_delete=models.PROTECT, related_name="accreditations")
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="accreditations")
    expert_type = models.CharField(_("expert type"), max_length=8)
    nomination = models.OneToOneField(Nomination, on_delete=models.PROTECT, related_name="accreditation")
    status = models.CharField(_("status"), max_length=16, choices=AccreditationStatus.choices, db_index=True)
    pre_accredited_on = models.DateField(_("pre-accredited on"))
    accredited_on = models.DateField(_("accredited on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.TextField(blank=True)
    availability = models.CharField(
        _("availability"), max_length=16, choices=Availability.choices, default=Availability.AVAILABLE
    )

    class Meta:
        ordering = ["-accredited_on", "official__name_latin"]
        verbose_name = _("accreditation")
        verbose_name_plural = _("accreditations")
        constraints = [
            models.UniqueConstraint(
                fields=["official", "programme", "expert_type"],
                condition=models.Q(status__in=CURRENT_ACCREDITATION),
                name="accreditation_one_current",
            ),
        ]

    def __str__(self):
        return f"{self.official} — {self.programme.code.upper()} {self.expert_type} ({self.get_status_display()})"


class CertificateCounter(models.Model):
    """The last sequence number used per programme, expert type and year. Locked
    with SELECT … FOR UPDATE while a certificate is numbered: no gaps, no twins."""

    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="+")
    expert_type = models.CharField(max_length=8)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "expert_type", "year"], name="counter_unique"),
        ]

    def __str__(self):
        return f"{self.programme.certificate_prefix}-{self.expert_type}-{self.year}: {self.last}"


def certificate_upload_to(instance, filename):
    return f"certificates/{instance.number}-v{instance.version}-{uuid.uuid4().hex[:8]}.pdf"


def new_verification_code():
    import secrets

    return secrets.token_urlsafe(12)


class Certificate(models.Model):
    """One version of an accreditation's certificate. The rendering state (is
    the PDF there?) is kept apart from the validity (may it be trusted?)."""

    accreditation = models.ForeignKey(Accreditation, on_delete=models.PROTECT, related_name="certificates")
    version = models.PositiveSmallIntegerField(default=1)
    number = models.CharField(_("number"), max_length=40, db_index=True)
    verification_code = models.CharField(max_length=32, unique=True, default=new_verification_code)
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(_("valid until"))
    language = models.CharField(_("language"), max_length=2, default="en")
    render_state = models.CharField(max_length=16, choices=RenderState.choices, default=RenderState.QUEUED)
    render_error = models.TextField(blank=True)
    # When the current render was asked for: the sweep re-queues only requests
    # older than its grace period (their message was lost, or never published).
    render_queued_at = models.DateTimeField(null=True, blank=True)
    render_started_at = models.DateTimeField(null=True, blank=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    render_count = models.PositiveIntegerField(default=0)
    pdf = models.FileField(upload_to=certificate_upload_to, blank=True)
    validity = models.CharField(max_length=16, choices=Validity.choices, default=Validity.VALID)
    revoked_on = models.DateField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)
    expiry_reminder_sent = models.BooleanField(default=False)
    # The signed Open Badges credential of this version, exactly as served and
    # embedded in the PDF; signed once, before its first render.
    credential = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number", "-version"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["accreditation", "version"], name="certificate_unique_version"),
            models.UniqueConstraint(fields=["number", "version"], name="certificate_number_unique_version"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="certificate_version_positive"),
        ]

    def __str__(self):
        return f"{self.number} v{self.version}" if self.version > 1 else self.number

    def get_verify_url(self):
        return reverse("accreditation:verify", args=[self.verification_code])

    def get_public_verify_url(self):
        return settings.PUBLIC_BASE_URL + self.get_verify_url()


class Suspension(models.Model):
    """A temporary suspension of an accreditation (Secretariat, with a reason
    and an end date): while it runs, the current certificate is on the
    suspension status list and verification says suspended. It ends by itself
    after `ends_on`; the daily task records the lifting."""

    accreditation = models.ForeignKey(Accreditation, on_delete=models.PROTECT, related_name="suspensions")
    reason = models.TextField(_("reason"))
    starts_on = models.DateField(_("suspended from"))
    ends_on = models.DateField(_("suspended until"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="suspension_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["accreditation"], condition=models.Q(lifted_on__isnull=True), name="suspension_one_open"
            ),
        ]

    def __str__(self):
        return f"{self.accreditation} — {self.starts_on}–{self.ends_on}"


class CredentialKey(models.Model):
    """A public key the portal has signed credentials with (the private key
    stays in its file). The DID document lists them all, so credentials
    signed before a key rotation stay verifiable."""

    public_key_multibase = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("credential signing key")
        verbose_name_plural = _("credential signing keys")

    def __str__(self):
        return self.public_key_multibase


class RosterProfile(models.Model):
    """What an accredited expert keeps current for mission planners."""

    official = models.OneToOneField(Official, on_delete=models.CASCADE, related_name="roster_profile")
    availability = models.CharField(max_length=16, choices=Availability.choices, default=Availability.AVAILABLE)
    missions_served = models.PositiveSmallIntegerField(_("missions served"), default=0)
    biography = models.TextField(_("short biography"), blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("roster profile")
        verbose_name_plural = _("roster profiles")

    def __str__(self):
        return str(self.official)

    def get_absolute_url(self):
        return reverse("accreditation:roster")


class BulkJob(models.Model):
    """Progress of a long action (re-rendering a workshop's certificates),
    kept in the database so it works with eager tasks too."""

    kind = models.CharField(max_length=32)
    workshop = models.ForeignKey(Workshop, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"{self.kind} {self.done}/{self.total}"

    def get_absolute_url(self):
        return reverse("accreditation:bulk_job", args=[self.pk])

    @property
    def percent(self):
        return 100 if not self.total else round(100 * (self.done + self.failed) / self.total)
