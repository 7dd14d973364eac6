"""Reused reads for assessment and accreditation, scoped by who asks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q

from candidates.rules import focal_administration_ids, is_secretariat, official_of
from toa_portal.models import AuditEntry
from workshops.enums import NominationStatus
from workshops.models import AssessorAssignment, Nomination, Workshop, WorkshopCriterion, WorkshopExercise
from workshops.selectors import conflict_reason, eligible_assessor_map

from . import passrule
from .agreement import Agreement, agreement
from .enums import CURRENT_ACCREDITATION, AccreditationStatus, Outcome, Phase, SheetStatus
from .models import Accreditation, Certificate, Decision, ModeratedScore, PhaseOneScore, ScoreSheet


def rubric_of(workshop: Workshop) -> passrule.Rubric:
    """The workshop's rubric snapshot as the pass rule reads it (three queries)."""
    criteria = list(workshop.criteria.all())
    exercises = list(workshop.exercises.prefetch_related("criteria"))
    return passrule.Rubric(
        scale_min=workshop.scale_min,
        scale_max=workshop.scale_max,
        combination=workshop.combination,
        tolerance=workshop.tolerance,
        pass_threshold=workshop.pass_threshold,
        min_assessors=workshop.min_assessors,
        criteria=tuple(passrule.Criterion(c.code, c.name, c.weight, c.minimum, c.critical) for c in criteria),
        exercises=tuple(
            passrule.Exercise(
                e.code, e.name, tuple(c.code for c in sorted(e.criteria.all(), key=lambda c: (c.order, c.code)))
            )
            for e in exercises
        ),
        grade_bands=tuple((b.name, b.min_percent) for b in workshop.grade_bands.all()),
    )


def workshop_results(workshop: Workshop, nominations=None, *, eligible=None, rubric=None) -> dict[int, passrule.Result]:
    """nomination id -> the pass rule's result, for every accepted candidate,
    in a fixed number of queries whatever the size of the workshop."""
    rubric = rubric or rubric_of(workshop)
    eligible = eligible if eligible is not None else eligible_assessor_map(workshop)
    if nominations is None:
        nominations = list(
            Nomination.objects.filter(workshop=workshop, status=NominationStatus.ACCEPTED).select_related("official")
        )
    ids = [n.pk for n in nominations]
    scores = defaultdict(dict)
    for nomination_id, assessor_id, exercise, criterion, value in PhaseOneScore.objects.filter(
        nomination_id__in=ids
    ).values_list("nomination_id", "assessor_id", "exercise__code", "criterion__code", "value"):
        scores[nomination_id][(str(assessor_id), exercise, criterion)] = value
    moderated = defaultdict(dict)
    for nomination_id, exercise, criterion, value in ModeratedScore.objects.filter(nomination_id__in=ids).values_list(
        "nomination_id", "exercise__code", "criterion__code", "value"
    ):
        moderated[nomination_id][(exercise, criterion)] = value
    return {
        n.pk: passrule.evaluate(
            rubric,
            [str(a.pk) for a in eligible.get(n.pk, [])],
            scores[n.pk],
            moderated[n.pk],
        )
        for n in nominations
    }


def nomination_result(nomination: Nomination) -> passrule.Result:
    return workshop_results(nomination.workshop, [nomination])[nomination.pk]


def exercise_fully_submitted(workshop: Workshop, exercise: WorkshopExercise) -> bool:
    """True when every assigned assessor has submitted their sheet for the exercise."""
    return exercise.pk in submitted_exercise_ids(workshop)


def submitted_exercise_ids(workshop: Workshop) -> frozenset[int]:
    """Ids of the workshop's exercises whose sheets every assigned assessor has
    submitted (two queries, whatever the size of the workshop)."""
    assessors = set(AssessorAssignment.objects.filter(workshop=workshop).values_list("assessor_id", flat=True))
    if not assessors:
        return frozenset()
    submitted = defaultdict(set)
    for exercise_id, assessor_id in ScoreSheet.objects.filter(
        workshop=workshop, status=SheetStatus.SUBMITTED
    ).values_list("exercise_id", "assessor_id"):
        submitted[exercise_id].add(assessor_id)
    return frozenset(exercise_id for exercise_id, who in submitted.items() if assessors <= who)


def is_blind_for(user, workshop: Workshop) -> bool:
    """True while the user, assigned to the workshop as an assessor, may not see
    another assessor's values anywhere (strict reading: until every sheet of
    every exercise is submitted), whatever other role they hold."""
    if not workshop.assignments.filter(assessor_id=getattr(user, "pk", None)).exists():
        return False
    exercises = set(workshop.exercises.values_list("pk", flat=True))
    return not exercises <= submitted_exercise_ids(workshop)


