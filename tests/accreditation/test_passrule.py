"""The pass rule, against the worked example of docs/domain.md and every branch."""

from decimal import Decimal

import pytest

from accreditation import passrule

RUBRIC = passrule.Rubric(
    scale_min=1,
    scale_max=5,
    combination="mean",
    tolerance=Decimal("1"),
    pass_threshold=Decimal("60"),
    criteria=(
        passrule.Criterion("T", "Technical knowledge", 3, Decimal("3"), True),
        passrule.Criterion("D", "Training delivery", 2, Decimal("3"), False),
        passrule.Criterion("F", "Facilitation", 1, None, False),
        passrule.Criterion("C", "Communication", 1, None, False),
    ),
    exercises=(
        passrule.Exercise("PRES", "Presentation", ("T", "D", "C")),
        passrule.Exercise("GROUP", "Group discussion", ("T", "F", "C")),
        passrule.Exercise("ROLE", "Role-play", ("T", "D", "F")),
    ),
    grade_bands=(("Distinction", Decimal("85")), ("Merit", Decimal("70")), ("Pass", Decimal("60"))),
)
CELLS = [("PRES", "T"), ("PRES", "D"), ("PRES", "C"), ("GROUP", "T"), ("GROUP", "F"), ("GROUP", "C"),
         ("ROLE", "T"), ("ROLE", "D"), ("ROLE", "F")]  # fmt: skip
EXAMPLE_A = [4, 3, 4, 3, 4, 4, 4, 3, 5]
EXAMPLE_B = [4, 4, 5, 4, 4, 4, 3, 3, 3]


def scores(a, b):
    out = {}
    for (ex, c), va, vb in zip(CELLS, a, b, strict=True):
        out[("A", ex, c)] = va
        out[("B", ex, c)] = vb
    return out


def test_worked_example_needs_moderation_before_a_decision():
    result = passrule.evaluate(RUBRIC, ["A", "B"], scores(EXAMPLE_A, EXAMPLE_B))
    assert result.status == passrule.MODERATION
    assert result.flagged == [("ROLE", "F")]
    assert not result.decidable
    # The figures are computed all the same (the grid shows them before moderation).
    assert round(result.criterion_scores["T"], 3) == Decimal("3.667")
    assert result.criterion_scores["D"] == Decimal("3.25")
    assert result.criterion_scores["F"] == Decimal("4")
    assert result.criterion_scores["C"] == Decimal("4.25")


def test_worked_example_moderated_to_4_passes_with_merit_73_6():
    result = passrule.evaluate(RUBRIC, ["A", "B"], scores(EXAMPLE_A, EXAMPLE_B), {("ROLE", "F"): Decimal("4")})
    assert result.status == passrule.PASSED
    assert result.cell("PRES", "D").combined == Decimal("3.5")
    assert result.cell("PRES", "C").combined == Decimal("4.5")
    assert result.cell("ROLE", "T").combined == Decimal("3.5")
    assert round(result.weighted, 3) == Decimal("3.679")
    assert result.weighted * 7 == Decimal("25.75") or abs(result.weighted * 7 - Decimal("25.75")) < Decimal("1e-20")
    assert result.percent_display == "73.6%"
    assert result.grade == "Merit"
    assert all(check.ok for check in result.checks)
    critical = [c for c in result.checks if c.key.startswith("critical:")]
    assert [c.value for c in critical] == [Decimal("4"), Decimal("3.5"), Decimal("3.5")]


def test_critical_criterion_below_minimum_in_one_exercise_fails_despite_weighted_score():
    a = EXAMPLE_A.copy()
    b = EXAMPLE_B.copy()
    a[6], b[6] = 2, 3  # Role-play / T: combined 2.5
    result = passrule.evaluate(RUBRIC, ["A", "B"], scores(a, b), {("ROLE", "F"): Decimal("4")})
    assert result.status == passrule.FAILED
    assert result.percent_display == "70.7%"
    failed = [c.key for c in result.checks if not c.ok]
    assert failed == ["critical:ROLE/T"]
    assert result.grade == ""


def test_weighted_score_below_threshold_fails():
    a = [3, 3, 3, 3, 2, 3, 3, 3, 2]
    b = [3, 3, 2, 3, 3, 3, 3, 3, 3]
    result = passrule.evaluate(RUBRIC, ["A", "B"], scores(a, b))
    assert result.status == passrule.FAILED
    assert [c.key for c in result.checks if not c.ok] == ["threshold"]
    assert result.percent_display == "57.9%"


def test_criterion_below_its_minimum_fails():
    a = [4, 2, 4, 4, 4, 4, 4, 2, 4]
    b = [4, 2, 4, 4, 4, 4, 4, 3, 4]
    result = passrule.evaluate(RUBRIC, ["A", "B"], scores(a, b))
    assert result.status == passrule.FAILED
    assert [c.key for c in result.checks if not c.ok] == ["minimum:D"]
    assert result.percent == Decimal("70")


def test_exactly_at_threshold_passes():
    same = [3] * 9
    result = passrule.evaluate(RUBRIC, ["A", "B"], scores(same, same))
    assert result.percent == Decimal("60")
    assert result.status == passrule.PASSED
    assert result.grade == "Pass"


@pytest.mark.parametrize(
    ("a", "b", "flagged"),
    [(4, 5, False), (3, 5, True), (5, 4, False), (1, 5, True)],
)
def test_moderation_flag_is_strictly_above_tolerance(a, b, flagged):
    base = [4] * 9
    va, vb = base.copy(), base.copy()
    va[0], vb[0] = a, b
    result = passrule.evaluate(RUBRIC, ["A", "B"], scores(va, vb))
    assert (("PRES", "T") in result.flagged) is flagged
    assert result.cell("PRES", "T").gap == abs(a - b)


def test_missing_score_leaves_candidate_incomplete():
    all_scores = scores(EXAMPLE_A, EXAMPLE_B)
    del all_scores[("B", "GROUP", "F")]
    result = passrule.evaluate(RUBRIC, ["A", "B"], all_scores)
    assert result.status == passrule.INCOMPLETE
    assert result.missing == ["GROUP/F: B"]
    assert not result.decidable


def test_no_eligible_assessor_is_not_decidable():
    result = passrule.evaluate(RUBRIC, [], {})
    assert result.status == passrule.TOO_FEW_ASSESSORS
    assert not result.decidable


def test_median_combination():
    rubric = passrule.Rubric(**{**RUBRIC.__dict__, "combination": "median", "tolerance": Decimal("5")})
    s = {}
    for ex, c in CELLS:
        s[("A", ex, c)] = 3
        s[("B", ex, c)] = 4
        s[("C", ex, c)] = 5
    result = passrule.evaluate(rubric, ["A", "B", "C"], s)
    assert result.cell("PRES", "T").combined == Decimal("4")
    assert result.percent == Decimal("80")


def test_explanation_is_json_ready():
    import json

    result = passrule.evaluate(RUBRIC, ["A", "B"], scores(EXAMPLE_A, EXAMPLE_B), {("ROLE", "F"): Decimal("4")})
    text = json.dumps(result.explanation())
    assert '"status": "passed"' in text
    assert result.explanation()["percent"] == "73.57"
    assert result.explanation()["percent_display"] == "73.6%"
