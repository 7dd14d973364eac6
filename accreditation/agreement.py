"""How well a workshop's assessors agree: pure functions over plain numbers.

Two figures, computed from every pair of assessors who scored the same
(candidate, exercise, criterion) cell:

- the share of cells whose gap between the highest and lowest score is
  within the tolerance (the same test that flags a cell for moderation);
- Cohen's weighted kappa with **quadratic** weights over all those pairs of
  scores, the categories being the points of the workshop's scale. Each pair
  is ordered by assessor (first, second) so rater identity is kept, as
  Cohen's kappa requires. 1 is perfect agreement, 0 what chance would give.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from itertools import combinations

from .figures import number_text, percent_text, round_half_up


@dataclass(frozen=True)
class Agreement:
    cells: int  # cells scored by at least two assessors
    within_tolerance: int
    pairs: int  # pairs of scores that entered the kappa
    kappa: Decimal | None  # None when undefined (no pairs, or a single category used)

    @property
    def share_within(self) -> Decimal | None:
        if not self.cells:
            return None
        return Decimal(self.within_tolerance) / Decimal(self.cells)

    @property
    def percent_within(self) -> str:
        share = self.share_within
        return "" if share is None else percent_text(Fraction(self.within_tolerance * 100, self.cells))

    @property
    def kappa_display(self) -> str:
        return "" if self.kappa is None else number_text(round_half_up(self.kappa, 3))


def quadratic_weighted_kappa(pairs: list[tuple[int, int]], scale_min: int, scale_max: int) -> Decimal | None:
    """Cohen's kappa with quadratic disagreement weights w = (i - j)² / (k - 1)².

    κ = 1 - Σ w·observed / Σ w·expected, where expected is the product of the
    two raters' marginal distributions. Exact arithmetic (fractions).
    """
    if not pairs or scale_max <= scale_min:
        return None
    k = scale_max - scale_min + 1
    n = len(pairs)
    first = [0] * k
    second = [0] * k
    observed = Fraction(0)
    for a, b in pairs:
        i, j = a - scale_min, b - scale_min
        first[i] += 1
        second[j] += 1
        observed += Fraction((i - j) ** 2, (k - 1) ** 2)
    observed /= n
    expected = Fraction(0)
    for i in range(k):
        for j in range(k):
            expected += Fraction((i - j) ** 2, (k - 1) ** 2) * Fraction(first[i] * second[j], n * n)
    if expected == 0:
        return None
    kappa = 1 - observed / expected
    return Decimal(kappa.numerator) / Decimal(kappa.denominator)


def agreement(cells: list[dict[str, int]], *, tolerance: Decimal, scale_min: int, scale_max: int) -> Agreement:
    """cells: for each (candidate, exercise, criterion), assessor key -> score."""
    counted = within = 0
    pairs: list[tuple[int, int]] = []
    for scores in cells:
        if len(scores) < 2:
            continue
        counted += 1
        values = list(scores.values())
        if Decimal(max(values) - min(values)) <= tolerance:
            within += 1
        for first, second in combinations(sorted(scores), 2):
            pairs.append((scores[first], scores[second]))
    return Agreement(
        cells=counted,
        within_tolerance=within,
        pairs=len(pairs),
        kappa=quadratic_weighted_kappa(pairs, scale_min, scale_max),
    )
