"""The display rule: half-up, one decimal on pages, enough decimals at a boundary."""

from decimal import Decimal
from fractions import Fraction

import pytest

from accreditation import figures
from accreditation.agreement import agreement


@pytest.mark.parametrize(
    ("value", "boundaries", "shown"),
    [
        (Fraction(5375, 100), [], "53.8%"),  # a tie goes up, not to the even digit
        (Fraction(515, 7), [60, 70, 85], "73.6%"),
        (Fraction(60), [60], "60.0%"),
        (Fraction(5997, 100), [60], "59.97%"),  # 60.0% would read as reaching a 60% threshold
        (Fraction(59996, 1000), [60], "59.996%"),
        (Fraction(1270, 21), [Decimal("60.48")], "60.476%"),  # 60.5% and 60.48% would both read as reaching it
        (Fraction(6004, 100), [Decimal("60.05")], "60.0%"),
        (Fraction(6005, 100), [Decimal("60.05")], "60.1%"),
        (Fraction(6004, 100), [Decimal("60.04")], "60.04%"),  # 60.0% would read as below an edge it reached
    ],
)
def test_percent_text_follows_the_display_rule(value, boundaries, shown):
    assert figures.percent_text(value, boundaries) == shown


def test_scores_show_enough_decimals_against_a_minimum():
    assert figures.score_text(Fraction(11, 3)) == "3.667"
    assert figures.score_text(Fraction(13, 4)) == "3.25"
    assert figures.score_text(Fraction(4)) == "4"
    assert figures.score_text(Fraction(29995, 10000), [3]) == "2.9995"


def test_stored_figures_have_two_decimals_half_up():
    assert figures.stored(Fraction(515, 7)) == Decimal("73.57")
    assert figures.stored(Fraction(1, 200)) == Decimal("0.01")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        figures.exact(0.1)


def test_agreement_share_follows_the_display_rule():
    # 43 cells of 80 within the tolerance: 53.75% → 53.8%
    cells = [{"a": 3, "b": 3}] * 43 + [{"a": 1, "b": 5}] * 37
    assert agreement(cells, tolerance=Decimal("1"), scale_min=1, scale_max=5).percent_within == "53.8%"
