"""How an exact figure is written for people: the one display rule.

Every figure of the pass rules is computed exactly (a `Fraction`). People read
it rounded half-up: percentages to one decimal on pages, two in stored
summaries, criterion scores to three. Where the rounded figure would land on
the wrong side of a boundary the outcome depends on (a threshold, a grade
band's edge, a minimum), as many decimals are added as it takes to tell the
two apart: a failed 59.97% is never shown "60.0%" next to a 60% threshold.

Formatting the digits (the decimal separator) happens in `number_text` only.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext

PERCENT_PLACES = 1  # on pages
STORED_PLACES = 2  # in stored summaries (Decision.score_percent, explanations)
SCORE_PLACES = 3  # criterion and combined scores
MAX_PLACES = 12  # boundaries carry at most two decimals: never reached in practice


def exact(value) -> Fraction | None:
    """The exact value of an int, a Decimal, a Fraction or a decimal string (never a float)."""
    if value is None or value == "":
        return None
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        raise TypeError("floats are not exact")
    if isinstance(value, str):
        return Fraction(Decimal(value))
    return Fraction(value)


def round_half_up(value, places: int) -> Decimal:
    """The value rounded half-up (away from zero on a tie) to `places` decimals, exactly."""
    value = exact(value)
    scaled = value * 10**places
    sign = -1 if scaled < 0 else 1
    whole = (abs(scaled.numerator) * 2 + scaled.denominator) // (2 * scaled.denominator)
    return Decimal(sign * whole).scaleb(-places)


def telling(value, places: int, boundaries: Iterable = ()) -> Decimal:
    """The value rounded half-up to `places` decimals, or to more where fewer
    would put it on the other side of one of the boundaries (value ≥ boundary
    must read the same on the rounded figure)."""
    value = exact(value)
    edges = [exact(b) for b in boundaries if b is not None]
    for digits in range(places, MAX_PLACES + 1):
        rounded = round_half_up(value, digits)
        if all((Fraction(rounded) >= edge) == (value >= edge) for edge in edges):
            return rounded
    return round_half_up(value, MAX_PLACES)


def number_text(number: Decimal) -> str:
    """A rounded figure written out in the reader's language, keeping its
    decimals (60.0, 59.97; in French 60,0, 59,97)."""
    places = max(0, -number.as_tuple().exponent)
    return formats.number_format(number, decimal_pos=places)


def _without_trailing_zeros(number: Decimal) -> Decimal:
    """3.250 → 3.25, 4.000 → 4 (never an exponent: 100 stays 100)."""
    if number == number.to_integral_value():
        return number.quantize(Decimal(1))
    return number.normalize()


def percent_text(value, boundaries: Iterable = ()) -> str:
    """A percentage for a page: one decimal, more where a boundary needs them (73.6%, 59.97%)."""
    if value is None:
        return ""
    return gettext("%(number)s%%") % {"number": number_text(telling(value, PERCENT_PLACES, boundaries))}


def bound_text(value) -> str:
    """A threshold, band edge or minimum as the Secretariat entered it (60, 62.5, 3):
    these carry at most two decimals, so no rounding is involved."""
    return number_text(_without_trailing_zeros(round_half_up(value, STORED_PLACES)))


def bound_percent_text(value) -> str:
    """A threshold or band edge as a percentage (60%, 62.5%)."""
    return gettext("%(number)s%%") % {"number": bound_text(value)}


def score_text(value, boundaries: Iterable = ()) -> str:
    """A score on the scale: up to three decimals without trailing zeros (3.667, 3.25, 4),
    more where a minimum needs them."""
    if value is None:
        return ""
    return number_text(_without_trailing_zeros(telling(value, SCORE_PLACES, boundaries)))


def stored_percent_text(value: Decimal | None) -> str:
    """A stored percentage (Decision.score_percent, two decimals) as a page writes it (59.97%; 59,97 % in French)."""
    if value is None:
        return ""
    return gettext("%(number)s%%") % {"number": number_text(Decimal(value))}


def in_stored_language():
    """The language of what is stored (explanations kept with a decision): the
    site's default, whoever records it, so a record never depends on the
    reader who happened to cause it."""
    return translation.override(settings.LANGUAGE_CODE)


def stored(value) -> Decimal | None:
    """The figure kept in a stored summary: half-up, two decimals."""
    return None if value is None else round_half_up(value, STORED_PLACES)


def fraction_text(value) -> str | None:
    """The exact value as text ("515/7"), stored with a decision for later re-checks."""
    value = exact(value)
    return None if value is None else f"{value.numerator}/{value.denominator}"
