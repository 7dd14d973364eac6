"""The portal's workshop and nomination pages, and the home dashboard.

Views are thin: a form parses the input, the object comes from a selector scoped
to the user (outside their reach: 404), the action is checked (forbidden: 403),
one service runs, and a refusal is shown next to the form, never as a 500.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from candidates.models import Administration
from candidates.rules import focal_administration_ids, is_secretariat, official_of
from candidates.services import official_create
from candidates.views import secretariat_required
from toa_portal.errors import DomainError
from toa_portal.models import AuditEntry
from toa_portal.uploads import EXTENSIONS, private_download, sniff

from . import services
from .enums import NominationStatus, PrescreeningOutcome, WorkshopStatus
from .filters import NominationFilter, WorkshopFilter
from .forms import (
    AssessorAssignForm,
    AttendanceForm,
    BulkDecisionForm,
    ConflictForm,
    DecisionForm,
    ExerciseFormSet,
    NominationForm,
    PrescreenForm,
    QuotaFormSet,
    ReasonForm,
    StatusForm,
    WorkshopForm,
)
from .models import AssessorAssignment, DeclaredConflict, Nomination
from .rules import assigned_workshop_ids
from .selectors import (
    eligible_assessor_map,
    nomination_counts,
    nominations_visible_to,
    places_left,
    workshops_visible_to,
)

PAGE_SIZE = 50
# Sections the accreditation app provides (released results); rendered only when they exist.
EXPERT_SUMMARY_TEMPLATE = "accreditation/expert_summary.html"
FOCAL_SUMMARY_TEMPLATE = "accreditation/focal_summary.html"
OPEN_STATUSES = [WorkshopStatus.DRAFT, WorkshopStatus.OPEN, WorkshopStatus.CLOSED, WorkshopStatus.IN_PROGRESS]


def _confirmed(request) -> bool:
    return request.POST.get("confirm") == "1"


def _confirmation_page(request, workshop, error: services.ConfirmationNeeded, back: str):
    """Ask the Secretariat to confirm a change that leaves candidates below the
    workshop's minimum of eligible assessors; the form posts the same data again."""
    fields = [
        (name, value)
        for name in request.POST
        if name not in ("csrfmiddlewaretoken", "confirm")
        for value in request.POST.getlist(name)
    ]
    context = {"workshop": workshop, "below": error.below, "fields": fields, "action": request.path, "back": back}
    return render(request, "workshops/confirm_below_minimum.html", context)


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _template_if_exists(name: str) -> str | None:
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return None
    return name


def _managed_workshop(request, pk):
    """A workshop the Secretariat acts on: 404 when out of reach, 403 when only visible."""
    workshop = get_object_or_404(workshops_visible_to(request.user), pk=pk)
    if not is_secretariat(request.user):
        raise PermissionDenied
    return workshop


def _focal_administrations(user):
    return Administration.objects.filter(pk__in=focal_administration_ids(user)).order_by("name")


def _is_owner_focal_point(user, nomination) -> bool:
    return nomination.official.administration_id in focal_administration_ids(user)


@login_required
def home(request):
    """One dashboard with a section for each role the user holds."""
    user = request.user
    context = {"now": timezone.now()}
    if is_secretariat(user):
        context["secretariat_workshops"] = (
            workshops_visible_to(user)
            .filter(status__in=OPEN_STATUSES)
            .annotate(
                pending=Count("nominations", filter=Q(nominations__status=NominationStatus.SUBMITTED)),
                accepted=Count("nominations", filter=Q(nominations__status=NominationStatus.ACCEPTED)),
            )
            .order_by("start_date")[:20]
        )
    if focal_administration_ids(user):
        context["focal_administrations"] = _focal_administrations(user)
        context["open_workshops"] = (
            workshops_visible_to(user)
            .filter(status=WorkshopStatus.OPEN, nomination_deadline__gt=timezone.now())
            .order_by("nomination_deadline")[:20]
        )
        context["focal_nominations"] = (
            nominations_visible_to(user)
            .filter(official__administration_id__in=focal_administration_ids(user))
            .order_by("-submitted_at")[:20]
        )
        context["focal_summary_template"] = _template_if_exists(FOCAL_SUMMARY_TEMPLATE)
    if assigned_workshop_ids(user):
        context["assessor_workshops"] = workshops_visible_to(user).filter(pk__in=assigned_workshop_ids(user))
    official = official_of(user)
    if official is not None:
        context["official"] = official
        context["expert_nominations"] = (
            Nomination.objects.filter(official=official).select_related("workshop").order_by("-workshop__start_date")
        )
        context["expert_summary_template"] = _template_if_exists(EXPERT_SUMMARY_TEMPLATE)
    return render(request, "home.html", context)


