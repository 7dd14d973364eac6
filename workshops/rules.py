"""Permission predicates about workshops, nominations and assessors."""

import rules

from candidates.rules import is_focal_point, is_secretariat


def assigned_workshop_ids(user):
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_assigned_workshop_ids", None)
    if cached is None:
        from .models import AssessorAssignment

        cached = frozenset(AssessorAssignment.objects.filter(assessor=user).values_list("workshop_id", flat=True))
        user._assigned_workshop_ids = cached
    return cached


@rules.predicate
def is_assessor(user):
    return bool(assigned_workshop_ids(user))


@rules.predicate
def is_assigned_to_workshop(user, workshop):
    return workshop is not None and workshop.pk in assigned_workshop_ids(user)


rules.add_perm("workshops.manage", is_secretariat)
rules.add_perm("workshops.nominate", is_focal_point)
