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
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

INCOMPLETE = "incomplete"
MODERATION = "needs_moderation"
PASSED = "passed"
FAILED = "failed"

TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    weight: int
    minimum: Decimal | None = None
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
    tolerance: Decimal
    pass_threshold: Decimal
    criteria: tuple[Criterion, ...]
    exercises: tuple[Exercise, ...]
    grade_bands: tuple[tuple[str, Decimal], ...]  # (name, minimum percent), any order

    @property
    def pairs(self) -> list[tuple[str, str]]:
        return [(e.code, c) for e in self.exercises for c in e.criteria]

    def criterion(self, code: str) -> Criterion:
        return next(c for c in self.criteria if c.code == code)


@dataclass
class Cell:
    """One (exercise, criterion) pair of one candidate."""

    exercise: str
    criterion: str
    scores: dict[str, int]  # assessor key -> value
    moderated: Decimal | None
    combined: Decimal | None
    gap: Decimal | None
    flagged: bool
    missing: list[str]


@dataclass
class Check:
    """One part of the pass rule, with whether it held."""

    key: str
    label: str
    value: Decimal | None
    required: Decimal | None
    ok: bool

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "label": self.label,
            "value": _fmt(self.value),
            "required": _fmt(self.required),
            "ok": self.ok,
        }


@dataclass
class Result:
    status: str
    cells: list[Cell] = field(default_factory=list)
    criterion_scores: dict[str, Decimal] = field(default_factory=dict)
    weighted: Decimal | None = None
    percent: Decimal | None = None
    grade: str = ""
    checks: list[Check] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    flagged: list[tuple[str, str]] = field(default_factory=list)

    @property
    def decidable(self) -> bool:
        return self.status in (PASSED, FAILED)

    @property
    def percent_display(self) -> str:
        return "" if self.percent is None else f"{self.percent.quantize(Decimal('0.1'), ROUND_HALF_UP)}%"

    def cell(self, exercise: str, criterion: str) -> Cell | None:
        return next((c for c in self.cells if c.exercise == exercise and c.criterion == criterion), None)

    def explanation(self) -> dict:
        """What a decision stores: enough to show later why it was taken."""
        return {
            "status": self.status,
            "weighted": _fmt(self.weighted),
            "percent": _fmt(self.percent),
            "grade": self.grade,
            "criterion_scores": {k: _fmt(v) for k, v in self.criterion_scores.items()},
            "combined": {
                f"{c.exercise}/{c.criterion}": {
                    "combined": _fmt(c.combined),
                    "moderated": _fmt(c.moderated),
                    "gap": _fmt(c.gap),
                }
                for c in self.cells
            },
            "checks": [c.as_dict() for c in self.checks],
            "missing": self.missing,
            "flagged": [f"{e}/{c}" for e, c in self.flagged],
        }


def _fmt(value: Decimal | None) -> str | None:
    if value is None:
        return None
    return str(value.quantize(Decimal("0.001"), ROUND_HALF_UP))


def _mean(values) -> Decimal:
    values = [Decimal(v) for v in values]
    return sum(values) / Decimal(len(values))


def combine(values: list[int], combination: str) -> Decimal:
    if combination == "median":
        return Decimal(statistics.median(sorted(Decimal(v) for v in values)))
    return _mean(values)


def needs_moderation(values: list[int], tolerance: Decimal) -> bool:
    """A gap strictly above the tolerance flags the pair; a gap equal to it does not."""
    return len(values) > 1 and Decimal(max(values) - min(values)) > tolerance


def grade_for(percent: Decimal, bands) -> str:
    for name, minimum in sorted(bands, key=lambda band: band[1], reverse=True):
        if percent >= Decimal(minimum):
            return name
    return ""


def evaluate(
    rubric: Rubric,
    assessors: list[str],
    scores: dict[tuple[str, str, str], int],
    moderated: dict[tuple[str, str], Decimal] | None = None,
) -> Result:
    """Apply the pass rule to one candidate.

    assessors: the keys of the assessors eligible for this candidate.
    scores: (assessor, exercise, criterion) -> value.
    moderated: (exercise, criterion) -> the Secretariat's moderated value.
    """
    moderated = moderated or {}
    result = Result(status=INCOMPLETE)
    if len(assessors) < 1:
        result.missing.append("no eligible assessor")
    for exercise in rubric.exercises:
        for code in exercise.criteria:
            values = {a: scores[(a, exercise.code, code)] for a in assessors if (a, exercise.code, code) in scores}
            missing = [a for a in assessors if a not in values]
            mod = moderated.get((exercise.code, code))
            gap = Decimal(max(values.values()) - min(values.values())) if len(values) > 1 else None
            flagged = not missing and needs_moderation(list(values.values()), rubric.tolerance)
            if mod is not None:
                combined = Decimal(mod)
            elif values and not missing:
                combined = combine(list(values.values()), rubric.combination)
            else:
                combined = None
            result.cells.append(Cell(exercise.code, code, values, mod, combined, gap, flagged, missing))
            for assessor in missing:
                result.missing.append(f"{exercise.code}/{code}: {assessor}")
            if flagged and mod is None:
                result.flagged.append((exercise.code, code))

    if result.missing and any(c.combined is None for c in result.cells):
        return result

    # Criterion scores and the weighted score.
    for criterion in rubric.criteria:
        combined = [c.combined for c in result.cells if c.criterion == criterion.code]
        if combined:
            result.criterion_scores[criterion.code] = _mean(combined)
    assessed = [c for c in rubric.criteria if c.code in result.criterion_scores]
    total_weight = sum(c.weight for c in assessed)
    if not total_weight:
        result.missing.append("no criterion is assessed")
        return result
    result.weighted = sum(Decimal(c.weight) * result.criterion_scores[c.code] for c in assessed) / Decimal(total_weight)
    result.percent = result.weighted / Decimal(rubric.scale_max) * Decimal(100)
    result.grade = grade_for(result.percent, rubric.grade_bands)

    result.checks.append(
        Check(
            "threshold",
            "weighted score",
            result.percent,
            Decimal(rubric.pass_threshold),
            result.percent >= rubric.pass_threshold,
        )
    )
    for criterion in assessed:
        if criterion.minimum is None:
            continue
        value = result.criterion_scores[criterion.code]
        result.checks.append(
            Check(f"minimum:{criterion.code}", criterion.name, value, criterion.minimum, value >= criterion.minimum)
        )
        if criterion.critical:
            for cell in result.cells:
                if cell.criterion == criterion.code:
                    result.checks.append(
                        Check(
                            f"critical:{cell.exercise}/{criterion.code}",
                            f"{criterion.name} ({cell.exercise})",
                            cell.combined,
                            criterion.minimum,
                            cell.combined >= criterion.minimum,
                        )
                    )

    if result.flagged:
        result.status = MODERATION
    elif all(check.ok for check in result.checks):
        result.status = PASSED
    else:
        result.status = FAILED
        result.grade = ""
    return result
