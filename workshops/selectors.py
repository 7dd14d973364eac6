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


def assessor_administration_ids(user) -> set[int]:
    """Every administration an assessor (or field evaluator) belongs to: their
    account's home administration and, for an expert who assesses, the
    administration of the official record linked to their account."""
    ids = set()
    if user is None:
        return ids
    home = home_administration_id(user)
    if home is not None:
        ids.add(home)
    try:
        official = user.official
    except Official.DoesNotExist:
        official = None
    if official is not None:
        ids.add(official.administration_id)
    return ids


def conflict_reason(*, assessor, official: Official) -> str | None:
    """Why the assessor may not assess the official, or None when they may."""
    from django.utils.translation import gettext as _

    if official.user_id is not None and official.user_id == getattr(assessor, "pk", None):
        return _("the assessor is the official")
    if official.administration_id in assessor_administration_ids(assessor):
        return _("the assessor belongs to the official's own administration")
    if DeclaredConflict.objects.filter(assessor=assessor, official=official).exists():
        return _("the assessor declared a conflict of interest with this official")
    return None


def _eligibility(assessors, nominations, conflicts) -> dict[int, list]:
    """nomination id -> the assessors (users) eligible for it.
    nominations: (id, official id, administration id, official's user id)."""
    administrations = {a.pk: assessor_administration_ids(a) for a in assessors}
    return {
        nomination_id: [
            a
            for a in assessors
            if administration_id not in administrations[a.pk]
            and (a.pk, official_id) not in conflicts
            and a.pk != user_id
        ]
        for nomination_id, official_id, administration_id, user_id in nominations
    }


def _assessor_users(workshop: Workshop) -> list:
    return [
        a.assessor
        for a in AssessorAssignment.objects.filter(workshop=workshop)
        .select_related("assessor__profile", "assessor__official")
        .order_by("assessor__username")
    ]


def eligible_assessor_map(workshop: Workshop) -> dict[int, list]:
    """nomination id -> the assigned assessors eligible for that candidate, in a
    fixed number of queries whatever the size of the workshop."""
    assessors = _assessor_users(workshop)
    nominations = list(
        Nomination.objects.filter(workshop=workshop).values_list(
            "pk", "official_id", "official__administration_id", "official__user_id"
        )
    )
    conflicts = set(
        DeclaredConflict.objects.filter(
            assessor__in=[a.pk for a in assessors], official__nominations__workshop=workshop
        ).values_list("assessor_id", "official_id")
    )
    return _eligibility(assessors, nominations, conflicts)


def candidates_below_minimum(
    workshop: Workshop,
    *,
    add_assessor=None,
    remove_assessor=None,
    add_conflict: tuple | None = None,
    add_nomination: Nomination | None = None,
) -> list[tuple[Nomination, int]]:
    """The accepted candidates who would have fewer eligible assessors than the
    workshop's minimum after a change (an assessor assigned or removed, a
    conflict (assessor, official) declared, a nomination accepted), with how
    many eligible assessors they would keep."""
    assessors = [a for a in _assessor_users(workshop) if remove_assessor is None or a.pk != remove_assessor.pk]
    if add_assessor is not None and all(a.pk != add_assessor.pk for a in assessors):
        assessors.append(add_assessor)
    accepted = list(
        Nomination.objects.filter(workshop=workshop, status=NominationStatus.ACCEPTED).select_related("official")
    )
    if add_nomination is not None and all(n.pk != add_nomination.pk for n in accepted):
        accepted.append(add_nomination)
    conflicts = set(
        DeclaredConflict.objects.filter(
            assessor__in=[a.pk for a in assessors], official__in=[n.official_id for n in accepted]
        ).values_list("assessor_id", "official_id")
    )
    if add_conflict is not None:
        conflicts.add((add_conflict[0].pk, add_conflict[1].pk))
    eligible = _eligibility(
        assessors,
        [(n.pk, n.official_id, n.official.administration_id, n.official.user_id) for n in accepted],
        conflicts,
    )
    by_pk = {n.pk: n for n in accepted}
    return sorted(
        ((by_pk[pk], len(people)) for pk, people in eligible.items() if len(people) < workshop.min_assessors),
        key=lambda item: item[0].official.name_latin,
    )


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