def scores_visible_to(user, workshop: Workshop):
    """Phase One scores of a workshop the user may read.

    Blind double scoring: an assessor assigned to the workshop sees only their
    own scores until every assigned assessor has submitted the exercise's sheet,
    whatever other role they hold. The Secretariat (when not assigned) sees all.
    Focal points and experts never see raw scores.
    """
    qs = PhaseOneScore.objects.filter(nomination__workshop=workshop)
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if workshop.assignments.filter(assessor=user).exists():
        return qs.filter(Q(assessor=user) | Q(exercise_id__in=submitted_exercise_ids(workshop)))
    if is_secretariat(user):
        return qs
    return qs.none()


def decisions_visible_to(user):
    """Decisions the user may read: all for the Secretariat; released ones of
    their own administration (focal point) or their own (expert)."""
    qs = Decision.objects.select_related("nomination__official", "nomination__workshop")
    if is_secretariat(user):
        return qs
    condition = Q(nomination__official__administration_id__in=focal_administration_ids(user))
    official = official_of(user)
    if official is not None:
        condition |= Q(nomination__official=official)
    return qs.filter(condition, released=True)


def certificates_visible_to(user):
    qs = Certificate.objects.select_related(
        "accreditation__official__administration", "accreditation__programme", "accreditation__nomination__workshop"
    )
    if is_secretariat(user):
        return qs
    condition = Q(accreditation__official__administration_id__in=focal_administration_ids(user))
    official = official_of(user)
    if official is not None:
        condition |= Q(accreditation__official=official)
    # A certificate reveals the Phase Two decision: nobody but the Secretariat
    # sees it before that decision is released.
    return qs.filter(condition).filter(phase_two_released("accreditation__nomination_id"))


def phase_two_released(nomination_ref: str = "nomination_id") -> Exists:
    """Whether the Phase Two decision of the nomination at `nomination_ref` is released."""
    return Exists(Decision.objects.filter(nomination_id=OuterRef(nomination_ref), phase=Phase.TWO, released=True))


def roster(*, programme=None, region=None, language: str = ""):
    """Accredited experts for mission planning."""
    qs = Accreditation.objects.filter(status=AccreditationStatus.ACCREDITED).select_related(
        "official__administration__region", "programme"
    )
    if programme is not None:
        qs = qs.filter(programme=programme)
    if region is not None:
        qs = qs.filter(official__administration__region=region)
    if language:
        qs = qs.filter(official__languages__icontains=language)
    return qs.order_by("official__name_latin")


def current_accreditation(official, programme, expert_type):
    return Accreditation.objects.filter(
        official=official, programme=programme, expert_type=expert_type, status__in=CURRENT_ACCREDITATION
    ).first()


@dataclass
class SheetCell:
    criterion: WorkshopCriterion
    score: PhaseOneScore | None

    @property
    def value(self):
        return "" if self.score is None else self.score.value

    @property
    def version(self) -> int:
        return 0 if self.score is None else self.score.version

    @property
    def comment(self) -> str:
        return "" if self.score is None else self.score.comment


@dataclass
class SheetRow:
    nomination: Nomination
    cells: list[SheetCell]
    decided: bool


@dataclass
class Sheet:
    workshop: Workshop
    exercise: WorkshopExercise
    criteria: list[WorkshopCriterion]
    rows: list[SheetRow]
    not_eligible: int  # accepted candidates this assessor may not score (conflict of interest)
    status: str
    submitted_at: object = None


def score_sheet_for(*, assessor, workshop: Workshop, exercise: WorkshopExercise) -> Sheet:
    """One assessor's sheet: the accepted candidates they are eligible for
    (never their own administration's, never a declared conflict, never
    themselves) × the criteria the exercise assesses, with their OWN values
    only. A fixed number of queries whatever the number of candidates."""
    criteria = sorted(exercise.criteria.all(), key=lambda c: (c.order, c.code))
    eligible = eligible_assessor_map(workshop)
    nominations = Nomination.objects.filter(workshop=workshop, status=NominationStatus.ACCEPTED).select_related(
        "official__administration"
    )
    own = {
        (s.nomination_id, s.criterion_id): s
        for s in PhaseOneScore.objects.filter(assessor=assessor, exercise=exercise, nomination__workshop=workshop)
    }
    decided = set(
        Decision.objects.filter(nomination__workshop=workshop, phase=Phase.ONE).values_list("nomination_id", flat=True)
    )
    sheet = ScoreSheet.objects.filter(exercise=exercise, assessor=assessor).first()
    rows, not_eligible = [], 0
    for nomination in nominations.order_by("official__name_latin"):
        allowed = any(a.pk == assessor.pk for a in eligible.get(nomination.pk, []))
        if not allowed or nomination.official.user_id == assessor.pk:
            not_eligible += 1
            continue
        cells = [SheetCell(c, own.get((nomination.pk, c.pk))) for c in criteria]
        rows.append(SheetRow(nomination, cells, nomination.pk in decided))
    return Sheet(
        workshop=workshop,
        exercise=exercise,
        criteria=criteria,
        rows=rows,
        not_eligible=not_eligible,
        status=sheet.status if sheet else SheetStatus.OPEN,
        submitted_at=sheet.submitted_at if sheet else None,
    )


