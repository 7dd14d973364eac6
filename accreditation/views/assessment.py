"""Phase One on site: scoring sheets (htmx autosave), submission and reopening,
the results grid, moderation, decisions, release, pre-screening and the
candidate's audit trail.

Blind double scoring is enforced here and in the selectors: an assessor's
pages and exports carry their own values only, and a Secretariat user who is
also assigned to the workshop sees no grid, export or audit value of another
assessor until every sheet of the workshop is submitted.
"""

from __future__ import annotations

from defusedcsv import csv as defused_csv
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from candidates.models import Official
from candidates.rules import focal_administration_ids, is_secretariat, official_of
from toa_portal.errors import DomainError
from toa_portal.uploads import private_download
from workshops import services as workshop_services
from workshops.enums import NominationStatus, PrescreeningOutcome
from workshops.models import Nomination, Workshop, WorkshopExercise
from workshops.rules import assigned_workshop_ids, is_assigned_to_workshop
from workshops.selectors import eligible_assessor_map, workshops_visible_to

from .. import figures, services
from ..enums import Phase, SheetStatus, grade_label
from ..forms.assessment import (
    CorrectionForm,
    DecisionForm,
    ModerationForm,
    PrescreenForm,
    ReopenForm,
    ScoreForm,
    WorkshopDecisionForm,
)
from ..models import Decision, ScoreSheet
from ..rules import roles_of
from ..selectors import (
    NOT_ELIGIBLE,
    audit_trail_of,
    is_blind_for,
    nomination_result,
    results_grid,
    score_sheet_for,
    submitted_exercise_ids,
)

CELL_STATE = "accreditation/assessment/_cell_state.html"


def _workshop(request, pk):
    """A workshop the user may open, or 404."""
    return get_object_or_404(workshops_visible_to(request.user), pk=pk)


def _require_assigned(user, workshop) -> None:
    if not is_assigned_to_workshop(user, workshop):
        raise PermissionDenied(_("You are not an assessor of this workshop."))


def _require_secretariat(user) -> None:
    if not is_secretariat(user):
        raise PermissionDenied(_("Only the Secretariat may do this."))


def _exercise(workshop, pk) -> WorkshopExercise:
    return get_object_or_404(WorkshopExercise.objects.prefetch_related("criteria"), pk=pk, workshop=workshop)


def _secretariat_nomination(request, pk) -> Nomination:
    """A nomination for a Secretariat action: 404 when out of the user's reach, 403 when visible but not theirs to act on."""
    from workshops.selectors import nominations_visible_to

    nomination = get_object_or_404(
        nominations_visible_to(request.user).select_related("workshop__programme", "official__administration"), pk=pk
    )
    _require_secretariat(request.user)
    return nomination


def _error_text(error: DomainError) -> str:
    return " ".join(error.messages)


def csv_response(filename: str, header: list, rows: list) -> HttpResponse:
    """A CSV download; defusedcsv neutralises cells a spreadsheet would run as formulas."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = defused_csv.writer(response)
    writer.writerow(header)
    writer.writerows(rows)
    return private_download(response)


# Home and workshop overview ---------------------------------------------------------------------


@login_required
@require_GET
def assessment_home(request):
    """The assessor's workshops (with their sheets) and, for the Secretariat, every workshop with candidates."""
    roles = roles_of(request.user)
    if not roles & {"assessor", "secretariat"}:
        raise PermissionDenied
    assigned = list(
        workshops_visible_to(request.user)
        .filter(assignments__assessor=request.user)
        .prefetch_related("exercises")
        .order_by("-start_date")
    )
    own_sheets = {
        (s.workshop_id, s.exercise_id): s
        for s in ScoreSheet.objects.filter(assessor=request.user, workshop__in=assigned)
    }
    for workshop in assigned:
        workshop.my_exercises = [
            (exercise, own_sheets.get((workshop.pk, exercise.pk))) for exercise in workshop.exercises.all()
        ]
    managed = []
    if "secretariat" in roles:
        managed = list(
            workshops_visible_to(request.user)
            .annotate(
                accepted=Count("nominations", filter=Q(nominations__status=NominationStatus.ACCEPTED), distinct=True)
            )
            .filter(accepted__gt=0)
            .order_by("-start_date")
        )
    return render(request, "accreditation/assessment/home.html", {"assigned": assigned, "managed": managed})


