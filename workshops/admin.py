"""Back office for programmes (with their rubric), workshops (with their
rubric snapshot, curriculum, quotas and assessors) and nominations.

A workshop is created through workshop_create, so its rubric snapshot is
taken; assessors are assigned and removed through the services; nominations
change state only through admin actions that call the services.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from toa_portal.admin import SecretariatAdmin, WorkflowAdmin, checked_by_service, reason_action, service_action

from . import services
from .enums import Attendance, WorkshopStatus
from .models import (
    AssessorAssignment,
    CurriculumModule,
    DeclaredConflict,
    FieldCriterion,
    Nomination,
    Programme,
    ProgrammeCriterion,
    ProgrammeExercise,
    ProgrammeGradeBand,
    Workshop,
    WorkshopCriterion,
    WorkshopExercise,
    WorkshopFieldCriterion,
    WorkshopGradeBand,
    WorkshopQuota,
)


def _limit_criteria(formset, queryset):
    """Offer an exercise only the criteria of its own programme or workshop."""
    field = formset.form.base_fields["criteria"]
    field.queryset = queryset
    field.widget = forms.CheckboxSelectMultiple()
    field.widget.choices = field.choices
    return formset


# Programmes and their rubric ----------------------------------------------------------------


class ProgrammeCriterionInline(admin.TabularInline):
    model = ProgrammeCriterion
    extra = 0
    fields = ["order", "code", "name", "weight", "minimum", "critical"]


class ProgrammeExerciseInline(admin.TabularInline):
    model = ProgrammeExercise
    extra = 0
    fields = ["order", "code", "name", "criteria"]
    verbose_name_plural = _("exercises (save new criteria first, then tick the criteria each exercise assesses)")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        queryset = ProgrammeCriterion.objects.filter(programme=obj) if obj else ProgrammeCriterion.objects.none()
        return _limit_criteria(formset, queryset)


class ProgrammeGradeBandInline(admin.TabularInline):
    model = ProgrammeGradeBand
    extra = 0


class FieldCriterionInline(admin.TabularInline):
    model = FieldCriterion
    extra = 0
    fields = ["order", "code", "name", "weight", "minimum", "critical"]


@admin.register(Programme)
class ProgrammeAdmin(SecretariatAdmin):
    list_display = ["name", "code", "expert_type", "has_prescreening", "pass_threshold", "certificate_prefix", "active"]
    list_filter = ["expert_type", "has_prescreening", "active", "combination"]
    search_fields = ["name", "code", "certificate_prefix", "description"]
    inlines = [ProgrammeCriterionInline, ProgrammeExerciseInline, ProgrammeGradeBandInline, FieldCriterionInline]
    fieldsets = [
        (None, {"fields": ["code", "name", "expert_type", "description", "active", "has_prescreening"]}),
        (
            _("Phase One rubric (copied into each new workshop; editing it never re-grades a past workshop)"),
            {"fields": ["scale_min", "scale_max", "combination", "tolerance", "pass_threshold", "min_assessors"]},
        ),
        (
            _("Phase Two and certificates"),
            {"fields": ["field_pass_threshold", "certificate_prefix", "certificate_validity_months"]},
        ),
    ]


# Workshops --------------------------------------------------------------------------------------


def workshop_scored(workshop) -> bool:
    """Once a score exists, the workshop's rubric snapshot is frozen."""
    return workshop is not None and workshop.pk is not None and services.workshop_scored(workshop)


class SnapshotFormSet(forms.BaseInlineFormSet):
    """Saved through workshop_snapshot_update (refused after the first score, audited)."""

    def clean(self):
        super().clean()
        frozen = (
            services.workshop_field_scored(self.instance)
            if self.model is WorkshopFieldCriterion
            else services.workshop_scored(self.instance)
        )
        if frozen and self.has_changed():
            raise ValidationError(_("A score exists for this workshop: its rubric snapshot is frozen."))


class SnapshotInline(admin.TabularInline):
    """Part of the workshop's rubric snapshot: editable until the first score."""

    extra = 0
    formset = SnapshotFormSet

    def _frozen(self, obj):
        if obj is None or obj.pk is None:
            return False
        if self.model is WorkshopFieldCriterion:
            return services.workshop_field_scored(obj)
        return services.workshop_scored(obj)

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


