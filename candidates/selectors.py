"""Reused reads about people and administrations, scoped by who asks."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q

from toa_portal.text import fold

from .models import Administration, FocalPoint, Official
from .rules import focal_administration_ids, is_secretariat, official_of


def officials_visible_to(user):
    """All officials for the Secretariat, their administrations' for a focal
    point, their own record for an expert; nothing for anyone else."""
    qs = Official.objects.select_related("administration", "user")
    if is_secretariat(user):
        return qs
    condition = Q(administration_id__in=focal_administration_ids(user))
    own = official_of(user)
    if own is not None:
        condition |= Q(pk=own.pk)
    return qs.filter(condition)


def officials_search(queryset, text: str):
    """Filter officials by name (Latin or native script) or e-mail, ignoring
    accents and case: one query on the stored folded keys."""
    needle = fold(text)
    if not needle:
        return queryset
    return queryset.filter(official_name_matches(needle) | Q(email_key__contains=needle.replace(" ", "")))


def official_name_matches(needle: str, prefix: str = "") -> Q:
    """A condition on an already folded needle: the Latin or the native-script name contains it."""
    return Q(**{f"{prefix}name_key__contains": needle}) | Q(**{f"{prefix}name_native_key__contains": needle})


def official_matches(*, administration_id: int, name: str = "", email: str = ""):
    """Existing officials of the administration who may be the person being
    entered: the same e-mail (ignoring case) or the same name (ignoring accents
    and case). Only ever looks inside the one administration, so nothing about
    another administration's people can leak through the offer."""
    condition = Q()
    email_key = (email or "").strip().casefold()
    name_key = fold(name)
    if email_key:
        condition |= Q(email_key=email_key)
    if name_key:
        condition |= Q(name_key=name_key)
    if not condition:
        return Official.objects.none()
    return Official.objects.filter(condition, administration_id=administration_id).order_by("name_latin")


def duplicate_officials() -> list[dict]:
    """Groups of officials that are probably the same person: the same e-mail,
    or the same folded name in the same administration. Two queries whatever the size."""
    email_groups = defaultdict(list)
    name_groups = defaultdict(list)
    officials = list(Official.objects.select_related("administration").order_by("name_latin", "pk"))
    for official in officials:
        if official.email_key:
            email_groups[official.email_key].append(official)
        name_groups[(official.administration_id, official.name_key)].append(official)
    groups = []
    seen = set()
    for key, members in email_groups.items():
        if len(members) > 1:
            groups.append({"kind": "email", "key": key, "officials": members})
            seen.add(frozenset(m.pk for m in members))
    for (_admin, key), members in name_groups.items():
        if len(members) > 1 and frozenset(m.pk for m in members) not in seen:
            groups.append({"kind": "name", "key": key, "officials": members})
    return groups


def administrations_with_focal_points():
    """Administrations with their current and past focal points (two queries)."""
    return Administration.objects.select_related("region").prefetch_related(
        Prefetch(
            "focal_points",
            queryset=FocalPoint.objects.select_related("user").order_by("-active", "-since"),
        )
    )


def accounts_list(text: str = ""):
    """Every account with what the list shows, for the Secretariat."""
    qs = (
        get_user_model()
        .objects.select_related("profile__home_administration", "official")
        .prefetch_related(
            "groups",
            Prefetch(
                "focal_points",
                queryset=FocalPoint.objects.filter(active=True).select_related("administration"),
                to_attr="active_focal_points",
            ),
        )
        .order_by("username")
    )
    text = (text or "").strip()
    if text:
        qs = qs.filter(
            Q(username__icontains=text)
            | Q(email__icontains=text)
            | Q(first_name__icontains=text)
            | Q(last_name__icontains=text)
        )
    return qs
