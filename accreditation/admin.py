"""Back office for assessment and accreditation records.

Everything here is a workflow record: read-only, changed only by admin actions
that call the services (reopen a sheet, decide, release, issue, revoke,
re-issue). A Phase Two mission is opened through field_evaluation_assign.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from toa_portal.admin import (
    ReadOnlyInline,
    SecretariatAdmin,
    WorkflowAdmin,
    checked_by_service,
    reason_action,
    service_action,
)
from toa_portal.models import AuditEntry
from workshops.admin import NominationAdmin as WorkshopNominationAdmin
from workshops.admin import WorkshopAdmin as BaseWorkshopAdmin
from workshops.models import Nomination, Workshop

from . import services
from .enums import Phase
from .models import (
    Accreditation,
    BulkJob,
    Certificate,
    CertificateCounter,
    Decision,
    EvidenceFile,
    FieldEvaluation,
    FieldScore,
    ModeratedScore,
    PhaseOneScore,
    RosterProfile,
    ScoreSheet,
)
from .selectors import audit_entries_visible_to, phase_one_scores_visible_to

# Decisions reached from the nominations and workshops lists --------------------------------------

admin.site.unregister(Nomination)


@admin.register(Nomination)
class NominationAdmin(WorkshopNominationAdmin):
    decide_phase_one = service_action(
        description=_("Record the Phase One decision (from the pass rule)"),
        call=lambda request, nomination: services.phase_one_decide(actor=request.user, nomination=nomination),
        done_message=_("%(count)s Phase One decision(s) recorded (not yet released)."),
    )
    decide_phase_two = service_action(
        description=_("Record the Phase Two decision (from the field evaluation)"),
        call=lambda request, nomination: services.phase_two_decide(actor=request.user, nomination=nomination),
        done_message=_("%(count)s Phase Two decision(s) recorded (not yet released)."),
    )
    actions = [*WorkshopNominationAdmin.actions, "decide_phase_one", "decide_phase_two"]


admin.site.unregister(Workshop)


@admin.register(Workshop)
class WorkshopAdmin(BaseWorkshopAdmin):
    decide_all = service_action(
        description=_("Record every decidable Phase One decision"),
        call=lambda request, workshop: services.phase_one_decide_workshop(actor=request.user, workshop=workshop),
        done_message=_("Phase One decisions recorded for %(count)s workshop(s)."),
    )
    release_phase_one = service_action(
        description=_("Release the Phase One decisions"),
        call=lambda request, workshop: services.decisions_release_workshop(
            actor=request.user, workshop=workshop, phase=Phase.ONE
        ),
        done_message=_("Phase One decisions released for %(count)s workshop(s)."),
    )
    actions = [*BaseWorkshopAdmin.actions, "decide_all", "release_phase_one"]


# Phase One ---------------------------------------------------------------------------------------


@admin.register(ScoreSheet)
class ScoreSheetAdmin(WorkflowAdmin):
    list_display = ["exercise", "workshop", "assessor", "status", "submitted_at"]
    list_filter = ["status", "workshop", ("assessor", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["workshop__title", "exercise__name", "assessor__username"]
    list_select_related = ["exercise", "workshop", "assessor"]
    readonly_fields = ["workshop", "exercise", "assessor", "status", "submitted_at"]

    reopen = reason_action(
        name="reopen",
        description=_("Reopen the sheet (with a reason)"),
        call=lambda request, sheet, reason: services.score_sheet_reopen(actor=request.user, sheet=sheet, reason=reason),
        done_message=_("%(count)s sheet(s) reopened."),
        help_text=_("The exercise becomes blind again until the assessor resubmits the sheet."),
    )
    actions = ["reopen"]


@admin.register(PhaseOneScore)
class PhaseOneScoreAdmin(WorkflowAdmin):
    list_display = ["candidate", "workshop", "exercise", "criterion", "assessor", "value", "version", "updated_at"]
    list_filter = [
        "nomination__workshop",
        "exercise__name",
        "criterion__code",
        ("assessor", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["nomination__official__name_latin", "nomination__official__name_key", "assessor__username"]
    list_select_related = ["nomination__official", "nomination__workshop", "exercise", "criterion", "assessor"]
    readonly_fields = [
        "nomination",
        "assessor",
        "exercise",
        "criterion",
        "value",
        "comment",
        "version",
        "updated_at",
    ]

    def get_queryset(self, request):
        # Blind double scoring holds in the back office too.
        return phase_one_scores_visible_to(request.user).select_related(*self.list_select_related)

    @admin.display(description=_("candidate"), ordering="nomination__official__name_latin")
    def candidate(self, score):
        return score.nomination.official

    @admin.display(description=_("workshop"), ordering="nomination__workshop__start_date")
    def workshop(self, score):
        return score.nomination.workshop


@admin.register(ModeratedScore)
class ModeratedScoreAdmin(WorkflowAdmin):
    list_display = ["nomination", "exercise", "criterion", "value", "moderated_by", "moderated_at"]
    list_filter = ["nomination__workshop", ("moderated_by", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["nomination__official__name_latin", "note"]
    list_select_related = ["nomination__official", "nomination__workshop", "exercise", "criterion", "moderated_by"]
    readonly_fields = ["nomination", "exercise", "criterion", "value", "note", "moderated_by", "moderated_at"]


@admin.register(Decision)
class DecisionAdmin(WorkflowAdmin):
    list_display = ["nomination", "phase", "outcome", "grade", "score_percent", "decided_at", "released"]
    list_filter = ["phase", "outcome", "released", "grade", "nomination__workshop"]
    search_fields = ["nomination__official__name_latin", "nomination__official__name_key", "note", "feedback"]
    list_select_related = ["nomination__official", "nomination__workshop"]
    readonly_fields = [
        "nomination",
        "phase",
        "outcome",
        "grade",
        "score_percent",
        "explanation",
        "feedback",
        "note",
        "decided_by",
        "decided_at",
        "released",
        "released_at",
        "released_by",
        "corrects",
        "correction_reason",
    ]

    release = service_action(
        description=_("Release to the focal point and the expert"),
        call=lambda request, decision: services.decision_release(actor=request.user, decision=decision),
        done_message=_("%(count)s decision(s) released."),
    )
    actions = ["release"]


# Phase Two ---------------------------------------------------------------------------------------


class FieldScoreInline(ReadOnlyInline, admin.TabularInline):
    model = FieldScore
    fields = ["criterion", "value", "version"]


class EvidenceFileInline(ReadOnlyInline, admin.TabularInline):
    model = EvidenceFile
    fields = ["original_name", "content_type", "uploaded_by", "uploaded_at"]


@admin.register(FieldEvaluation)
class FieldEvaluationAdmin(WorkflowAdmin):
    """Opened through field_evaluation_assign (a Phase One pass is required, the
    evaluator's conflicts are checked); scored by the evaluator in the portal."""

    list_display = ["nomination", "evaluator", "mission_place", "mission_start", "recommendation", "submitted_at"]
    list_filter = ["recommendation", "mission_type", "role", ("evaluator", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["nomination__official__name_latin", "mission_place", "evaluator__username"]
    list_select_related = ["nomination__official", "nomination__workshop", "evaluator"]
    autocomplete_fields = ["nomination", "evaluator"]
    inlines = [FieldScoreInline, EvidenceFileInline]
    fields = [
        "nomination",
        "evaluator",
        "mission_place",
        "mission_start",
        "mission_end",
        "mission_type",
        "role",
        "narrative",
        "recommendation",
        "submitted_at",
        "assigned_at",
    ]

    def has_add_permission(self, request):
        return self.has_secretariat_permission(request)

    def get_readonly_fields(self, request, obj=None):
        return ["narrative", "recommendation", "submitted_at", "assigned_at"] if obj is None else self.fields

    def get_inlines(self, request, obj):
        return [] if obj is None else self.inlines

    def save_model(self, request, obj, form, change):
        evaluation = self._assign(request, form)
        obj.pk = evaluation.pk
        obj._state.adding = False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            return checked_by_service(form, lambda form: self._assign(request, form))
        return form

    def _assign(self, request, form):
        return services.field_evaluation_assign(
            actor=request.user, **{name: form.cleaned_data[name] for name in form.fields}
        )


@admin.register(FieldScore)
class FieldScoreAdmin(WorkflowAdmin):
    list_display = ["evaluation", "criterion", "value", "version"]
    list_filter = ["criterion__code", "evaluation__nomination__workshop"]
    search_fields = ["evaluation__nomination__official__name_latin"]
    list_select_related = ["evaluation__nomination__official", "criterion"]
    readonly_fields = ["evaluation", "criterion", "value", "version"]


@admin.register(EvidenceFile)
class EvidenceFileAdmin(WorkflowAdmin):
    list_display = ["original_name", "evaluation", "content_type", "uploaded_by", "uploaded_at"]
    list_filter = ["content_type", "uploaded_at"]
    search_fields = ["original_name", "evaluation__nomination__official__name_latin"]
    list_select_related = ["evaluation__nomination__official", "uploaded_by"]
    readonly_fields = ["evaluation", "file_link", "content_type", "uploaded_by", "uploaded_at"]
    fields = readonly_fields

    @admin.display(description=_("file"))
    def file_link(self, evidence):
        # Streamed by the permission-checked portal view, never from a public URL.
        url = reverse("accreditation:field_evidence_download", args=[evidence.pk])
        return format_html('<a href="{}">{}</a>', url, evidence.original_name)


# Accreditations and certificates -----------------------------------------------------------------


class CertificateInline(ReadOnlyInline, admin.TabularInline):
    model = Certificate
    fields = ["number", "version", "issued_on", "valid_until", "validity", "render_state"]
    show_change_link = True


@admin.register(Accreditation)
class AccreditationAdmin(WorkflowAdmin):
    list_display = [
        "official",
        "programme",
        "expert_type",
        "status",
        "pre_accredited_on",
        "accredited_on",
        "valid_until",
        "availability",
    ]
    list_filter = ["status", "programme", "expert_type", "availability", "official__administration__region"]
    search_fields = ["official__name_latin", "official__name_key", "official__administration__name"]
    list_select_related = ["official", "programme"]
    readonly_fields = [
        "official",
        "programme",
        "expert_type",
        "nomination",
        "status",
        "pre_accredited_on",
        "accredited_on",
        "valid_until",
        "ended_on",
        "end_reason",
        "availability",
    ]
    inlines = [CertificateInline]

    issue_certificate = service_action(
        description=_("Issue the certificate (granted accreditations without one)"),
        call=lambda request, accreditation: services.certificate_issue(actor=request.user, accreditation=accreditation),
        done_message=_("%(count)s certificate(s) issued or already present."),
    )
    actions = ["issue_certificate"]


@admin.register(Certificate)
class CertificateAdmin(WorkflowAdmin):
    list_display = ["number", "version", "holder", "issued_on", "valid_until", "validity", "render_state"]
    list_filter = ["validity", "render_state", "language", "accreditation__programme", "issued_on"]
    search_fields = ["number", "verification_code", "accreditation__official__name_latin"]
    list_select_related = ["accreditation__official"]
    readonly_fields = [
        "accreditation",
        "number",
        "version",
        "verification_code",
        "links",
        "issued_on",
        "valid_until",
        "language",
        "validity",
        "revoked_on",
        "revoked_reason",
        "render_state",
        "render_error",
        "render_started_at",
        "rendered_at",
        "render_count",
        "expiry_reminder_sent",
        "created",
    ]
    fields = readonly_fields

    @admin.display(description=_("holder"), ordering="accreditation__official__name_latin")
    def holder(self, certificate):
        return certificate.accreditation.official

    @admin.display(description=_("PDF and verification"))
    def links(self, certificate):
        # The PDF is streamed by the permission-checked portal view, never from a public URL.
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("accreditation:certificate_download", args=[certificate.pk]),
            _("PDF"),
            certificate.get_verify_url(),
            _("public verification page"),
        )

    revoke = reason_action(
        name="revoke",
        description=_("Revoke (with a reason)"),
        call=lambda request, certificate, reason: services.certificate_revoke(
            actor=request.user, certificate=certificate, reason=reason
        ),
        done_message=_("%(count)s certificate(s) revoked."),
        help_text=_("The accreditation ends; public verification shows the certificate as revoked."),
    )
    reissue = reason_action(
        name="reissue",
        description=_("Re-issue as a new version (with a reason)"),
        call=lambda request, certificate, reason: services.certificate_reissue(
            actor=request.user, certificate=certificate, reason=reason
        ),
        done_message=_("%(count)s certificate(s) re-issued."),
        help_text=_("Same number, next version, new verification code; the current version becomes superseded."),
    )
    actions = ["revoke", "reissue"]


@admin.register(CertificateCounter)
class CertificateCounterAdmin(WorkflowAdmin):
    list_display = ["programme", "expert_type", "year", "last"]
    list_filter = ["programme", "expert_type", "year"]
    search_fields = ["programme__code", "programme__name"]
    list_select_related = ["programme"]
    readonly_fields = ["programme", "expert_type", "year", "last"]


@admin.register(RosterProfile)
class RosterProfileAdmin(SecretariatAdmin):
    list_display = ["official", "availability", "missions_served", "updated"]
    list_filter = ["availability", "official__administration__region"]
    search_fields = ["official__name_latin", "official__name_key", "biography"]
    list_select_related = ["official"]
    autocomplete_fields = ["official"]


@admin.register(BulkJob)
class BulkJobAdmin(WorkflowAdmin):
    list_display = ["kind", "workshop", "total", "done", "failed", "created", "finished_at"]
    list_filter = ["kind", "created"]
    search_fields = ["kind", "workshop__title"]
    list_select_related = ["workshop"]
    readonly_fields = ["kind", "workshop", "total", "done", "failed", "started_by", "created", "finished_at"]


@admin.register(AuditEntry)
class AuditEntryAdmin(WorkflowAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_repr", "reason"]
    list_filter = ["action", "object_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["object_repr", "object_id", "reason", "actor__username", "action"]
    date_hierarchy = "at"
    list_select_related = ["actor"]
    readonly_fields = [
        "at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "before",
        "after",
        "reason",
        "workshop_id",
        "official_id",
    ]

    def get_queryset(self, request):
        return audit_entries_visible_to(request.user).select_related("actor")