@login_required
def workshop_list(request):
    workshops = workshops_visible_to(request.user)
    if is_secretariat(request.user):
        workshops = workshops.annotate(
            nominated=Count("nominations", filter=~Q(nominations__status=NominationStatus.WITHDRAWN)),
            accepted=Count("nominations", filter=Q(nominations__status=NominationStatus.ACCEPTED)),
        )
    workshops = workshops.order_by("-start_date", "title", "pk")
    workshop_filter = WorkshopFilter(request.GET or None, queryset=workshops, request=request)
    page = Paginator(workshop_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workshops/workshop_list.html", {"filter": workshop_filter, "page": page})


def _quota_rows(workshop, counts):
    quotas = {q.administration_id: q.limit for q in workshop.quotas.all()}
    rows = []
    for row in counts["by_administration"]:
        admin_id = row["official__administration_id"]
        rows.append({**row, "quota": quotas.get(admin_id, workshop.default_quota)})
    return rows


def _workshop_context(request, workshop, **forms):
    user = request.user
    secretariat = is_secretariat(user)
    nominations = nominations_visible_to(user).filter(workshop=workshop).order_by("status", "official__name_latin")
    context = {
        "workshop": workshop,
        "nominations": nominations,
        "secretariat": secretariat,
        "deadline_passed": services.deadline_passed(workshop),
        "curriculum": workshop.curriculum.all(),
        "exercises": workshop.exercises.all(),
        "can_nominate": bool(focal_administration_ids(user)) and workshop.status == WorkshopStatus.OPEN,
    }
    if secretariat:
        counts = nomination_counts(workshop)
        eligible = eligible_assessor_map(workshop)
        context["nominations"] = nominations = list(nominations)
        for nomination in nominations:
            nomination.eligible_count = len(eligible.get(nomination.pk, []))
        context.update(
            counts=counts,
            nominated=sum(n for status, n in counts["by_status"].items() if status != NominationStatus.WITHDRAWN),
            quota_rows=_quota_rows(workshop, counts),
            assignments=list(workshop.assignments.select_related("assessor")),
            status_form=forms.get("status_form") or StatusForm(initial={"status": workshop.status}),
            bulk_form=forms.get("bulk_form") or BulkDecisionForm(workshop=workshop),
        )
    return context


@login_required
def workshop_detail(request, pk):
    workshop = get_object_or_404(workshops_visible_to(request.user), pk=pk)
    return render(request, "workshops/workshop_detail.html", _workshop_context(request, workshop))


def _save_workshop(request, form, quota_formset, exercise_formset, workshop=None):
    try:
        if workshop is None:
            return services.workshop_create(
                actor=request.user,
                programme=form.cleaned_data["programme"],
                curriculum=form.curriculum_titles(),
                status=form.cleaned_data["status"],
                **{k: v for k, v in form.workshop_fields().items() if k != "programme"},
            )
        return services.workshop_update(
            actor=request.user,
            workshop=workshop,
            fields=form.workshop_fields(),
            curriculum=form.curriculum_titles(),
            quotas=quota_formset.quotas(),
            exercises=exercise_formset.exercises() if exercise_formset is not None else None,
        )
    except ValidationError as error:
        if hasattr(error, "error_dict") and all(name in form.fields for name in error.error_dict):
            form.add_error(None, error)
        else:
            form.add_error(None, _error_text(error))
    return None


@secretariat_required
def workshop_create(request):
    form = WorkshopForm(request.POST or None)
    quota_formset = QuotaFormSet(request.POST or None, prefix="quota")
    if request.method == "POST" and form.is_valid() and quota_formset.is_valid():
        with transaction.atomic():
            workshop = _save_workshop(request, form, quota_formset, None)
            if workshop is not None and quota_formset.quotas():
                workshop = services.workshop_update(
                    actor=request.user, workshop=workshop, fields={}, quotas=quota_formset.quotas()
                )
        if workshop is not None:
            messages.success(request, _("The workshop has been created."))
            return redirect(workshop)
    return render(
        request, "workshops/workshop_form.html", {"form": form, "quota_formset": quota_formset, "workshop": None}
    )


@secretariat_required
def workshop_edit(request, pk):
    workshop = get_object_or_404(workshops_visible_to(request.user), pk=pk)
    exercises = list(workshop.exercises.all())
    data = request.POST or None
    form = WorkshopForm(data, instance=workshop, editing=True)
    quota_formset = QuotaFormSet(
        data,
        prefix="quota",
        initial=[{"administration": q.administration_id, "limit": q.limit} for q in workshop.quotas.all()],
    )
    exercise_formset = ExerciseFormSet(
        data,
        prefix="exercise",
        exercise_ids=[e.pk for e in exercises],
        initial=[{"id": e.pk, "name": e.name, "order": e.order} for e in exercises],
    )
    if request.method == "POST" and form.is_valid() and quota_formset.is_valid() and exercise_formset.is_valid():
        saved = _save_workshop(request, form, quota_formset, exercise_formset, workshop)
        if saved is not None:
            messages.success(request, _("The workshop has been saved."))
            return redirect(saved)
    return render(
        request,
        "workshops/workshop_form.html",
        {"form": form, "quota_formset": quota_formset, "exercise_formset": exercise_formset, "workshop": workshop},
    )


@login_required
@require_POST
def workshop_status(request, pk):
    workshop = _managed_workshop(request, pk)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.workshop_set_status(
                actor=request.user,
                workshop=workshop,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The workshop's status has been changed."))
            return redirect(workshop)
    return render(
        request, "workshops/workshop_detail.html", _workshop_context(request, workshop, status_form=form), status=400
    )


@login_required
@require_POST
def nomination_bulk(request, pk):
    workshop = _managed_workshop(request, pk)
    form = BulkDecisionForm(request.POST, workshop=workshop)
    if form.is_valid():
        done, refused = services.nominations_bulk_decide(
            actor=request.user,
            nominations=form.cleaned_data["nominations"],
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
            confirm=_confirmed(request),
        )
        if done:
            messages.success(
                request,
                ngettext("%(n)s nomination decided.", "%(n)s nominations decided.", len(done)) % {"n": len(done)},
            )
        below = [
            item for _n, _m, error in refused if isinstance(error, services.ConfirmationNeeded) for item in error.below
        ]
        for nomination, message, error in refused:
            if not isinstance(error, services.ConfirmationNeeded):
                messages.error(
                    request, _("%(name)s: %(reason)s") % {"name": nomination.official.name_latin, "reason": message}
                )
        if below:
            confirmation = services.ConfirmationNeeded("", below=below)
            return _confirmation_page(request, workshop, confirmation, workshop.get_absolute_url())
        return redirect(workshop)
    return render(
        request, "workshops/workshop_detail.html", _workshop_context(request, workshop, bulk_form=form), status=400
    )


@secretariat_required
def workshop_assessors(request, pk):
    workshop = get_object_or_404(workshops_visible_to(request.user), pk=pk)
    return render(request, "workshops/workshop_assessors.html", _assessors_context(workshop))


def _assessors_context(workshop, **forms):
    return {
        "workshop": workshop,
        "assignments": AssessorAssignment.objects.filter(workshop=workshop).select_related(
            "assessor__profile__home_administration"
        ),
        "conflicts": DeclaredConflict.objects.filter(
            assessor__assessor_assignments__workshop=workshop, official__nominations__workshop=workshop
        )
        .select_related("assessor", "official")
        .distinct(),
        "assign_form": forms.get("assign_form") or AssessorAssignForm(),
        "conflict_form": forms.get("conflict_form") or ConflictForm(workshop=workshop),
    }


@login_required
@require_POST
def assessor_assign(request, pk):
    workshop = _managed_workshop(request, pk)
    form = AssessorAssignForm(request.POST)
    if form.is_valid():
        try:
            services.assessor_assign(
                actor=request.user,
                workshop=workshop,
                assessor=form.cleaned_data["assessor"],
                confirm=_confirmed(request),
            )
        except services.ConfirmationNeeded as error:
            return _confirmation_page(request, workshop, error, reverse("workshops:workshop_assessors", args=[pk]))
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The assessor has been assigned."))
            return redirect("workshops:workshop_assessors", pk=workshop.pk)
    context = _assessors_context(workshop, assign_form=form)
    return render(request, "workshops/workshop_assessors.html", context, status=400)


@login_required
@require_POST
def assessor_unassign(request, pk, user_pk):
    workshop = _managed_workshop(request, pk)
    assessor = get_object_or_404(get_user_model(), pk=user_pk, assessor_assignments__workshop=workshop)
    try:
        services.assessor_unassign(
            actor=request.user, workshop=workshop, assessor=assessor, confirm=_confirmed(request)
        )
    except services.ConfirmationNeeded as error:
        return _confirmation_page(request, workshop, error, reverse("workshops:workshop_assessors", args=[pk]))
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The assessor has been removed from the workshop."))
    return redirect("workshops:workshop_assessors", pk=workshop.pk)


@login_required
@require_POST
def conflict_declare(request, pk):
    workshop = _managed_workshop(request, pk)
    form = ConflictForm(request.POST, workshop=workshop)
    if form.is_valid():
        try:
            services.conflict_declare(actor=request.user, confirm=_confirmed(request), **form.cleaned_data)
        except services.ConfirmationNeeded as error:
            return _confirmation_page(request, workshop, error, reverse("workshops:workshop_assessors", args=[pk]))
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The conflict of interest has been recorded."))
            return redirect("workshops:workshop_assessors", pk=workshop.pk)
    context = _assessors_context(workshop, conflict_form=form)
    return render(request, "workshops/workshop_assessors.html", context, status=400)


@login_required
def nomination_create(request, pk):
    workshop = get_object_or_404(workshops_visible_to(request.user), pk=pk)
    if not focal_administration_ids(request.user):
        raise PermissionDenied
    administrations = _focal_administrations(request.user)
    form = NominationForm(
        request.POST or None, request.FILES or None, administrations=administrations, user_id=request.user.pk
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                official = form.cleaned_data["official"] or official_create(
                    actor=request.user,
                    administration=form.cleaned_data["administration"],
                    **form.new_official_fields(),
                )
                nomination = services.nomination_submit(
                    actor=request.user, workshop=workshop, official=official, **form.nomination_fields()
                )
        except ValidationError as error:
            form.add_error(None, _error_text(error))
        else:
            form.discard_kept_cv()
            messages.success(
                request,
                _("The nomination of %(name)s has been submitted.") % {"name": nomination.official.name_latin},
            )
            return redirect(nomination)
    if request.method == "POST":
        form.keep_cv()
    return render(
        request,
        "workshops/nomination_form.html",
        {
            "form": form,
            "workshop": workshop,
            "deadline_passed": services.deadline_passed(workshop),
            "places": places_left(workshop, administrations),
        },
    )


@login_required
def nomination_list(request):
    user = request.user
    nominations = nominations_visible_to(user).order_by("-submitted_at", "pk")
    administrations = (
        Administration.objects.filter(officials__nominations__in=nominations_visible_to(user)).distinct()
        if is_secretariat(user)
        else _focal_administrations(user)
    )
    nomination_filter = NominationFilter(
        request.GET or None,
        queryset=nominations,
        request=request,
        workshops=workshops_visible_to(user).order_by("-start_date"),
        administrations=administrations,
    )
    page = Paginator(nomination_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "workshops/nomination_list.html", {"filter": nomination_filter, "page": page})


def _nomination_context(request, nomination, **forms):
    user = request.user
    secretariat = is_secretariat(user)
    owner = _is_owner_focal_point(user, nomination)
    history = (
        AuditEntry.objects.filter(object_type="workshops.nomination", object_id=str(nomination.pk))
        .select_related("actor")
        .prefetch_related("actor__groups")
    )
    return {
        "nomination": nomination,
        "workshop": nomination.workshop,
        "secretariat": secretariat,
        "owner": owner,
        "history": history,
        "can_see_cv": bool(nomination.cv) and _may_download_cv(user, nomination),
        # A form that was just posted is shown again with its errors, whatever the state.
        "decision_form": forms.get("decision_form") or (DecisionForm() if secretariat else None),
        "prescreen_form": forms.get("prescreen_form")
        or (PrescreenForm() if secretariat and nomination.prescreening != PrescreeningOutcome.NOT_REQUIRED else None),
        "attendance_form": forms.get("attendance_form")
        or (
            AttendanceForm(secretariat=secretariat)
            if (secretariat or owner) and nomination.status == NominationStatus.ACCEPTED
            else None
        ),
        "withdraw_form": forms.get("withdraw_form")
        or (
            ReasonForm()
            if owner
            and nomination.status in (NominationStatus.SUBMITTED, NominationStatus.WAITLISTED)
            and not services.deadline_passed(nomination.workshop)
            else None
        ),
    }


def _visible_nomination(request, pk):
    return get_object_or_404(nominations_visible_to(request.user), pk=pk)


@login_required
def nomination_detail(request, pk):
    nomination = _visible_nomination(request, pk)
    return render(request, "workshops/nomination_detail.html", _nomination_context(request, nomination))


def _nomination_action(request, nomination, form, form_key, call, done_message):
    if form.is_valid():
        try:
            call(form.cleaned_data)
        except services.ConfirmationNeeded as error:
            return _confirmation_page(request, nomination.workshop, error, nomination.get_absolute_url())
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(request, done_message)
            return redirect(nomination)
    context = _nomination_context(request, nomination, **{form_key: form})
    return render(request, "workshops/nomination_detail.html", context, status=400)


@login_required
@require_POST
def nomination_decide(request, pk):
    nomination = _visible_nomination(request, pk)
    if not is_secretariat(request.user):
        raise PermissionDenied

    def call(data):
        decide = services.BULK_DECISIONS[data["decision"]]
        decide(request.user, nomination, data["reason"], _confirmed(request))

    return _nomination_action(
        request, nomination, DecisionForm(request.POST), "decision_form", call, _("The decision has been recorded.")
    )


@login_required
@require_POST
def nomination_prescreen(request, pk):
    nomination = _visible_nomination(request, pk)
    if not is_secretariat(request.user):
        raise PermissionDenied
    return _nomination_action(
        request,
        nomination,
        PrescreenForm(request.POST),
        "prescreen_form",
        lambda data: services.nomination_prescreen(
            actor=request.user, nomination=nomination, passed=data["passed"], reason=data["reason"]
        ),
        _("The pre-screening outcome has been recorded."),
    )


@login_required
@require_POST
def nomination_withdraw(request, pk):
    nomination = _visible_nomination(request, pk)
    if not _is_owner_focal_point(request.user, nomination):
        raise PermissionDenied
    return _nomination_action(
        request,
        nomination,
        ReasonForm(request.POST),
        "withdraw_form",
        lambda data: services.nomination_withdraw(actor=request.user, nomination=nomination, reason=data["reason"]),
        _("The nomination has been withdrawn."),
    )


@login_required
@require_POST
def nomination_attendance(request, pk):
    nomination = _visible_nomination(request, pk)
    secretariat = is_secretariat(request.user)
    if not (secretariat or _is_owner_focal_point(request.user, nomination)):
        raise PermissionDenied
    return _nomination_action(
        request,
        nomination,
        AttendanceForm(request.POST, secretariat=secretariat),
        "attendance_form",
        lambda data: services.nomination_attendance(
            actor=request.user, nomination=nomination, attendance=data["attendance"]
        ),
        _("Attendance has been recorded."),
    )


def _may_download_cv(user, nomination) -> bool:
    own = official_of(user)
    return (
        is_secretariat(user)
        or _is_owner_focal_point(user, nomination)
        or (own is not None and own.pk == nomination.official_id)
    )


@login_required
def nomination_cv(request, pk):
    nomination = _visible_nomination(request, pk)
    if not _may_download_cv(request.user, nomination):
        raise PermissionDenied
    if not nomination.cv:
        raise Http404
    try:
        handle = nomination.cv.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    content_type = nomination.cv_content_type or sniff(handle) or "application/octet-stream"
    filename = f"cv-{slugify(nomination.official.name_latin) or nomination.pk}{EXTENSIONS.get(content_type, '')}"
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    return private_download(response)