@login_required
@require_GET
def workshop_assessment(request, workshop_id):
    """A workshop's assessment: the user's own sheets; for the Secretariat every
    assessor's sheet status (never values) with the reopen action."""
    workshop = _workshop(request, workshop_id)
    assigned = is_assigned_to_workshop(request.user, workshop)
    secretariat = is_secretariat(request.user)
    if not (assigned or secretariat):
        raise PermissionDenied
    exercises = list(workshop.exercises.all())
    assessors = [a.assessor for a in workshop.assignments.select_related("assessor").order_by("assessor__username")]
    sheets = {(s.exercise_id, s.assessor_id): s for s in ScoreSheet.objects.filter(workshop=workshop)}
    table = [
        {"exercise": exercise, "sheets": [(assessor, sheets.get((exercise.pk, assessor.pk))) for assessor in assessors]}
        for exercise in exercises
    ]
    mine = [(exercise, sheets.get((exercise.pk, request.user.pk))) for exercise in exercises] if assigned else []
    short_of_assessors = []
    if secretariat:
        eligible = eligible_assessor_map(workshop)
        short_of_assessors = [
            (nomination, len(eligible.get(nomination.pk, [])))
            for nomination in workshop.nominations.filter(status=NominationStatus.ACCEPTED)
            .select_related("official")
            .order_by("official__name_latin")
            if len(eligible.get(nomination.pk, [])) < 2
        ]
    return render(
        request,
        "accreditation/assessment/workshop.html",
        {
            "workshop": workshop,
            "assigned": assigned,
            "secretariat": secretariat,
            "mine": mine,
            "table": table if secretariat else [],
            "short_of_assessors": short_of_assessors,
            "reopen_form": ReopenForm(),
            "submitted_ids": submitted_exercise_ids(workshop),
            "prescreening": workshop.programme.has_prescreening,
        },
    )


# The scoring sheet -------------------------------------------------------------------------------


@login_required
@require_GET
def score_sheet(request, workshop_id, exercise_id):
    workshop = _workshop(request, workshop_id)
    _require_assigned(request.user, workshop)
    exercise = _exercise(workshop, exercise_id)
    sheet = score_sheet_for(assessor=request.user, workshop=workshop, exercise=exercise)
    return render(
        request,
        "accreditation/assessment/sheet.html",
        {
            "workshop": workshop,
            "exercise": exercise,
            "sheet": sheet,
            "locked": sheet.status == SheetStatus.SUBMITTED,
            "scale": range(workshop.scale_min, workshop.scale_max + 1),
            "queue_key": f"toa-offline:{request.user.pk}:{workshop.pk}:{exercise.pk}",
        },
    )


@require_POST
def score_save(request, workshop_id, exercise_id, nomination_id, criterion_id):
    """Save one cell (htmx): its value and, when the request carries one, the
    assessor's private comment (same version check). Answers a fragment: 200
    saved with the new version, 422 refused with the reason (the typed value
    stays in the cell), 409 when another save came first (with the current
    value and comment), and 401 — never a login redirect — when the session
    has expired, so the page can keep the value."""
    if not request.user.is_authenticated:
        return _cell_state({"state": "login"}, status=401)
    # The hot path of a busy morning: an assigned assessor skips the visibility query.
    if workshop_id in assigned_workshop_ids(request.user):
        workshop = get_object_or_404(Workshop, pk=workshop_id)
    else:
        workshop = _workshop(request, workshop_id)
        _require_assigned(request.user, workshop)
    exercise = _exercise(workshop, exercise_id)
    nomination = get_object_or_404(Nomination.objects.select_related("official"), pk=nomination_id, workshop=workshop)
    nomination.workshop = workshop
    criteria = sorted(exercise.criteria.all(), key=lambda c: (c.order, c.code))
    criterion = next((c for c in criteria if c.pk == criterion_id), None)
    if criterion is None:
        raise Http404
    context = {
        "workshop": workshop,
        "exercise": exercise,
        "nomination": nomination,
        "criterion": criterion,
        "col": criteria.index(criterion) + 1,
    }
    form = ScoreForm(request.POST)
    if not form.is_valid():
        if "comment" in form.errors:
            message = _("The private comment was not saved: %(reason)s") % {"reason": " ".join(form.errors["comment"])}
        else:
            message = _("This value could not be read: reload the sheet.")
        context.update(state="error", message=message)
        return _cell_state(context, status=422)
    comment = form.cleaned_data["comment"] if "comment" in request.POST else None
    try:
        score = services.phase_one_score_record(
            actor=request.user,
            nomination=nomination,
            exercise=exercise,
            criterion=criterion,
            value=form.cleaned_data["value"],
            expected_version=form.cleaned_data["version"],
            comment=comment,
        )
    except services.StaleScore as stale:
        same_comment = comment is None or comment == stale.current.comment
        if str(stale.current.value) != form.cleaned_data["value"] or not same_comment:
            context.update(state="conflict", message=_error_text(stale), current=stale.current)
            return _cell_state(context, status=409)
        score = stale.current  # the same value arrived twice (a resend): nothing was lost
    except DomainError as error:
        context.update(state="error", message=_error_text(error))
        return _cell_state(context, status=422)
    context.update(state="saved", current=score)
    response = _cell_state(context)
    response["X-Score-Version"] = str(score.version)
    return response