@dataclass
class GridCell:
    exercise: str
    criterion: str
    values: list  # per assessor of the workshop, in order: a score, None (missing) or NOT_ELIGIBLE
    combined: Decimal | None
    moderated: Decimal | None
    gap: Decimal | None
    flagged: bool
    needs_moderation: bool
    exercise_id: int
    criterion_id: int
    comments: list = field(default_factory=list)  # (assessor, text) of the assessors who left a private comment


NOT_ELIGIBLE = "n/e"


@dataclass
class GridRow:
    nomination: Nomination
    result: passrule.Result
    cells: list[GridCell]
    decision: Decision | None
    check_labels: list = field(default_factory=list)
    not_eligible: list = field(default_factory=list)  # (assessor, reason) when the candidate is short of assessors
    conflicted_scorers: list = field(default_factory=list)  # assessors whose scores no longer count (conflict)

    @property
    def comments(self) -> list:
        """(cell, assessor, text) of every private comment on the candidate's cells."""
        return [(cell, assessor, text) for cell in self.cells for assessor, text in cell.comments]


@dataclass
class ResultsGrid:
    workshop: Workshop
    rubric: passrule.Rubric
    assessors: list
    rows: list[GridRow]
    agreement: Agreement
    sheets_waiting: list[str]  # exercises not every assessor has submitted


def results_grid(workshop: Workshop) -> ResultsGrid:
    """The Secretariat's grid: each assessor's score, the combined score, the
    criterion and weighted scores, the grade, each pass-rule check and the
    moderation flags and the assessors' private comments, for every accepted
    candidate (a fixed number of queries).
    Callers decide who may see it (see is_blind_for)."""
    rubric = rubric_of(workshop)
    assessors = [a.assessor for a in workshop.assignments.select_related("assessor").order_by("assessor__username")]
    eligible = eligible_assessor_map(workshop)
    nominations = list(
        Nomination.objects.filter(workshop=workshop, status=NominationStatus.ACCEPTED)
        .select_related("official__administration")
        .order_by("official__name_latin")
    )
    results = workshop_results(workshop, nominations, eligible=eligible, rubric=rubric)
    decisions = {
        d.nomination_id: d
        for d in Decision.objects.filter(nomination__workshop=workshop, phase=Phase.ONE).select_related("decided_by")
    }
    exercises = {e.code: e for e in workshop.exercises.all()}
    criteria = {c.code: c for c in workshop.criteria.all()}
    submitted = submitted_exercise_ids(workshop)
    comments = {
        (nomination_id, exercise_id, criterion_id, assessor_id): text
        for nomination_id, exercise_id, criterion_id, assessor_id, text in PhaseOneScore.objects.filter(
            nomination__workshop=workshop
        )
        .exclude(comment="")
        .values_list("nomination_id", "exercise_id", "criterion_id", "assessor_id", "comment")
    }
    scorers = defaultdict(set)
    for nomination_id, assessor_id in (
        PhaseOneScore.objects.filter(nomination__workshop=workshop)
        .values_list("nomination_id", "assessor_id")
        .distinct()
    ):
        scorers[nomination_id].add(assessor_id)
    rows = []
    agreement_cells = []
    for nomination in nominations:
        result = results[nomination.pk]
        allowed = {str(a.pk) for a in eligible.get(nomination.pk, [])}
        conflicted_scorers = [a for a in assessors if a.pk in scorers[nomination.pk] and str(a.pk) not in allowed]
        not_eligible = []
        if result.status == passrule.TOO_FEW_ASSESSORS:
            not_eligible = [
                (a, conflict_reason(assessor=a, official=nomination.official))
                for a in assessors
                if str(a.pk) not in allowed
            ]
        cells = []
        for cell in result.cells:
            values = [cell.scores.get(str(a.pk)) if str(a.pk) in allowed else NOT_ELIGIBLE for a in assessors]
            exercise_id, criterion_id = exercises[cell.exercise].pk, criteria[cell.criterion].pk
            texts = [(a, comments.get((nomination.pk, exercise_id, criterion_id, a.pk))) for a in assessors]
            cell_comments = [(a, text) for a, text in texts if text and str(a.pk) in allowed]
            cells.append(
                GridCell(
                    exercise=cell.exercise,
                    criterion=cell.criterion,
                    values=values,
                    combined=cell.combined,
                    moderated=cell.moderated,
                    gap=cell.gap,
                    flagged=cell.flagged,
                    needs_moderation=cell.flagged and cell.moderated is None,
                    exercise_id=exercise_id,
                    criterion_id=criterion_id,
                    comments=cell_comments,
                )
            )
            if not cell.missing:
                agreement_cells.append(cell.scores)
        rows.append(
            GridRow(
                nomination,
                result,
                cells,
                decisions.get(nomination.pk),
                not_eligible=not_eligible,
                conflicted_scorers=conflicted_scorers,
            )
        )
    return ResultsGrid(
        workshop=workshop,
        rubric=rubric,
        assessors=assessors,
        rows=rows,
        agreement=agreement(
            agreement_cells, tolerance=workshop.tolerance, scale_min=workshop.scale_min, scale_max=workshop.scale_max
        ),
        sheets_waiting=[e.name for e in exercises.values() if e.pk not in submitted],
    )


