"""Reused reads for assessment and accreditation, scoped by who asks."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from candidates.rules import focal_administration_ids, is_secretariat, official_of
from workshops.enums import NominationStatus
from workshops.models import Nomination, Workshop, WorkshopExercise
from workshops.selectors import eligible_assessor_map

from . import passrule
from .enums import CURRENT_ACCREDITATION, AccreditationStatus, SheetStatus
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
        criteria=tuple(passrule.Criterion(c.code, c.name, c.weight, c.minimum, c.critical) for c in criteria),
        exercises=tuple(
            passrule.Exercise(
                e.code, e.name, tuple(c.code for c in sorted(e.criteria.all(), key=lambda c: (c.order, c.code)))
            )
            for e in exercises
        ),
        grade_bands=tuple((b.name, b.min_percent) for b in workshop.grade_bands.all()),
    )


def workshop_results(workshop: Workshop, nominations=None) -> dict[int, passrule.Result]:
    """nomination id -> the pass rule's result, for every accepted candidate,
    in a fixed number of queries whatever the size of the workshop."""
    rubric = rubric_of(workshop)
    eligible = eligible_assessor_map(workshop)
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
    assessors = set(workshop.assignments.values_list("assessor_id", flat=True))
    submitted = set(
        ScoreSheet.objects.filter(exercise=exercise, status=SheetStatus.SUBMITTED).values_list("assessor_id", flat=True)
    )
    return bool(assessors) and assessors <= submitted


def scores_visible_to(user, workshop: Workshop):
    """Phase One scores of a workshop the user may read.

    Blind double scoring: an assessor assigned to the workshop sees only their
    own scores until every assigned assessor has submitted the exercise's sheet,
    whatever other role they hold. The Secretariat (when not assigned) sees all.
    Focal points and experts never see raw scores.
    """
    qs = PhaseOneScore.objects.filter(nomination__workshop=workshop)
    assigned = workshop.assignments.filter(assessor=user).exists() if user.is_authenticated else False
    if assigned:
        open_exercises = [e for e in workshop.exercises.all() if not exercise_fully_submitted(workshop, e)]
        return qs.filter(Q(assessor=user) | ~Q(exercise__in=open_exercises))
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
    return qs.filter(condition)


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