def _cell_state(context, *, status=200) -> HttpResponse:
    """The cell's state fragment. Rendered without the request: a fragment needs
    no context processor (and so costs no role queries)."""
    return HttpResponse(render_to_string(CELL_STATE, context), status=status)


@login_required
@require_POST
def score_sheet_submit(request, workshop_id, exercise_id):
    workshop = _workshop(request, workshop_id)
    _require_assigned(request.user, workshop)
    exercise = _exercise(workshop, exercise_id)
    try:
        services.score_sheet_submit(actor=request.user, workshop=workshop, exercise=exercise)
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Your sheet for %(exercise)s is submitted and locked.") % {"exercise": exercise})
    return redirect("accreditation:score_sheet", workshop.pk, exercise.pk)


@login_required
@require_GET
def score_sheet_export(request, workshop_id, exercise_id):
    """The assessor's own sheet as CSV: their values only, whatever their other roles."""
    workshop = _workshop(request, workshop_id)
    _require_assigned(request.user, workshop)
    exercise = _exercise(workshop, exercise_id)
    sheet = score_sheet_for(assessor=request.user, workshop=workshop, exercise=exercise)
    header = [_("Candidate"), _("Administration")] + [c.code for c in sheet.criteria]
    rows = [
        [row.nomination.official.name_latin, row.nomination.official.administration.code]
        + [cell.value for cell in row.cells]
        for row in sheet.rows
    ]
    return csv_response(f"sheet-{workshop.pk}-{exercise.code}.csv", header, rows)


@login_required
@require_POST
def score_sheet_reopen(request, sheet_id):
    sheet = get_object_or_404(ScoreSheet.objects.select_related("workshop", "exercise"), pk=sheet_id)
    workshop = _workshop(request, sheet.workshop_id)
    _require_secretariat(request.user)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for reopening the sheet."))
    else:
        try:
            services.score_sheet_reopen(actor=request.user, sheet=sheet, reason=form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                _(
                    "The sheet of %(assessor)s for %(exercise)s is open again; the exercise is blind until it is resubmitted."
                )
                % {"assessor": sheet.assessor, "exercise": sheet.exercise},
            )
    return redirect("accreditation:workshop_assessment", workshop.pk)


# Results grid, moderation, decisions and release ----------------------------------------------------


def _grid_or_blind(request, workshop):
    _require_secretariat(request.user)
    if is_blind_for(request.user, workshop):
        return None
    return results_grid(workshop)


@login_required
@require_GET
def workshop_results(request, workshop_id):
    workshop = _workshop(request, workshop_id)
    grid = _grid_or_blind(request, workshop)
    return render(
        request,
        "accreditation/assessment/results.html",
        {
            "workshop": workshop,
            "grid": grid,
            "blind": grid is None,
            "not_eligible": NOT_ELIGIBLE,
            "decide_form": WorkshopDecisionForm(),
        },
    )


@login_required
@require_GET
def workshop_results_export(request, workshop_id):
    workshop = _workshop(request, workshop_id)
    grid = _grid_or_blind(request, workshop)
    if grid is None:
        raise PermissionDenied(_("You assess this workshop: results stay hidden until every sheet is submitted."))
    names = [a.get_full_name() or a.get_username() for a in grid.assessors]
    header = [_("Candidate"), _("Administration"), _("Exercise"), _("Criterion"), *names]
    header += [_("Combined"), _("Moderated"), _("Flagged")]
    # "n/e": the assessor is not eligible for this candidate (a conflict of interest).
    not_eligible, yes = pgettext("not eligible", "n/e"), _("yes")
    rows = []
    for row in grid.rows:
        for cell in row.cells:
            values = ["" if v is None else (not_eligible if v == NOT_ELIGIBLE else v) for v in cell.values]
            rows.append(
                [row.nomination.official.name_latin, row.nomination.official.administration.code, cell.exercise]
                + [cell.criterion, *values, figures.score_text(cell.combined)]
                + [figures.score_text(cell.moderated), yes if cell.flagged else ""]
            )
        rows.append(
            [row.nomination.official.name_latin, row.nomination.official.administration.code, _("Weighted"), ""]
            + [""] * len(names)
            + [row.result.percent_display, "", grade_label(row.result.grade) or row.result.status]
        )
    return csv_response(f"results-{workshop.pk}.csv", header, rows)


