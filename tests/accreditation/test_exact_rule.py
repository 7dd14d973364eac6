"""The pass rule through the decision service, on exact values: a candidate
at exactly the threshold passes, and the figures shown tell the outcome."""

from decimal import Decimal
from fractions import Fraction

import pytest

from accreditation import services
from accreditation.enums import Outcome, Phase
from accreditation.models import Decision
from tests.factories import AdministrationFactory, OfficialFactory, UserFactory, make_workshop, nominate
from tests.factories import secretariat_user as make_secretariat
from workshops import services as workshop_services
from workshops.enums import WorkshopStatus
from workshops.models import Programme, ProgrammeCriterion, ProgrammeExercise, ProgrammeGradeBand

pytestmark = pytest.mark.django_db


def thirds_programme(code="thirds", *, threshold=Decimal("60")):
    """Criteria K (weight 5) and L (weight 2), three exercises each assessing both."""
    programme = Programme.objects.create(
        code=code, name="Exact thirds", certificate_prefix="TH", pass_threshold=threshold, tolerance=Decimal("1")
    )
    k = ProgrammeCriterion.objects.create(programme=programme, code="K", name="Knowledge", weight=5, order=0)
    l_ = ProgrammeCriterion.objects.create(programme=programme, code="L", name="Leading", weight=2, order=1)
    for order, name in enumerate(["E1", "E2", "E3"]):
        exercise = ProgrammeExercise.objects.create(programme=programme, code=name, name=name, order=order)
        exercise.criteria.set([k, l_])
    ProgrammeGradeBand.objects.create(programme=programme, name="Merit", min_percent=Decimal("70"))
    ProgrammeGradeBand.objects.create(programme=programme, name="Pass", min_percent=Decimal("60"))
    return programme


def scored_workshop(programme, tables, *, assessors=2):
    """tables: {exercise: (K, L)} given by every assessor alike, or one such dict
    per assessor. Returns (secretariat, nomination)."""
    if isinstance(tables, list):
        assessors = len(tables)
    else:
        tables = [tables] * assessors
    secretariat = make_secretariat()
    workshop = make_workshop(actor=secretariat, programme=programme)
    people = [UserFactory(home=AdministrationFactory(), password=None) for _ in range(assessors)]
    for person in people:
        workshop_services.assessor_assign(actor=secretariat, workshop=workshop, assessor=person)
    nomination = nominate(workshop, OfficialFactory(), actor=secretariat, accept=True)
    for status in (WorkshopStatus.CLOSED, WorkshopStatus.IN_PROGRESS):
        workshop = workshop_services.workshop_set_status(actor=secretariat, workshop=workshop, status=status)
    exercises = {e.code: e for e in workshop.exercises.all()}
    criteria = {c.code: c for c in workshop.criteria.all()}
    for person, table in zip(people, tables, strict=True):
        for code, (k, l_) in table.items():
            for criterion, value in (("K", k), ("L", l_)):
                services.phase_one_score_record(
                    actor=person,
                    nomination=nomination,
                    exercise=exercises[code],
                    criterion=criteria[criterion],
                    value=value,
                )
        for exercise in exercises.values():
            services.score_sheet_submit(actor=person, workshop=workshop, exercise=exercise)
    return secretariat, nomination


def test_exactly_sixty_percent_from_thirds_is_recorded_as_passed():
    secretariat, nomination = scored_workshop(thirds_programme(), {"E1": (2, 4), "E2": (2, 5), "E3": (3, 5)})
    decision = services.phase_one_decide(actor=secretariat, nomination=nomination)
    assert (decision.outcome, decision.grade, decision.score_percent) == (Outcome.PASSED, "Pass", Decimal("60.00"))
    assert decision.explanation["percent_exact"] == "60/1"
    threshold = next(c for c in decision.explanation["checks"] if c["key"] == "threshold")
    assert (threshold["value"], threshold["required"], threshold["ok"]) == ("60.0%", "60%", True)


def test_exactly_sixty_percent_with_three_assessors_is_recorded_as_passed():
    secretariat, nomination = scored_workshop(
        thirds_programme(), {"E1": (2, 4), "E2": (2, 5), "E3": (3, 5)}, assessors=3
    )
    decision = services.phase_one_decide(actor=secretariat, nomination=nomination)
    assert decision.outcome == Outcome.PASSED


def test_exactly_seventy_percent_is_merit_not_pass():
    # K = (5+4 + 4+4 + 4+4)/6 = 25/6 and L = (2+2 + 2+2 + 2+1)/6 = 11/6: (5·25/6 + 2·11/6)/7 = 3.5 of 5.
    secretariat, nomination = scored_workshop(
        thirds_programme(),
        [{"E1": (5, 2), "E2": (4, 2), "E3": (4, 2)}, {"E1": (4, 2), "E2": (4, 2), "E3": (4, 1)}],
    )
    decision = services.phase_one_decide(actor=secretariat, nomination=nomination)
    assert (decision.outcome, decision.grade, decision.score_percent) == (Outcome.PASSED, "Merit", Decimal("70.00"))
    assert decision.explanation["percent_display"] == "70.0%"


# K = (4+4 + 4+4 + 4+3)/6 = 23/6 and L = 1 throughout: (5·23/6 + 2)/7 = 127/42 of 5 → 1270/21 = 60.476…%
JUST_BELOW = [{"E1": (4, 1), "E2": (4, 1), "E3": (4, 1)}, {"E1": (4, 1), "E2": (4, 1), "E3": (3, 1)}]


def test_a_candidate_failing_by_a_hair_is_shown_with_enough_decimals():
    programme = thirds_programme("hair", threshold=Decimal("60.48"))
    secretariat, nomination = scored_workshop(programme, JUST_BELOW)
    decision = services.phase_one_decide(actor=secretariat, nomination=nomination)
    assert decision.outcome == Outcome.FAILED
    assert decision.explanation["percent_exact"] == "1270/21"
    threshold = next(c for c in decision.explanation["checks"] if c["key"] == "threshold")
    # 60.5% (one decimal) and even 60.48% (two) would read as reaching the 60.48% threshold.
    assert (threshold["value"], threshold["required"], threshold["ok"]) == ("60.476%", "60.48%", False)
    assert decision.explanation["percent_display"] == "60.476%"
    assert Decision.objects.filter(nomination=nomination, phase=Phase.ONE).count() == 1


def test_a_grade_band_edge_missed_by_a_hair_is_shown_with_enough_decimals():
    programme = thirds_programme("edge", threshold=Decimal("50"))
    programme.grade_bands.filter(name="Merit").update(min_percent=Decimal("60.48"))
    secretariat, nomination = scored_workshop(programme, JUST_BELOW)
    decision = services.phase_one_decide(actor=secretariat, nomination=nomination)
    assert (decision.outcome, decision.grade) == (Outcome.PASSED, "Pass")
    assert decision.explanation["percent_display"] == "60.476%"
    assert Fraction(1270, 21) < Fraction("60.48")
