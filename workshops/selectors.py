"""Reused reads about workshops, nominations and assessor eligibility."""

from __future__ import annotations

from django.db.models import Count, Q

from candidates.models import Official
from candidates.rules import focal_administration_ids, is_secretariat, official_of

from .enums import NominationStatus
from .models import AssessorAssignment, DeclaredConflict, Nomination, Workshop
from .rules import assigned_workshop_ids


def home_administration_id(user) -> int | None:
    profile = getattr(user, "profile", None) if user is not None else None
    try:
        return profile.home_administration_id if profile is not None else None
    except Exception:  # pragma: no cover - a user without a profile row
        return None


def conflict_reason(*, assessor, official: Official) -> str | None:
    """Why the assessor may not assess the official, or None when they may."""
    from django.utils.translation import gettext as _

    home = home_administration_id(assessor)
    if home is not None and home == official.administration_id:
        return _("the assessor belongs to the official's own administration")
    if DeclaredConflict.objects.filter(assessor=assessor, official=official).exists():
        return _("the assessor declared a conflict of interest with this official")
    return None


def eligible_assessor_map(workshop: Workshop) -> dict[int, list]:
    """nomination id -> the assigned assessors eligible for that candidate, in two queries
    plus one for conflicts, whatever the size of the workshop."""
    assignments = list(
        AssessorAssignment.objects.filter(workshop=workshop)
        .select_related("assessor__profile")
        .order_by("assessor__username")
    )
    nominations = list(
        Nomination.objects.filter(workshop=workshop).values_list("pk", "official_id", "official__administration_id")
    )
    conflicts = set(
        DeclaredConflict.objects.filter(
            assessor__in=[a.assessor_id for a in assignments], official__nominations__workshop=workshop
        ).values_list("assessor_id", "official_id")
    )
    result = {}
    for nomination_id, official_id, administration_id in nominations:
        result[nomination_id] = [
            a.assessor
            for a in assignments
            if home_administration_id(a.assessor) != administration_id and (a.assessor_id, official_id) not in conflicts
        ]
    return result


def workshops_visible_to(user):
    """Every workshop the user may open."""
    qs = Workshop.objects.select_related("programme", "host_administration", "host_administration__region")
    if is_secretariat(user):
        return qs
    condition = Q(pk__in=assigned_workshop_ids(user))
    if focal_administration_ids(user):
        condition |= ~Q(status__in=["draft"])
    official = official_of(user)
    if official is not None:
        condition |= Q(nominations__official=official)
    return qs.filter(condition).distinct()


def nominations_visible_to(user):
    """Nominations the user may see: all for the Secretariat, their own
    administration's for a focal point, their own for an expert, and the
    accepted candidates of workshops an assessor is assigned to."""
    qs = Nomination.objects.select_related("official", "official__administration", "workshop", "workshop__programme")
    if is_secretariat(user):
        return qs
    condition = Q(official__administration_id__in=focal_administration_ids(user))
    official = official_of(user)
    if official is not None:
        condition |= Q(official=official)
    assigned = assigned_workshop_ids(user)
    if assigned:
        condition |= Q(workshop_id__in=assigned, status=NominationStatus.ACCEPTED)
    return qs.filter(condition)


def nomination_counts(workshop: Workshop) -> dict:
    """Counters for the workshop page: by status, and nominations per administration."""
    by_status = dict(
        Nomination.objects.filter(workshop=workshop)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    by_administration = list(
        Nomination.objects.filter(workshop=workshop)
        .exclude(status=NominationStatus.WITHDRAWN)
        .values("official__administration__name", "official__administration_id")
        .annotate(n=Count("pk"), accepted=Count("pk", filter=Q(status=NominationStatus.ACCEPTED)))
        .order_by("official__administration__name")
    )
    return {"by_status": by_status, "by_administration": by_administration}


def quota_for(workshop: Workshop, administration_id: int) -> int | None:
    quota = workshop.quotas.filter(administration_id=administration_id).values_list("limit", flat=True).first()
    return quota if quota is not None else workshop.default_quota


def places_left(workshop: Workshop, administrations) -> list[dict]:
    """For each administration: its quota of nominations to the workshop, how many
    it has used (withdrawn ones do not count) and how many are left; quota None
    means no limit. Two queries whatever the number of administrations."""
    quotas = dict(workshop.quotas.filter(administration__in=administrations).values_list("administration_id", "limit"))
    used = dict(
        Nomination.objects.filter(workshop=workshop, official__administration__in=administrations)
        .exclude(status=NominationStatus.WITHDRAWN)
        .values_list("official__administration_id")
        .annotate(n=Count("pk"))
        .values_list("official__administration_id", "n")
    )
    rows = []
    for administration in administrations:
        quota = quotas.get(administration.pk, workshop.default_quota)
        count = used.get(administration.pk, 0)
        left = None if quota is None else max(quota - count, 0)
        rows.append({"administration": administration, "quota": quota, "used": count, "left": left})
    return rows