def workshop_agreement(workshop: Workshop) -> Agreement:
    """The agreement statistic of a workshop's assessors (see accreditation.agreement)."""
    cells = [cell.scores for result in workshop_results(workshop).values() for cell in result.cells if not cell.missing]
    return agreement(cells, tolerance=workshop.tolerance, scale_min=workshop.scale_min, scale_max=workshop.scale_max)


def audit_trail_of(official, *, viewer):
    """The audit trail of one candidate for the Secretariat, newest first: every
    entry about the official, plus the submissions and reopenings of the sheets
    of the workshops they were scored in. While a viewer is blind for a
    workshop (assigned there as an assessor), the values other assessors
    entered are withheld from the entries (see redacted on each entry)."""
    workshop_ids = list(Nomination.objects.filter(official=official).values_list("workshop_id", flat=True))
    entries = list(
        AuditEntry.objects.filter(
            Q(official_id=official.pk)
            | Q(workshop_id__in=workshop_ids, action__in=["sheet.submit", "sheet.reopen"], official_id__isnull=True)
        )
        .select_related("actor")
        .prefetch_related("actor__groups")
    )
    blind_workshops = {pk for pk in workshop_ids if is_blind_for(viewer, Workshop(pk=pk))}
    for entry in entries:
        entry.redacted = (
            entry.workshop_id in blind_workshops
            and entry.action.startswith("score.")
            and entry.actor_id != getattr(viewer, "pk", None)
        )
    return entries


def released_decisions_for(user):
    """Released decisions the user may read, newest first (outcome, grade and feedback only)."""
    return decisions_visible_to(user).filter(released=True).order_by("-released_at")


def phase_one_scores_visible_to(user):
    """Phase One scores of every workshop the user may read, honouring blind
    double scoring (for lists such as the admin's): the Secretariat sees all
    except, in a workshop where they are themselves an assessor, another
    assessor's scores of an exercise not yet submitted by every assessor."""
    if not is_secretariat(user):
        return PhaseOneScore.objects.filter(assessor_id=getattr(user, "pk", None))
    assigned = list(Workshop.objects.filter(assignments__assessor=user))
    if not assigned:
        return PhaseOneScore.objects.all()
    released = set().union(*(submitted_exercise_ids(w) for w in assigned))
    hidden = Q(nomination__workshop__in=assigned) & ~Q(assessor=user) & ~Q(exercise_id__in=released)
    return PhaseOneScore.objects.exclude(hidden)


def audit_entries_visible_to(user):
    """The audit trail for the back office. While the user is blind for a
    workshop (assigned there as an assessor), other assessors' score entries of
    that workshop are withheld: their text carries the values."""
    from toa_portal.models import AuditEntry

    entries = AuditEntry.objects.all()
    assigned = list(Workshop.objects.filter(assignments__assessor_id=getattr(user, "pk", None)))
    blind = [w.pk for w in assigned if is_blind_for(user, w)]
    if not blind:
        return entries
    return entries.exclude(Q(workshop_id__in=blind, action__startswith="score.") & ~Q(actor_id=user.pk))


def phase_two_nominations_visible_to(user):
    """Phase Two candidates: for the Secretariat every nomination that passed
    Phase One; for a field evaluator, the missions they evaluate; nobody else's."""
    if is_secretariat(user):
        qs = Nomination.objects.filter(decisions__phase=Phase.ONE, decisions__outcome=Outcome.PASSED)
    else:
        qs = Nomination.objects.filter(field_evaluation__evaluator_id=getattr(user, "pk", None))
    return qs.select_related(
        "official__administration", "workshop__programme", "field_evaluation__evaluator", "accreditation"
    ).order_by("-workshop__start_date", "official__name_latin")
