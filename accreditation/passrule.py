"""The Phase One pass rule, computed in one place.

Pure functions over plain data, so the results grid, the decision service, the
demo and the tests all call the same code. The rubric is the workshop's
snapshot; nothing here is a constant of the rule.

1. Combined score of (exercise, criterion) = mean (or median) of the eligible
   assessors' scores, or the moderated score where one was recorded.
2. Criterion score = mean of its combined scores over the exercises assessing it.
3. Weighted score = Σ(weight × criterion score) / Σ(weight), reported as a share
   of the scale maximum.
Pass: weighted ≥ threshold, every criterion ≥ its minimum, and every critical
criterion ≥ its minimum in every exercise that assesses it.

Every value is exact (`fractions.Fraction`) and every comparison is made on the
exact value; figures are rounded only to be written for people (see figures).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from .figures import (
    bound_percent_text,
    bound_text,
    exact,
    fraction_text,
    in_stored_language,
    percent_text,
    score_text,
    stored,
)

INCOMPLETE = "incomplete"
TOO_FEW_ASSESSORS = "too_few_assessors"
MODERATION = "needs_moderation"
PASSED = "passed"
FAILED = "failed"

DEFAULT_MIN_ASSESSORS = 2


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    weight: int
    minimum: object = None  # int, Decimal or Fraction; None when the criterion has none
    critical: bool = False


@dataclass(frozen=True)
class Exercise:
    code: str
    name: str
    criteria: tuple[str, ...]


@dataclass(frozen=True)
class Rubric:
    scale_min: int
    scale_max: int
    combination: str
    tolerance: object
    pass_threshold: object
    criteria: tuple[Criterion, ...]
    exercises: tuple[Exercise, ...]
    grade_bands: tuple[tuple[str, object], ...]  # (name, minimum percent), any order
    min_assessors: int = DEFAULT_MIN_ASSESSORS

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return [(e.code, c) for e in self.exercises for c in e.criteria]

    def criterion(self, code: str) -> Criterion:
        return next(c for c in self.criteria if c.code == code)

    @property
    def percent_boundaries(self) -> list[Fraction]:
        """The percentages an outcome turns on: the threshold and every band's edge."""
        return [exact(self.pass_threshold), *(exact(minimum) for _name, minimum in self.grade_bands)]


@dataclass
class Cell:
    """One (exercise, criterion) pair of one candidate."""

    exercise: str
    criterion: str
    scores: dict[str, int]  # assessor key -> value
    moderated: Fraction | None
    combined: Fraction | None
    gap: int | None
    flagged: bool
    missing: list[str]


@dataclass
class Check:
    """One part of the pass rule, with whether it held, and its two figures
    written by the display rule (enough decimals to tell them apart)."""

    key: str
    label: str
    value: Fraction | None
    required: Fraction | None
    ok: bool
    percent: bool = False
    boundaries: tuple = ()  # where the figures must read on the right side; the required value by default

    def _text(self, value) -> str | None:
        if value is None:
            return None
        writer = percent_text if self.percent else score_text
        return writer(value, self.boundaries or (self.required,))

    @property
    def value_display(self) -> str | None:
        return self._text(self.value)

    @property
    def required_display(self) -> str | None:
        if self.required is None:
            return None
        return bound_percent_text(self.required) if self.percent else bound_text(self.required)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value_display,
            "required": self.required_display,
            "exact": fraction_text(self.value),
            "ok": self.ok,
        }


@dataclass
class Result:
    status: str
    cells: list[Cell] = field(default_factory=list)
    criterion_scores: dict[str, Fraction] = field(default_factory=dict)
    weighted: Fraction | None = None
    percent: Fraction | None = None
    grade: str = ""
    checks: list[Check] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    flagged: list[tuple[str, str]] = field(default_factory=list)
    eligible: int = 0
    min_assessors: int = DEFAULT_MIN_ASSESSORS
    boundaries: list[Fraction] = field(default_factory=list)
    minimums: dict[str, Fraction] = field(default_factory=dict)

    @property
    def decidable(self) -> bool:
        return self.status in (PASSED, FAILED)

    @property
    def percent_display(self) -> str:
        """The weighted score as pages show it (the display rule of docs/domain.md)."""
        return percent_text(self.percent, self.boundaries)

    @property
    def criterion_display(self) -> dict[str, str]:
        """Each criterion score as pages show it (enough decimals to tell it from its minimum)."""
        minimums = self.minimums
        return {code: score_text(value, [minimums.get(code)]) for code, value in self.criterion_scores.items()}

    @property
    def percent_stored(self):
        return stored(self.percent)

    def cell(self, exercise: str, criterion: str) -> Cell | None:
        return next((c for c in self.cells if c.exercise == exercise and c.criterion == criterion), None)

    def explanation(self) -> dict:
        """What a decision stores: the figures the page shows (written in the
        site's default language, whoever records it), and the exact values behind them."""
        with in_stored_language():
            return self._explanation()

    def _explanation(self) -> dict:
        return {
            "status": self.status,
            "weighted": score_text(self.weighted),
            "percent": None if self.percent is None else str(self.percent_stored),
            "percent_display": self.percent_display,
            "percent_exact": fraction_text(self.percent),
            "grade": self.grade,
            "eligible_assessors": self.eligible,
            "criterion_scores": self.criterion_display,
            "combined": {
                f"{c.exercise}/{c.criterion}": {
                    "combined": score_text(c.combined),
                    "moderated": score_text(c.moderated),
                    "gap": c.gap,
                }
                for c in self.cells
            },
            "checks": [c.as_dict() for c in self.checks],
            "missing": self.missing,
            "flagged": [f"{e}/{c}" for e, c in self.flagged],
        }


