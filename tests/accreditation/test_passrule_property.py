"""The pass rule against an independent oracle written from docs/domain.md.

The oracle below reads the rule as the document states it and computes it with
its own code (exact fractions; its own half-up rounding and its own "enough
decimals" search): it calls nothing of accreditation.passrule or
accreditation.figures. Two searches feed both: random rubrics and scores, and a
targeted one that builds thresholds, band edges, minimums and tolerances that
the scores land on exactly (or miss by the smallest step a rubric can express).
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

from hypothesis import assume, given
from hypothesis import strategies as st

from accreditation import passrule

# ---------------------------------------------------------------- the oracle


def _half_up(x: Fraction, places: int) -> Fraction:
    """docs/domain.md: "half-up"; for a non-negative x, floor(x·10^p + ½) / 10^p."""
    scale = 10**places
    return Fraction(math.floor(x * scale + Fraction(1, 2)), scale)


def _written(x: Fraction, places: int) -> str:
    scaled = _half_up(x, places) * 10**places
    assert scaled.denominator == 1
    digits = str(scaled.numerator).rjust(places + 1, "0")
    return digits if places == 0 else f"{digits[:-places]}.{digits[-places:]}"


def _enough(x: Fraction, places: int, edges) -> str:
    """One decimal (or `places`) unless the rounded figure reads on the other side of an edge."""
    for p in range(places, 20):
        shown = _half_up(x, p)
        if all((shown >= e) == (x >= e) for e in edges):
            return _written(x, p)
    raise AssertionError("no number of decimals tells the figure from its edges")


def _score_written(x: Fraction, edges) -> str:
    text = _enough(x, 3, edges)
    return text.rstrip("0").rstrip(".") if "." in text else text


def oracle(rubric: dict, assessors: list[str], scores: dict, moderated: dict) -> dict:
    """What docs/domain.md says the outcome is, with the figures a page shows."""
    exercises = rubric["exercises"]  # [(code, [criterion codes])]
    for code, assessed in exercises:
        for criterion in assessed:
            for a in assessors:
                if (a, code, criterion) not in scores:
                    return {"status": "incomplete"}
    combined = {}
    flagged = False
    for code, assessed in exercises:
        for criterion in assessed:
            values = sorted(scores[(a, code, criterion)] for a in assessors)
            if values[-1] - values[0] > rubric["tolerance"] and (code, criterion) not in moderated:
                flagged = True
            if (code, criterion) in moderated:
                combined[(code, criterion)] = moderated[(code, criterion)]
            elif rubric["combination"] == "median":
                n = len(values)
                combined[(code, criterion)] = (
                    Fraction(values[n // 2]) if n % 2 else Fraction(values[n // 2 - 1] + values[n // 2], 2)
                )
            else:
                combined[(code, criterion)] = Fraction(sum(values), len(values))
    criterion_score = {}
    for code, *_ in rubric["criteria"]:
        mine = [v for (e, c), v in combined.items() if c == code]
        criterion_score[code] = sum(mine, Fraction(0)) / len(mine)
    total = sum(weight for _code, weight, _minimum, _critical in rubric["criteria"])
    weighted = sum((weight * criterion_score[code] for code, weight, _m, _c in rubric["criteria"]), Fraction(0)) / total
    percent = weighted / rubric["scale_max"] * 100
    failed = []
    if not percent >= rubric["threshold"]:
        failed.append("threshold")
    for code, _weight, minimum, critical in rubric["criteria"]:
        if minimum is None:
            continue
        if not criterion_score[code] >= minimum:
            failed.append(f"minimum:{code}")
        if critical:
            for exercise, assessed in exercises:
                if code in assessed and not combined[(exercise, code)] >= minimum:
                    failed.append(f"critical:{exercise}/{code}")
    edges = [rubric["threshold"], *(edge for _name, edge in rubric["bands"])]
    grade = ""
    for name, edge in sorted(rubric["bands"], key=lambda band: band[1], reverse=True):
        if percent >= edge:
            grade = name
            break
    if len(assessors) < rubric["min_assessors"]:
        status = "too_few_assessors"
    elif flagged:
        status = "needs_moderation"
    elif failed:
        status = "failed"
    else:
        status = "passed"
    minimums = {code: minimum for code, _w, minimum, _c in rubric["criteria"] if minimum is not None}
    return {
        "status": status,
        "grade": grade if status in ("passed", "needs_moderation") else "",
        "failed": sorted(failed),
        "percent": percent,
        "percent_display": _enough(percent, 1, edges) + "%",
        "criterion_display": {
            code: _score_written(value, [minimums[code]] if code in minimums else [])
            for code, value in criterion_score.items()
        },
    }


# ------------------------------------------------------------- the searches

CODES = "ABCDEF"


def hundredths(low: int, high: int):
    """A value the Secretariat can enter: at most two decimals, between low and high."""
    return st.integers(low * 100, high * 100).map(lambda n: Fraction(n, 100))


@st.composite
def rubrics(draw):
    scale_min = draw(st.integers(0, 2))
    scale_max = draw(st.integers(scale_min + 2, scale_min + 9))
    n_criteria = draw(st.integers(2, 6))
    criteria = []
    for code in CODES[:n_criteria]:
        minimum = draw(st.none() | hundredths(scale_min, scale_max))
        criteria.append((code, draw(st.integers(1, 9)), minimum, minimum is not None and draw(st.booleans())))
    n_exercises = draw(st.integers(1, 4))
    exercises = []
    for i in range(n_exercises):
        assessed = draw(st.lists(st.sampled_from(CODES[:n_criteria]), min_size=1, unique=True))
        exercises.append((f"E{i}", sorted(assessed)))
    # every criterion is assessed by some exercise
    for code, *_ in criteria:
        if not any(code in assessed for _e, assessed in exercises):
            exercises[draw(st.integers(0, n_exercises - 1))][1].append(code)
    bands = draw(st.lists(hundredths(0, 100), max_size=3, unique=True))
    return {
        "scale_min": scale_min,
        "scale_max": scale_max,
        "combination": draw(st.sampled_from(["mean", "median"])),
        "tolerance": draw(hundredths(0, 3)),
        "threshold": draw(hundredths(0, 100)),
        "criteria": criteria,
        "exercises": [(code, sorted(set(assessed))) for code, assessed in exercises],
        "bands": [(f"G{i}", edge) for i, edge in enumerate(bands)],
        "min_assessors": 2,
    }


@st.composite
def cases(draw):
    rubric = draw(rubrics())
    assessors = [f"a{i}" for i in range(draw(st.integers(2, 4)))]
    value = st.integers(rubric["scale_min"], rubric["scale_max"])
    scores = {
        (a, exercise, criterion): draw(value)
        for exercise, assessed in rubric["exercises"]
        for criterion in assessed
        for a in assessors
    }
    pairs = [(e, c) for e, assessed in rubric["exercises"] for c in assessed]
    moderated = {
        pair: draw(hundredths(rubric["scale_min"], rubric["scale_max"]))
        for pair in draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs)))
    }
    return rubric, assessors, scores, moderated


def _nearby(draw, exact: Fraction) -> Fraction:
    """A boundary the Secretariat could enter at, or one hundredth around, an exact figure."""
    base = _half_up(exact, 2)
    return base + Fraction(draw(st.integers(-1, 1)), 100)


def _combined(values: list[int], combination: str) -> Fraction:
    """The combined score the rubric's combination gives (so minimums land on median rubrics too)."""
    values = sorted(values)
    n = len(values)
    if combination == "median":
        return Fraction(values[n // 2]) if n % 2 else Fraction(values[n // 2 - 1] + values[n // 2], 2)
    return Fraction(sum(values), n)


@st.composite
def boundary_cases(draw):
    """Random scores, then a rubric whose threshold, bands, minimums and
    tolerance are placed on (or a hundredth from) the figures those scores give."""
    rubric, assessors, scores, moderated = draw(cases())
    first = oracle({**rubric, "tolerance": Fraction(100)}, assessors, scores, moderated)
    percent = first["percent"]
    rubric["threshold"] = _nearby(draw, percent)
    rubric["bands"] = [("edge", _nearby(draw, percent)), *rubric["bands"][:1]]
    criteria = []
    for code, weight, _minimum, critical in rubric["criteria"]:
        values = [
            moderated.get((e, code), _combined([scores[(a, e, code)] for a in assessors], rubric["combination"]))
            for e, assessed in rubric["exercises"]
            if code in assessed
        ]
        target = sum(values, Fraction(0)) / len(values) if not critical else min(values)
        criteria.append((code, weight, _nearby(draw, target), critical))
    rubric["criteria"] = criteria
    gaps = [
        max(scores[(a, e, c)] for a in assessors) - min(scores[(a, e, c)] for a in assessors)
        for e, assessed in rubric["exercises"]
        for c in assessed
    ]
    rubric["tolerance"] = Fraction(draw(st.sampled_from(gaps)))
    return rubric, assessors, scores, moderated


def _production(rubric, assessors, scores, moderated):
    decimal = lambda f: None if f is None else Decimal(f.numerator) / Decimal(f.denominator)  # noqa: E731
    production_rubric = passrule.Rubric(
        scale_min=rubric["scale_min"],
        scale_max=rubric["scale_max"],
        combination=rubric["combination"],
        tolerance=decimal(rubric["tolerance"]),
        pass_threshold=decimal(rubric["threshold"]),
        criteria=tuple(
            passrule.Criterion(code, f"Criterion {code}", weight, decimal(minimum), critical)
            for code, weight, minimum, critical in rubric["criteria"]
        ),
        exercises=tuple(passrule.Exercise(code, code, tuple(assessed)) for code, assessed in rubric["exercises"]),
        grade_bands=tuple((name, decimal(edge)) for name, edge in rubric["bands"]),
        min_assessors=rubric["min_assessors"],
    )
    # the Secretariat enters moderated values with two decimals: given as Decimals, as the database holds them
    return passrule.evaluate(
        production_rubric, assessors, scores, {pair: decimal(value) for pair, value in moderated.items()}
    )


def _agree(rubric, assessors, scores, moderated):
    expected = oracle(rubric, assessors, scores, moderated)
    result = _production(rubric, assessors, scores, moderated)
    assert result.status == expected["status"]
    if expected["status"] == "incomplete":
        return expected
    assert result.percent == expected["percent"]
    assert result.percent_display == expected["percent_display"]
    assert result.criterion_display == expected["criterion_display"]
    assert result.grade == expected["grade"]
    assert sorted(c.key for c in result.checks if not c.ok) == expected["failed"]
    threshold = next(c for c in result.checks if c.key == "threshold")
    assert threshold.value_display == expected["percent_display"]  # the explanation shows the page's figure
    assert result.explanation()["percent_display"] == expected["percent_display"]
    return expected


@given(cases())
def test_pass_rule_agrees_with_the_oracle_on_random_rubrics(case):
    _agree(*case)


@given(boundary_cases())
def test_pass_rule_agrees_with_the_oracle_on_boundaries(case):
    expected = _agree(*case)
    assume(expected["status"] != "incomplete")


def test_oracle_reads_the_worked_example_of_the_domain():
    """The oracle itself against docs/domain.md's worked example (73.6%, Merit)."""
    rubric = {
        "scale_min": 1,
        "scale_max": 5,
        "combination": "mean",
        "tolerance": Fraction(1),
        "threshold": Fraction(60),
        "criteria": [
            ("T", 3, Fraction(3), True),
            ("D", 2, Fraction(3), False),
            ("F", 1, None, False),
            ("C", 1, None, False),
        ],  # fmt: skip
        "exercises": [("PRES", ["T", "D", "C"]), ("GROUP", ["T", "F", "C"]), ("ROLE", ["T", "D", "F"])],
        "bands": [("Distinction", Fraction(85)), ("Merit", Fraction(70)), ("Pass", Fraction(60))],
        "min_assessors": 2,
    }
    cells = [("PRES", "T"), ("PRES", "D"), ("PRES", "C"), ("GROUP", "T"), ("GROUP", "F"), ("GROUP", "C"),
             ("ROLE", "T"), ("ROLE", "D"), ("ROLE", "F")]  # fmt: skip
    a = [4, 3, 4, 3, 4, 4, 4, 3, 5]
    b = [4, 4, 5, 4, 4, 4, 3, 3, 3]
    scores = {("A", *cell): va for cell, va in zip(cells, a, strict=True)}
    scores |= {("B", *cell): vb for cell, vb in zip(cells, b, strict=True)}
    expected = _agree(rubric, ["A", "B"], scores, {("ROLE", "F"): Fraction(4)})
    assert (expected["status"], expected["grade"], expected["percent_display"]) == ("passed", "Merit", "73.6%")
    scores[("A", "ROLE", "T")], scores[("B", "ROLE", "T")] = 2, 3
    expected = _agree(rubric, ["A", "B"], scores, {("ROLE", "F"): Fraction(4)})
    assert (expected["status"], expected["failed"], expected["percent_display"]) == (
        "failed",
        ["critical:ROLE/T"],
        "70.7%",
    )


def test_exactly_sixty_percent_from_thirds_passes():
    """K (weight 5) = 2, 2, 3 and L (weight 2) = 4, 5, 5: exactly 3.0 of 5."""
    rubric = {
        "scale_min": 1,
        "scale_max": 5,
        "combination": "mean",
        "tolerance": Fraction(1),
        "threshold": Fraction(60),
        "criteria": [("K", 5, None, False), ("L", 2, None, False)],
        "exercises": [("E1", ["K", "L"]), ("E2", ["K", "L"]), ("E3", ["K", "L"])],
        "bands": [("Merit", Fraction(70)), ("Pass", Fraction(60))],
        "min_assessors": 2,
    }
    scores = {}
    for a in ("A", "B"):
        for exercise, k, l_ in (("E1", 2, 4), ("E2", 2, 5), ("E3", 3, 5)):
            scores[(a, exercise, "K")] = k
            scores[(a, exercise, "L")] = l_
    expected = _agree(rubric, ["A", "B"], scores, {})
    assert (expected["status"], expected["grade"], expected["percent_display"]) == ("passed", "Pass", "60.0%")
