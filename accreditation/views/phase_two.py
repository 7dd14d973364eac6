"""Phase Two: the Secretariat assigns a field evaluator and a mission to a
pre-accredited expert; the evaluator scores the field criteria of the workshop's snapshot,
writes the narrative, attaches evidence and recommends; the Secretariat
decides (a pass grants the accreditation and its certificate) and releases."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from candidates.rules import is_secretariat
from toa_portal.errors import DomainError
from toa_portal.uploads import EXTENSIONS, private_download
from workshops.models import WorkshopFieldCriterion
from workshops.selectors import nominations_visible_to

from .. import services
from ..enums import Outcome, Phase
from ..forms.assessment import DecisionForm, EvidenceForm, FieldAssignForm, FieldReportDraftForm, FieldReportForm
from ..models import Decision, EvidenceFile, FieldEvaluation
from ..rules import field_evaluation_ids
from ..selectors import phase_two_nominations_visible_to

FIELD_CELL_STATE = "accreditation/phase_two/_cell_state.html"


def _error_text(error: DomainError) -> str:
    return " ".join(error.messages)


def _require_secretariat(user) -> None:
    if not is_secretariat(user):
        raise PermissionDenied(_("Only the Secretariat may do this."))


def _evaluation(request, pk) -> FieldEvaluation:
    """An evaluation the user may open (the Secretariat, or its evaluator), or 404."""
    evaluation = get_object_or_404(
        FieldEvaluation.objects.select_related(
            "evaluator", "nomination__official__administration", "nomination__workshop__programme"
        ),
        pk=pk,
    )
    if not (is_secretariat(request.user) or evaluation.pk in field_evaluation_ids(request.user)):
        raise Http404
    return evaluation


def _require_evaluator(user, evaluation) -> None:
    if evaluation.evaluator_id != user.pk:
        raise PermissionDenied(_("You are not the evaluator of this mission."))


@login_required
@require_GET
def phase_two_list(request):
    """For the Secretariat every expert who passed Phase One with their mission
    and decision; for an evaluator, their own missions."""
    secretariat = is_secretariat(request.user)
    if not (secretariat or field_evaluation_ids(request.user)):
        raise PermissionDenied
    nominations = list(phase_two_nominations_visible_to(request.user))
    decisions = {
        d.nomination_id: d for d in Decision.objects.filter(phase=Phase.TWO, nomination__in=[n.pk for n in nominations])
    }
    rows = []
    for nomination in nominations:
        evaluation = getattr(nomination, "field_evaluation", None)
        rows.append(
            {
                "nomination": nomination,
                "evaluation": evaluation,
                "decision": decisions.get(nomination.pk) if secretariat else None,
            }
        )
    return render(request, "accreditation/phase_two/list.html", {"rows": rows, "secretariat": secretariat})


@login_required
@require_http_methods(["GET", "POST"])
def field_assign(request, nomination_id):
    nomination = get_object_or_404(
        nominations_visible_to(request.user).select_related("official__administration", "workshop__programme"),
        pk=nomination_id,
    )
    _require_secretariat(request.user)
    existing = FieldEvaluation.objects.filter(nomination=nomination).first()
    initial = {}
    if existing is not None:
        initial = {
            "evaluator": existing.evaluator_id,
            "mission_place": existing.mission_place,
            "mission_start": existing.mission_start,
            "mission_end": existing.mission_end,
            "mission_type": existing.mission_type,
            "role": existing.role,
        }
    form = FieldAssignForm(request.POST if request.method == "POST" else None, nomination=nomination, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = services.field_evaluation_assign(
                actor=request.user, nomination=nomination, **form.cleaned_data
            )
        except DomainError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(evaluator)s will evaluate %(name)s's mission.")
                % {
                    "evaluator": evaluation.evaluator.get_full_name() or evaluation.evaluator,
                    "name": nomination.official,
                },
            )
            return redirect("accreditation:field_evaluation", evaluation.pk)
    return render(
        request,
        "accreditation/phase_two/assign.html",
        {"nomination": nomination, "form": form, "existing": existing},
    )


@login_required
@require_GET
def field_evaluation(request, evaluation_id):
    evaluation = _evaluation(request, evaluation_id)
    workshop = evaluation.nomination.workshop
    scores = {s.criterion_id: s for s in evaluation.scores.all()}
    criteria = [(c, scores.get(c.pk)) for c in workshop.field_criteria.all()]
    is_evaluator = evaluation.evaluator_id == request.user.pk
    secretariat = is_secretariat(request.user)
    decision = Decision.objects.filter(nomination=evaluation.nomination, phase=Phase.TWO).first()
    return render(
        request,
        "accreditation/phase_two/evaluation.html",
        {
            "evaluation": evaluation,
            "nomination": evaluation.nomination,
            "criteria": criteria,
            "scale": range(workshop.scale_min, workshop.scale_max + 1),
            "workshop": workshop,
            "is_evaluator": is_evaluator,
            "editable": is_evaluator and evaluation.submitted_at is None,
            "secretariat": secretariat,
            "evidence": evaluation.evidence.select_related("uploaded_by").order_by("uploaded_at"),
            "report_form": FieldReportForm(
                initial={"narrative": evaluation.narrative, "recommendation": evaluation.recommendation}
            ),
            # One form holds the upload and the report, so an upload carries the report typed so far.
            "evidence_form": EvidenceForm(use_required_attribute=False),
            "decision_form": DecisionForm(),
            "decision": decision,
            "result": services.field_result(evaluation) if secretariat else None,
            "queue_key": f"toa-offline:{request.user.pk}:field:{evaluation.pk}",
        },
    )


@require_POST
def field_score_save(request, evaluation_id, criterion_id):
    """Save one field criterion (htmx), answering like the Phase One cell: 200, 422, 409 or 401."""
    if not request.user.is_authenticated:
        return render(request, FIELD_CELL_STATE, {"state": "login"}, status=401)
    evaluation = _evaluation(request, evaluation_id)
    _require_evaluator(request.user, evaluation)
    criterion = get_object_or_404(
        WorkshopFieldCriterion, pk=criterion_id, workshop_id=evaluation.nomination.workshop_id
    )
    context = {"evaluation": evaluation, "criterion": criterion, "workshop": evaluation.nomination.workshop}
    raw_version = request.POST.get("version", "")
    if not raw_version.isdigit() or len(raw_version) > 9 or len(request.POST.get("value", "")) > 20:
        context.update(state="error", message=_("This value could not be read: reload the page."))
        return render(request, FIELD_CELL_STATE, context, status=422)
    try:
        score = services.field_score_record(
            actor=request.user,
            evaluation=evaluation,
            criterion=criterion,
            value=request.POST.get("value", ""),
            expected_version=int(raw_version),
        )
    except services.StaleScore as stale:
        context.update(state="conflict", message=_error_text(stale), current=stale.current)
        return render(request, FIELD_CELL_STATE, context, status=409)
    except DomainError as error:
        context.update(state="error", message=_error_text(error))
        return render(request, FIELD_CELL_STATE, context, status=422)
    context.update(state="saved", current=score)
    return render(request, FIELD_CELL_STATE, context)


def _keep_draft(request, evaluation) -> None:
    """Save the narrative and recommendation posted with another action, so nothing typed is lost."""
    if "narrative" not in request.POST:
        return
    draft = FieldReportDraftForm(request.POST)
    if not draft.is_valid():
        return
    try:
        services.field_report_draft_save(actor=request.user, evaluation=evaluation, **draft.cleaned_data)
    except DomainError as error:
        messages.error(request, _error_text(error))


@login_required
@require_POST
def field_evidence_upload(request, evaluation_id):
    evaluation = _evaluation(request, evaluation_id)
    _require_evaluator(request.user, evaluation)
    _keep_draft(request, evaluation)
    form = EvidenceForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        upload = form.cleaned_data["file"]
        try:
            services.field_evidence_add(
                actor=request.user,
                evaluation=evaluation,
                file=upload,
                original_name=upload.name,
                content_type=form.content_type,
            )
        except DomainError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(request, _("Evidence file added."))
    return redirect("accreditation:field_evaluation", evaluation.pk)


@login_required
@require_GET
def field_evidence_download(request, evidence_id):
    evidence = get_object_or_404(EvidenceFile.objects.select_related("evaluation"), pk=evidence_id)
    _evaluation(request, evidence.evaluation_id)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    name = evidence.original_name.rsplit(".", 1)[0][:80] or "evidence"
    filename = f"{name}{EXTENSIONS.get(evidence.content_type, '')}"
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=evidence.content_type)
    return private_download(response)


@login_required
@require_POST
def field_submit(request, evaluation_id):
    evaluation = _evaluation(request, evaluation_id)
    _require_evaluator(request.user, evaluation)
    form = FieldReportForm(request.POST)
    if not form.is_valid():
        _keep_draft(request, evaluation)
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect("accreditation:field_evaluation", evaluation.pk)
    try:
        services.field_evaluation_submit(actor=request.user, evaluation=evaluation, **form.cleaned_data)
    except DomainError as error:
        _keep_draft(request, evaluation)
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("The field evaluation is submitted."))
    return redirect("accreditation:field_evaluation", evaluation.pk)


@login_required
@require_POST
def phase_two_decide(request, evaluation_id):
    evaluation = _evaluation(request, evaluation_id)
    _require_secretariat(request.user)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The feedback or the note is too long."))
        return redirect("accreditation:field_evaluation", evaluation.pk)
    try:
        decision = services.phase_two_decide(actor=request.user, nomination=evaluation.nomination, **form.cleaned_data)
    except DomainError as error:
        messages.error(request, _error_text(error))
    else:
        if decision.outcome == Outcome.PASSED:
            messages.success(
                request,
                _("%(name)s is accredited; the certificate is being prepared. Release the decision to tell them.")
                % {"name": evaluation.nomination.official},
            )
        else:
            messages.success(request, _("Phase Two decision recorded: not passed. It is not released yet."))
    return redirect("accreditation:field_evaluation", evaluation.pk)