def _cell_context(nomination, exercise_id, criterion_id):
    exercise = get_object_or_404(
        WorkshopExercise.objects.prefetch_related("criteria"), pk=exercise_id, workshop_id=nomination.workshop_id
    )
    criterion = get_object_or_404(exercise.criteria.all(), pk=criterion_id)
    return exercise, criterion


@login_required
@require_http_methods(["GET", "POST"])
def moderate(request, nomination_id, exercise_id, criterion_id):
    nomination = _secretariat_nomination(request, nomination_id)
    exercise, criterion = _cell_context(nomination, exercise_id, criterion_id)
    workshop = nomination.workshop
    blind = is_blind_for(request.user, workshop)
    form = ModerationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.phase_one_moderate(
                actor=request.user,
                nomination=nomination,
                exercise=exercise,
                criterion=criterion,
                value=form.cleaned_data["value"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Moderated score recorded for %(name)s, %(exercise)s / %(criterion)s.")
                % {"name": nomination.official.name_latin, "exercise": exercise.name, "criterion": criterion.code},
            )
            return redirect(reverse("accreditation:workshop_results", args=[workshop.pk]) + f"#n{nomination.pk}")
    cell = None if blind else nomination_result(nomination).cell(exercise.code, criterion.code)
    assessors = [a.assessor for a in workshop.assignments.select_related("assessor").order_by("assessor__username")]
    values = [] if cell is None else [(a, cell.scores.get(str(a.pk))) for a in assessors]
    return render(
        request,
        "accreditation/assessment/moderate.html",
        {
            "workshop": workshop,
            "nomination": nomination,
            "exercise": exercise,
            "criterion": criterion,
            "cell": cell,
            "values": values,
            "blind": blind,
            "form": form,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def decide(request, nomination_id):
    nomination = _secretariat_nomination(request, nomination_id)
    workshop = nomination.workshop
    decision = Decision.objects.filter(nomination=nomination, phase=Phase.ONE).first()
    blind = is_blind_for(request.user, workshop)
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.phase_one_decide(
                actor=request.user,
                nomination=nomination,
                feedback=form.cleaned_data["feedback"],
                note=form.cleaned_data["note"],
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Phase One decision recorded for %(name)s: %(outcome)s. It is not released yet.")
                % {"name": nomination.official.name_latin, "outcome": decision.get_outcome_display()},
            )
            return redirect(reverse("accreditation:workshop_results", args=[workshop.pk]) + f"#n{nomination.pk}")
    result = None if blind else nomination_result(nomination)
    return render(
        request,
        "accreditation/assessment/decide.html",
        {
            "workshop": workshop,
            "nomination": nomination,
            "decision": decision,
            "result": result,
            "blind": blind,
            "form": form,
        },
    )


@login_required
@require_POST
def decide_workshop(request, workshop_id):
    workshop = _workshop(request, workshop_id)
    _require_secretariat(request.user)
    form = WorkshopDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The feedback is too long."))
        return redirect("accreditation:workshop_results", workshop.pk)
    try:
        counts = services.phase_one_decide_workshop(
            actor=request.user, workshop=workshop, feedback=form.cleaned_data["feedback"]
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request,
            _("%(decided)s decision(s) recorded; %(left)s candidate(s) left (incomplete or awaiting moderation).")
            % counts,
        )
    return redirect("accreditation:workshop_results", workshop.pk)


@login_required
@require_POST
def release_decision(request, decision_id):
    from ..selectors import decisions_visible_to

    decision = get_object_or_404(decisions_visible_to(request.user), pk=decision_id)
    _require_secretariat(request.user)
    try:
        services.decision_release(actor=request.user, decision=decision)
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("The decision for %(name)s is released.") % {"name": decision.nomination.official.name_latin}
        )
    if decision.phase == Phase.TWO:
        return redirect("accreditation:phase_two_list")
    return redirect(
        reverse("accreditation:workshop_results", args=[decision.nomination.workshop_id])
        + f"#n{decision.nomination_id}"
    )


@login_required
@require_POST
def release_workshop(request, workshop_id):
    workshop = _workshop(request, workshop_id)
    _require_secretariat(request.user)
    try:
        phase = Phase.TWO if request.POST.get("phase") == Phase.TWO else Phase.ONE
        count = services.decisions_release_workshop(actor=request.user, workshop=workshop, phase=phase)
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("%(count)s decision(s) released.") % {"count": count})
    return redirect("accreditation:workshop_results", workshop.pk)


# Pre-screening --------------------------------------------------------------------------------------


@login_required
@require_GET
def prescreening(request, workshop_id):
    workshop = _workshop(request, workshop_id)
    _require_secretariat(request.user)
    if not workshop.programme.has_prescreening:
        raise Http404
    nominations = (
        Nomination.objects.filter(workshop=workshop)
        .exclude(prescreening=PrescreeningOutcome.NOT_REQUIRED)
        .select_related("official__administration")
        .order_by("official__name_latin")
    )
    return render(
        request,
        "accreditation/assessment/prescreening.html",
        {"workshop": workshop, "nominations": nominations, "form": PrescreenForm()},
    )


@login_required
@require_POST
def prescreen(request, nomination_id):
    nomination = _secretariat_nomination(request, nomination_id)
    form = PrescreenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the pre-screening outcome."))
    else:
        try:
            workshop_services.nomination_prescreen(
                actor=request.user,
                nomination=nomination,
                passed=form.cleaned_data["outcome"] == "passed",
                reason=form.cleaned_data["reason"],
            )
        except DomainError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request, _("Pre-screening recorded for %(name)s.") % {"name": nomination.official.name_latin}
            )
    return redirect("accreditation:prescreening", nomination.workshop_id)


