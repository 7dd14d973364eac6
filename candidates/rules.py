"""Permission predicates about people and administrations."""

import rules

from .enums import SECRETARIAT_GROUP


@rules.predicate
def is_secretariat(user):
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_is_secretariat", None)
    if cached is None:
        cached = user.groups.filter(name=SECRETARIAT_GROUP).exists()
        user._is_secretariat = cached
    return cached


def focal_administration_ids(user):
    """Ids of the administrations the user is an active focal point of (cached on the user)."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_focal_administration_ids", None)
    if cached is None:
        from .models import FocalPoint

        cached = frozenset(
            FocalPoint.objects.filter(user=user, active=True).values_list("administration_id", flat=True)
        )
        user._focal_administration_ids = cached
    return cached


@rules.predicate
def is_focal_point(user):
    return bool(focal_administration_ids(user))


def official_of(user):
    """The Official record of an expert's own account, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_official_cache"):
        from .models import Official

        user._official_cache = Official.objects.filter(user=user).first()
    return user._official_cache


@rules.predicate
def is_expert(user):
    return official_of(user) is not None


@rules.predicate
def is_focal_point_of_official(user, official):
    return official is not None and official.administration_id in focal_administration_ids(user)


@rules.predicate
def is_the_official(user, official):
    return official is not None and official.user_id is not None and official.user_id == user.pk
