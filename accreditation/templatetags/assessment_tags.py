"""Template tags for the assessment pages that other pages include."""

from django import template

from candidates.rules import official_of

from ..selectors import released_decisions_for

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