# The candidate's audit trail ---------------------------------------------------------------------


@login_required
@require_GET
def candidate_audit(request, official_id):
    official = get_object_or_404(Official.objects.select_related("administration"), pk=official_id)
    if not is_secretariat(request.user):
        own = official_of(request.user)
        if official.administration_id in focal_administration_ids(request.user) or (own and own.pk == official.pk):
            raise PermissionDenied
        raise Http404
    entries = audit_trail_of(official, viewer=request.user)
    nominations = official.nominations.select_related("workshop").order_by("-workshop__start_date")
    return render(
        request,
        "accreditation/assessment/candidate.html",
        {"official": official, "entries": entries, "nominations": nominations},
    )


# Re-check and corrections --------------------------------------------------------------------------


@login_required
@require_GET
def decisions_recheck(request, workshop_id):
    """The workshop's recorded decisions whose exact re-evaluation differs from what was stored."""
    workshop = _workshop(request, workshop_id)
    _require_secretariat(request.user)
    return render(
        request,
        "accreditation/assessment/recheck.html",
        {"workshop": workshop, "found": services.decisions_recheck(workshop), "form": CorrectionForm()},
    )


@login_required
@require_POST
def decision_correct(request, decision_id):
    from ..selectors import decisions_visible_to

    replaced = None
    if is_secretariat(request.user):
        replaced = Decision.all_objects.filter(pk=decision_id, superseded_at__isnull=False).select_related("nomination")
        replaced = replaced.first()
    if replaced is not None:
        # Sent twice, or from a page opened before someone else corrected it: nothing is lost, nothing is redone.
        messages.error(request, _("This decision has already been replaced by a correction."))
        return redirect("accreditation:decisions_recheck", replaced.nomination.workshop_id)
    decision = get_object_or_404(decisions_visible_to(request.user), pk=decision_id)
    _require_secretariat(request.user)
    form = CorrectionForm(request.POST)
    workshop = decision.nomination.workshop
    if form.is_valid():
        try:
            services.decision_correct(actor=request.user, decision=decision, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("The decision for %(name)s is corrected.") % {"name": decision.nomination.official.name_latin},
            )
            return redirect("accreditation:decisions_recheck", workshop.pk)
    found = services.decisions_recheck(workshop)
    context = {"workshop": workshop, "found": found, "form": CorrectionForm(), "failed": (decision.pk, form)}
    return render(request, "accreditation/assessment/recheck.html", context, status=400)
