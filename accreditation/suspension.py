"""Suspension of an accreditation: temporary, with a reason and an end date.

While a suspension runs (from its start to its end date, inclusive, unless it
was lifted early) the accreditation's valid certificate is on the suspension
status list and public verification says *suspended*. It ends by itself: the
reads below compare dates, and the daily task `lift_ended_suspensions` records
the lifting in the audit trail. Services here are the ones the roster builds on.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.rules import is_secretariat
from toa_portal.audit import audit_record
from toa_portal.errors import DomainError

from .enums import Validity
from .models import Accreditation, Certificate, Suspension

# The public status of a valid certificate whose accreditation is suspended.
SUSPENDED = "suspended"


def running(today: dt.date) -> Q:
    """The suspensions in force on `today`."""
    return Q(lifted_on__isnull=True, starts_on__lte=today, ends_on__gte=today)


def current_suspension(accreditation_id: int, *, today: dt.date | None = None) -> Suspension | None:
    today = today or timezone.localdate()
    return Suspension.objects.filter(running(today), accreditation_id=accreditation_id).first()


def suspended_certificates(certificates: QuerySet[Certificate], *, today: dt.date | None = None) -> QuerySet:
    """The valid certificates among `certificates` whose accreditation is suspended today."""
    today = today or timezone.localdate()
    in_force = Suspension.objects.filter(running(today), accreditation=OuterRef("accreditation"))
    return certificates.filter(Exists(in_force), validity=Validity.VALID)


def not_suspended(accreditations: QuerySet[Accreditation], *, today: dt.date | None = None) -> QuerySet:
    """The accreditations among `accreditations` under no suspension today: a
    suspended expert is never proposed for missions, so the roster leaves them out."""
    today = today or timezone.localdate()
    in_force = Suspension.objects.filter(running(today), accreditation=OuterRef("pk"))
    return accreditations.exclude(Exists(in_force))


def with_suspension(certificates: QuerySet[Certificate], *, today: dt.date | None = None) -> QuerySet:
    """Annotate each certificate with `suspended_until`: the end of the
    suspension of its accreditation in force today, or None (a subquery, no
    extra query per row). Only a valid version reads as suspended."""
    today = today or timezone.localdate()
    in_force = Suspension.objects.filter(running(today), accreditation=OuterRef("accreditation"))
    return certificates.annotate(suspended_until=Subquery(in_force.values("ends_on")[:1]))


def _require_secretariat(actor) -> None:
    if not is_secretariat(actor):
        raise DomainError(_("Only the Secretariat may do this."))


@transaction.atomic
def certificate_suspend(*, actor, certificate: Certificate, reason: str, ends_on: dt.date) -> Suspension:
    """Suspend the accreditation of a valid certificate from today until
    `ends_on` (Secretariat, with a reason kept private: verification shows only
    the end date). Its certificate goes on the suspension list at once."""
    _require_secretariat(actor)
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the suspension."))
    today = timezone.localdate()
    if ends_on < today:
        raise DomainError(_("A suspension ends today or later."))
    accreditation = Accreditation.objects.select_for_update().get(pk=certificate.accreditation_id)
    certificate = Certificate.objects.get(pk=certificate.pk)
    if certificate.validity != Validity.VALID or certificate.valid_until < today:
        raise DomainError(_("Only a valid certificate can be suspended."))
    _lift_ended(accreditation_id=accreditation.pk, today=today)
    if Suspension.objects.filter(accreditation=accreditation, lifted_on__isnull=True).exists():
        raise DomainError(_("This accreditation is already suspended."))
    suspension = Suspension.objects.create(
        accreditation=accreditation, reason=reason, starts_on=today, ends_on=ends_on, created_by=actor
    )
    audit_record(
        actor=actor,
        action="certificate.suspend",
        obj=certificate,
        after={"suspended_from": today, "suspended_until": ends_on},
        reason=reason,
        workshop_id=accreditation.nomination.workshop_id,
        official_id=accreditation.official_id,
    )
    return suspension


@transaction.atomic
def suspension_lift(*, actor, suspension: Suspension, reason: str) -> Suspension:
    """End a suspension before its end date (Secretariat, with a reason)."""
    _require_secretariat(actor)
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for lifting the suspension."))
    suspension = (
        Suspension.objects.select_for_update().select_related("accreditation__nomination").get(pk=suspension.pk)
    )
    if suspension.lifted_on is not None:
        return suspension
    suspension.lifted_on = timezone.localdate()
    suspension.lifted_by = actor
    suspension.save(update_fields=["lifted_on", "lifted_by"])
    _audit_lift(actor=actor, suspension=suspension, reason=reason)
    return suspension


def _audit_lift(*, actor, suspension: Suspension, reason: str = "") -> None:
    accreditation = suspension.accreditation
    certificate = accreditation.certificates.order_by("-version").first()
    audit_record(
        actor=actor,
        action="certificate.suspension_lift",
        obj=certificate or accreditation,
        before={"suspended_until": suspension.ends_on},
        after={"lifted_on": suspension.lifted_on},
        reason=reason,
        workshop_id=accreditation.nomination.workshop_id,
        official_id=accreditation.official_id,
    )


def _lift_ended(*, accreditation_id: int | None = None, today: dt.date) -> int:
    ended = Suspension.objects.select_for_update().select_related("accreditation__nomination")
    ended = ended.filter(lifted_on__isnull=True, ends_on__lt=today)
    if accreditation_id is not None:
        ended = ended.filter(accreditation_id=accreditation_id)
    count = 0
    for suspension in ended:
        suspension.lifted_on = suspension.ends_on + dt.timedelta(days=1)
        suspension.save(update_fields=["lifted_on"])
        _audit_lift(actor=None, suspension=suspension)
        count += 1
    return count


@transaction.atomic
def suspensions_lift_ended(*, today: dt.date | None = None) -> int:
    """Record the end of every suspension whose end date has passed (beat,
    daily). Their certificates left the suspension list when the date passed;
    this writes the audit entry. Returns how many were lifted."""
    return _lift_ended(today=today or timezone.localdate())