class WorkshopCriterionInline(SnapshotInline):
    model = WorkshopCriterion
    fields = ["order", "code", "name", "weight", "minimum", "critical"]


class WorkshopExerciseInline(SnapshotInline):
    model = WorkshopExercise
    fields = ["order", "code", "name", "criteria"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        if "criteria" not in formset.form.base_fields:
            return formset
        queryset = WorkshopCriterion.objects.filter(workshop=obj) if obj else WorkshopCriterion.objects.none()
        return _limit_criteria(formset, queryset)


class WorkshopGradeBandInline(SnapshotInline):
    model = WorkshopGradeBand


class WorkshopFieldCriterionInline(SnapshotInline):
    model = WorkshopFieldCriterion
    fields = ["order", "code", "name", "weight", "minimum"]


class CurriculumModuleInline(admin.TabularInline):
    model = CurriculumModule
    extra = 0
    fields = ["order", "title"]


class WorkshopQuotaInline(admin.TabularInline):
    model = WorkshopQuota
    extra = 0
    autocomplete_fields = ["administration"]


class AssessorAssignmentFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            assignment = form.instance
            if assignment.pk and self.instance.nominations.filter(scores__assessor_id=assignment.assessor_id).exists():
                raise ValidationError(
                    _("%(assessor)s has already entered scores and cannot be removed.")
                    % {"assessor": assignment.assessor}
                )


class AssessorAssignmentInline(admin.TabularInline):
    """Saved through assessor_assign / assessor_unassign (conflict check, audit)."""

    model = AssessorAssignment
    formset = AssessorAssignmentFormSet
    fk_name = "workshop"
    extra = 0
    fields = ["assessor", "assigned_by", "assigned_at"]
    readonly_fields = ["assigned_by", "assigned_at"]
    autocomplete_fields = ["assessor"]

    def has_change_permission(self, request, obj=None):
        return False


def _confirmed_with_warning(request, call):
    """In the back office a change that leaves candidates below the minimum of
    eligible assessors goes ahead (the form was already confirmed by saving it),
    with a warning naming them; the audit entry names them too."""
    try:
        return call(False)
    except services.ConfirmationNeeded as needed:
        result = call(True)
        messages.warning(request, " ".join(needed.messages))
        return result


def _status_action(status, description):
    return service_action(
        description=description,
        call=lambda request, workshop: services.workshop_set_status(
            actor=request.user, workshop=workshop, status=status
        ),
        done_message=_("%(count)s workshop(s) updated."),
    )


class WorkshopAddForm(forms.ModelForm):
    class Meta:
        model = Workshop
        fields = ["programme", *services.WORKSHOP_EDITABLE_FIELDS]


@admin.register(Workshop)
class WorkshopAdmin(SecretariatAdmin):
    list_display = ["title", "programme", "city", "start_date", "end_date", "status", "capacity", "nomination_deadline"]
    list_filter = ["status", "programme", "language", "host_administration__region", "start_date"]
    search_fields = ["title", "city", "venue", "funder", "host_administration__name"]
    date_hierarchy = "start_date"
    list_select_related = ["programme"]
    autocomplete_fields = ["host_administration"]
    add_form = WorkshopAddForm
    rubric_fields = ["scale_min", "scale_max", "combination", "tolerance", "pass_threshold", "min_assessors"]
    fieldsets = [
        (None, {"fields": ["programme", "title", "status", "language", "funder", "created"]}),
        (_("Place and dates"), {"fields": ["venue", "city", "host_administration", "start_date", "end_date"]}),
        (_("Nominations"), {"fields": ["capacity", "nomination_deadline", "timezone", "default_quota"]}),
        (_("Rubric snapshot (frozen once the first score is entered)"), {"fields": rubric_fields}),
        (_("Phase Two rubric (frozen once the first field score is entered)"), {"fields": ["field_pass_threshold"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["programme", "title", "language", "funder"]}),
        (_("Place and dates"), {"fields": ["venue", "city", "host_administration", "start_date", "end_date"]}),
        (_("Nominations"), {"fields": ["capacity", "nomination_deadline", "timezone", "default_quota"]}),
    ]
    snapshot_inlines = [
        WorkshopCriterionInline,
        WorkshopExerciseInline,
        WorkshopGradeBandInline,
        WorkshopFieldCriterionInline,
    ]
    inlines = [CurriculumModuleInline, WorkshopQuotaInline, AssessorAssignmentInline, *snapshot_inlines]

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_inlines(self, request, obj):
        # A new workshop takes its rubric from the programme (the snapshot).
        if obj is None:
            return [i for i in self.inlines if i not in self.snapshot_inlines]
        return self.inlines

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        fields = ["programme", "status", "created"]
        if workshop_scored(obj):
            fields += self.rubric_fields
        if services.workshop_field_scored(obj):
            fields += ["field_pass_threshold"]
        return fields

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            return form
        return checked_by_service(form, lambda form: self._update(request, obj, form))

    def _update(self, request, workshop, form):
        """The practical details go through workshop_update, the rubric snapshot
        through workshop_snapshot_update (their rules, their audit)."""
        workshop = services.workshop_update(
            actor=request.user,
            workshop=workshop,
            fields={
                name: form.cleaned_data[name] for name in form.changed_data if name in services.WORKSHOP_EDITABLE_FIELDS
            },
        )
        rubric = [name for name in form.changed_data if name in [*self.rubric_fields, "field_pass_threshold"]]
        if rubric:
            # Correcting the snapshot is possible until the first score only (read-only after).
            workshop = services.workshop_snapshot_update(
                actor=request.user, workshop=workshop, fields={name: form.cleaned_data[name] for name in rubric}
            )
        return workshop

    def save_model(self, request, obj, form, change):
        if change:
            self._update(request, obj, form)
            return
        data = dict(form.cleaned_data)
        created = services.workshop_create(actor=request.user, programme=data.pop("programme"), **data)
        # The admin goes on with `obj` (inlines, messages, redirect): make it the created row.
        obj.__dict__.update({k: v for k, v in created.__dict__.items() if k != "_state"})
        obj._state.adding = False
        obj._state.db = created._state.db

    def save_formset(self, request, form, formset, change):
        if formset.model in services.SNAPSHOT_ROWS:
            rows = formset.save(commit=False)
            exercise_criteria = [
                (row_form.instance, list(row_form.cleaned_data["criteria"]))
                for row_form in formset.forms
                if formset.model is WorkshopExercise
                and row_form not in formset.deleted_forms
                and "criteria" in row_form.changed_data
            ]
            services.workshop_snapshot_update(
                actor=request.user,
                workshop=form.instance,
                save=rows,
                delete=formset.deleted_objects,
                exercise_criteria=exercise_criteria,
            )
            return None
        if formset.model is not AssessorAssignment:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)
        workshop = form.instance
        for assignment in formset.deleted_objects:
            _confirmed_with_warning(
                request,
                lambda confirm, a=assignment: services.assessor_unassign(
                    actor=request.user, workshop=workshop, assessor=a.assessor, confirm=confirm
                ),
            )
        for assignment in formset.new_objects:
            _confirmed_with_warning(
                request,
                lambda confirm, a=assignment: services.assessor_assign(
                    actor=request.user, workshop=workshop, assessor=a.assessor, confirm=confirm
                ),
            )

    open_nominations = _status_action(WorkshopStatus.OPEN, _("Open for nominations"))
    close_nominations = _status_action(WorkshopStatus.CLOSED, _("Close nominations"))
    start = _status_action(WorkshopStatus.IN_PROGRESS, _("Start (in progress)"))
    complete = _status_action(WorkshopStatus.COMPLETED, _("Mark completed"))
    cancel = reason_action(
        name="cancel",
        description=_("Cancel the workshop"),
        call=lambda request, workshop, reason: services.workshop_set_status(
            actor=request.user, workshop=workshop, status=WorkshopStatus.CANCELLED, reason=reason
        ),
        done_message=_("%(count)s workshop(s) cancelled."),
    )
    actions = ["open_nominations", "close_nominations", "start", "complete", "cancel"]


# Nominations and conflicts ------------------------------------------------------------------------


def _nomination_action(function, description, done_message, **extra):
    return service_action(
        description=description,
        call=lambda request, nomination: function(actor=request.user, nomination=nomination, **extra),
        done_message=done_message,
    )


@admin.register(Nomination)
class NominationAdmin(WorkflowAdmin):
    list_display = [
        "official",
        "administration",
        "workshop",
        "status",
        "prescreening",
        "attendance",
        "nomination_date",
        "submitted_at",
    ]
    list_filter = [
        "status",
        "prescreening",
        "attendance",
        "workshop",
        "official__administration__region",
        "official__administration",
    ]
    search_fields = [
        "official__name_latin",
        "official__name_native",
        "official__name_key",
        "official__email",
        "letter_reference",
        "workshop__title",
    ]
    list_select_related = ["official__administration", "workshop"]
    fields = [
        "workshop",
        "official",
        "status",
        "letter_reference",
        "nominating_officer",
        "nomination_date",
        "cv",
        "submitted_by",
        "submitted_at",
        "decided_at",
        "decision_reason",
        "prescreening",
        "attendance",
    ]
    readonly_fields = fields

    @admin.display(description=_("administration"), ordering="official__administration__name")
    def administration(self, nomination):
        return nomination.official.administration

    @admin.display(description=_("CV"))
    def cv(self, nomination):
        # Streamed by the permission-checked portal view, never from a public URL.
        if not nomination.cv:
            return "—"
        url = reverse("workshops:nomination_cv", args=[nomination.pk])
        return format_html('<a href="{}">{}</a>', url, nomination.cv_name or _("download"))

    accept = _nomination_action(services.nomination_accept, _("Accept"), _("%(count)s nomination(s) accepted."))
    waitlist = _nomination_action(
        services.nomination_waitlist, _("Put on the waiting list"), _("%(count)s nomination(s) waitlisted.")
    )
    decline = reason_action(
        name="decline",
        description=_("Decline (with a reason sent to the focal point)"),
        call=lambda request, nomination, reason: services.nomination_decline(
            actor=request.user, nomination=nomination, reason=reason
        ),
        done_message=_("%(count)s nomination(s) declined."),
        help_text=_("The reason is sent to the administration's focal points and to the official."),
    )
    prescreen_pass = _nomination_action(
        services.nomination_prescreen,
        _("Pre-screening: passed"),
        _("%(count)s pre-screening(s) recorded."),
        passed=True,
    )
    prescreen_fail = _nomination_action(
        services.nomination_prescreen,
        _("Pre-screening: not passed"),
        _("%(count)s pre-screening(s) recorded."),
        passed=False,
    )
    mark_attended = _nomination_action(
        services.nomination_attendance,
        _("Attendance: attended"),
        _("%(count)s attendance(s) recorded."),
        attendance=Attendance.ATTENDED,
    )
    mark_no_show = _nomination_action(
        services.nomination_attendance,
        _("Attendance: did not attend"),
        _("%(count)s attendance(s) recorded."),
        attendance=Attendance.NO_SHOW,
    )
    actions = [
        "accept",
        "waitlist",
        "decline",
        "prescreen_pass",
        "prescreen_fail",
        "mark_attended",
        "mark_no_show",
    ]


@admin.register(DeclaredConflict)
class DeclaredConflictAdmin(WorkflowAdmin):
    """Declared through conflict_declare (audited); never changed or deleted."""

    list_display = ["assessor", "official", "reason", "declared_by", "declared_at"]
    list_filter = ["official__administration", "declared_at"]
    search_fields = ["assessor__username", "official__name_latin", "official__name_key", "reason"]
    list_select_related = ["assessor", "official", "declared_by"]
    autocomplete_fields = ["assessor", "official"]
    fields = ["assessor", "official", "reason", "declared_by", "declared_at"]

    def has_add_permission(self, request):
        return self.has_secretariat_permission(request)

    def get_readonly_fields(self, request, obj=None):
        return ["declared_by", "declared_at"] if obj is None else self.fields

    def save_model(self, request, obj, form, change):
        conflict = _confirmed_with_warning(
            request,
            lambda confirm: services.conflict_declare(
                actor=request.user, assessor=obj.assessor, official=obj.official, reason=obj.reason, confirm=confirm
            ),
        )
        obj.pk = conflict.pk
        obj._state.adding = False