def mean(values) -> Fraction:
    values = [exact(v) for v in values]
    return sum(values, Fraction(0)) / len(values)


def median(values) -> Fraction:
    ordered = sorted(exact(v) for v in values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def combine(values: list[int], combination: str) -> Fraction:
    return median(values) if combination == "median" else mean(values)


def needs_moderation(values: list[int], tolerance) -> bool:
    """A gap strictly above the tolerance flags the pair; a gap equal to it does not."""
    return len(values) > 1 and max(values) - min(values) > exact(tolerance)


def grade_for(percent, bands) -> str:
    percent = exact(percent)
    for name, minimum in sorted(bands, key=lambda band: exact(band[1]), reverse=True):
        if percent >= exact(minimum):
            return name
    return ""


def evaluate(
    rubric: Rubric,
    assessors: list[str],
    scores: dict[tuple[str, str, str], int],
    moderated: dict | None = None,
) -> Result:
    """Apply the pass rule to one candidate.

    assessors: the keys of the assessors eligible for this candidate.
    scores: (assessor, exercise, criterion) -> value (scores of assessors who
    are not eligible are ignored).
    moderated: (exercise, criterion) -> the Secretariat's moderated value.
    """
    moderated = moderated or {}
    result = Result(
        status=INCOMPLETE,
        eligible=len(assessors),
        min_assessors=rubric.min_assessors,
        boundaries=rubric.percent_boundaries,
        minimums={c.code: exact(c.minimum) for c in rubric.criteria if c.minimum is not None},
    )
    for exercise in rubric.exercises:
        for code in exercise.criteria:
            values = {a: scores[(a, exercise.code, code)] for a in assessors if (a, exercise.code, code) in scores}
            missing = [a for a in assessors if a not in values]
            mod = exact(moderated.get((exercise.code, code)))
            gap = max(values.values()) - min(values.values()) if len(values) > 1 else None
            flagged = not missing and needs_moderation(list(values.values()), rubric.tolerance)
            if missing or not values:
                # A moderated value never stands in for a missing score.
                combined = None
            elif mod is not None:
                combined = mod
            else:
                combined = combine(list(values.values()), rubric.combination)
            result.cells.append(Cell(exercise.code, code, values, mod, combined, gap, flagged, missing))
            for assessor in missing:
                result.missing.append(f"{exercise.code}/{code}: {assessor}")
            if flagged and mod is None:
                result.flagged.append((exercise.code, code))

    if len(assessors) < rubric.min_assessors:
        result.status = TOO_FEW_ASSESSORS
    if any(c.combined is None for c in result.cells):
        return result

    # Criterion scores and the weighted score.
    for criterion in rubric.criteria:
        combined = [c.combined for c in result.cells if c.criterion == criterion.code]
        if combined:
            result.criterion_scores[criterion.code] = mean(combined)
    assessed = [c for c in rubric.criteria if c.code in result.criterion_scores]
    total_weight = sum(c.weight for c in assessed)
    if not total_weight:
        result.missing.append("no criterion is assessed")
        return result
    result.weighted = sum((c.weight * result.criterion_scores[c.code] for c in assessed), Fraction(0)) / total_weight
    result.percent = result.weighted / rubric.scale_max * 100
    result.grade = grade_for(result.percent, rubric.grade_bands)

    threshold = exact(rubric.pass_threshold)
    result.checks.append(
        Check(
            "threshold",
            "weighted score",
            result.percent,
            threshold,
            result.percent >= threshold,
            percent=True,
            boundaries=tuple(result.boundaries),
        )
    )
    for criterion in assessed:
        if criterion.minimum is None:
            continue
        minimum = exact(criterion.minimum)
        value = result.criterion_scores[criterion.code]
        result.checks.append(Check(f"minimum:{criterion.code}", criterion.name, value, minimum, value >= minimum))
        if criterion.critical:
            for cell in result.cells:
                if cell.criterion == criterion.code:
                    result.checks.append(
                        Check(
                            f"critical:{cell.exercise}/{criterion.code}",
                            f"{criterion.name} ({cell.exercise})",
                            cell.combined,
                            minimum,
                            cell.combined >= minimum,
                        )
                    )

    if result.status == TOO_FEW_ASSESSORS:
        result.grade = ""
    elif result.flagged:
        result.status = MODERATION
    elif all(check.ok for check in result.checks):
        result.status = PASSED
    else:
        result.status = FAILED
        result.grade = ""
    return result
