"""Permission predicates for assessment and accreditation, and the roles a user holds."""

import rules

from candidates.rules import is_expert, is_focal_point, is_secretariat
from workshops.rules import is_assessor


def field_evaluation_ids(user):
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_field_evaluation_ids", None)
    if cached is None:
        from .models import FieldEvaluation

        cached = frozenset(FieldEvaluation.objects.filter(evaluator=user).values_list("pk", flat=True))
        user._field_evaluation_ids = cached
    return cached


@rules.predicate
def is_field_evaluator(user):
    return bool(field_evaluation_ids(user))


ROLE_PREDICATES = {
    "secretariat": is_secretariat,
    "focal_point": is_focal_point,
    "assessor": is_assessor,
    "field_evaluator": is_field_evaluator,
    "expert": is_expert,
}


def roles_of(user) -> frozenset[str]:
    """The names of every role the user holds (a person may hold several)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(name for name, predicate in ROLE_PREDICATES.items() if predicate(user))
