"""Template tags for the assessment pages that other pages include."""

from decimal import InvalidOperation

from django import template

from candidates.rules import official_of

from .. import figures
from ..enums import grade_label
from ..selectors import certificates_visible_to, released_decisions_for
from ..suspension import with_suspension

register = template.Library()


@register.simple_tag
def released_decisions(user):
    """Released decisions the user may read (the expert's own; a focal point's administration's)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(released_decisions_for(user))


@register.simple_tag
def own_released_decisions(user):
    """The expert's own released decisions only (outcome, grade and feedback; never scores)."""
    official = official_of(user)
    if official is None:
        return []
    return list(released_decisions_for(user).filter(nomination__official=official))


@register.filter
def score(value):
    """A score as people write it: at most three decimals, no trailing zeros (3.667, 3.25, 4)."""
    if value is None or value == "":
        return ""
    try:
        return figures.score_text(value)
    except (InvalidOperation, ValueError, TypeError):
        return value


@register.filter
def stored_percent(value):
    """A stored percentage (two decimals, as recorded) in the reader's language: 59.97%."""
    return figures.stored_percent_text(value)


@register.filter
def percent(value):
    """A percentage from its exact value by the display rule (one decimal, half-up: 73.6%)."""
    if value is None or value == "":
        return ""
    try:
        return figures.percent_text(value)
    except (InvalidOperation, ValueError, TypeError):
        return value


@register.filter
def grade_name(value):
    """A grade in the reader's language (Merit → Mérite)."""
    return grade_label(value)


@register.simple_tag
def own_certificates(user):
    """The expert's own certificates once their Phase Two decision is released, newest version first."""
    official = official_of(user)
    if official is None:
        return []
    return list(
        with_suspension(certificates_visible_to(user).filter(accreditation__official=official)).order_by(
            "-accreditation__accredited_on", "number", "-version"
        )
    )
