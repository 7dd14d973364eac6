"""The rubric snapshot: a workshop keeps the rubric its programme had when it
was created. Editing the programme afterwards (weights, minimums, threshold,
scale, exercises, grade bands) never re-grades a past workshop; a new
workshop takes the new rubric."""

from decimal import Decimal
from fractions import Fraction

import pytest

from accreditation.demo import KASHIWA_TITLE
from accreditation.selectors import workshop_results
from tests.factories import make_workshop
from workshops.models import Programme, ProgrammeCriterion, ProgrammeExercise, Workshop

pytestmark = pytest.mark.django_db


def _rubric(workshop):
    return {
        "scalars": [getattr(workshop, f) for f in ("scale_min", "scale_max", "combination", "tolerance")]
        + [workshop.pass_threshold],
        "criteria": list(workshop.criteria.values_list("code", "weight", "minimum", "critical").order_by("code")),
        "exercises": [(e.code, sorted(c.code for c in e.criteria.all())) for e in workshop.exercises.all()],
        "bands": list(workshop.grade_bands.values_list("name", "min_percent")),
    }


def _results(workshop):
    return {
        nomination_id: (result.status, result.percent, result.grade)
        for nomination_id, result in workshop_results(workshop).items()
    }


def _edit_programme(programme):
    programme.pass_threshold = Decimal("90")
    programme.scale_max = 10
    programme.tolerance = Decimal("0")
    programme.save()
    ProgrammeCriterion.objects.filter(programme=programme, code="T").update(weight=1, minimum=Decimal("4.5"))
    ProgrammeCriterion.objects.filter(programme=programme, code="D").update(critical=True)
    extra = ProgrammeCriterion.objects.create(programme=programme, code="E", name="Ethics", weight=5)
    ProgrammeExercise.objects.get(programme=programme, code="ROLE").criteria.add(extra)
    ProgrammeExercise.objects.create(programme=programme, code="CASE", name="Case study")
    programme.grade_bands.filter(name="Merit").update(min_percent=Decimal("95"))


def test_snapshot_editing_the_programme_leaves_a_past_workshop_unchanged(demo_module):
    kashiwa = Workshop.objects.get(title=KASHIWA_TITLE)
    rubric_before, results_before = _rubric(kashiwa), _results(kashiwa)
    decisions_before = list(kashiwa.nominations.values_list("decisions__grade", "decisions__score_percent"))
    jpn = kashiwa.nominations.get(official__administration__code="JPN")
    status, percent, grade = results_before[jpn.pk]
    assert (status, percent, grade) == ("passed", Fraction(515, 7), "Merit")

    _edit_programme(kashiwa.programme)

    kashiwa.refresh_from_db()
    assert _rubric(kashiwa) == rubric_before
    assert _results(kashiwa) == results_before
    assert list(kashiwa.nominations.values_list("decisions__grade", "decisions__score_percent")) == decisions_before


def test_snapshot_a_new_workshop_takes_the_edited_rubric(demo_module):
    programme = Programme.objects.get(code="ipr")
    _edit_programme(programme)
    workshop = make_workshop(programme=programme)
    rubric = _rubric(workshop)
    assert rubric["scalars"] == [1, 10, "mean", Decimal("0"), Decimal("90")]
    assert ("T", 1, Decimal("4.5"), True) in rubric["criteria"]
    assert ("E", 5, None, False) in rubric["criteria"]
    assert ("ROLE", ["D", "E", "F", "T"]) in rubric["exercises"]
    assert ("Merit", Decimal("95")) in rubric["bands"]
    assert ("CASE", []) in rubric["exercises"]
    kashiwa = Workshop.objects.get(title=KASHIWA_TITLE)
    assert ("ROLE", ["D", "F", "T"]) in _rubric(kashiwa)["exercises"]
