"""Every state change of programmes, workshops and nominations.

Each service is atomic, refuses an illegal change with a DomainError that says
why, writes an audit entry, and queues its side effects (e-mails) on commit.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.models import Official
from toa_portal.audit import audit_record
from toa_portal.dates import format_deadline
from toa_portal.errors import DomainError
from toa_portal.uploads import sniff

from .enums import NOMINATION_TRANSITIONS, Attendance, NominationStatus, PrescreeningOutcome, WorkshopStatus
from .models import (
    AssessorAssignment,
    CurriculumModule,
    DeclaredConflict,
    Nomination,
    Programme,
    Workshop,
    WorkshopCriterion,
    WorkshopExercise,
    WorkshopFieldCriterion,
    WorkshopGradeBand,
    WorkshopQuota,
)
from .selectors import candidates_below_minimum, conflict_reason, quota_for

RUBRIC_FIELDS = ("scale_min", "scale_max", "combination", "tolerance", "pass_threshold", "min_assessors")


class ConfirmationNeeded(DomainError):
    """The change would leave candidates with fewer eligible assessors than the
    workshop needs: it goes ahead only when called again with confirm=True."""

    def __init__(self, message, *, below: list):
        super().__init__(message)
        self.below = below  # [(nomination, eligible assessors left)]


def _require_confirmation(workshop: Workshop, below: list, confirm: bool) -> None:
    if below and not confirm:
        raise ConfirmationNeeded(
            _(
                "This would leave %(names)s with fewer than %(n)s eligible assessors: their Phase One "
                "decisions stay refused until the minimum is met. Confirm to go ahead."
            )
            % {
                "names": ", ".join(f"{n.official.name_latin} ({left})" for n, left in below),
                "n": workshop.min_assessors,
            },
            below=below,
        )


def _below_names(below: list) -> list[str]:
    return [f"{n.official.name_latin} ({left})" for n, left in below]


def _notify(event: str, nomination_id: int) -> None:
    """Queue the e-mails about a nomination once the change is committed."""
    from .tasks import send_nomination_notice

    transaction.on_commit(lambda: send_nomination_notice.delay(event, nomination_id), robust=True)


@transaction.atomic
def workshop_create(*, actor, programme: Programme, curriculum: list[str] | None = None, **fields) -> Workshop:
    """Create a workshop and take the snapshot of its programme's rubric (scale,
    criteria, exercises, grade bands, and the Phase Two criteria and
    threshold): later edits of the programme never re-grade this workshop."""
    for name in RUBRIC_FIELDS:
        fields.setdefault(name, getattr(programme, name))
    fields.setdefault("field_pass_threshold", programme.field_pass_threshold)
    workshop = Workshop(programme=programme, **fields)
    workshop.full_clean()
    workshop.save()
    criteria = {}
    for criterion in programme.criteria.all():
        criteria[criterion.pk] = WorkshopCriterion.objects.create(
            workshop=workshop,
            code=criterion.code,
            name=criterion.name,
            weight=criterion.weight,
            minimum=criterion.minimum,
            critical=criterion.critical,
            order=criterion.order,
        )
    for exercise in programme.exercises.prefetch_related("criteria"):
        copy = WorkshopExercise.objects.create(
            workshop=workshop, code=exercise.code, name=exercise.name, order=exercise.order
        )
        copy.criteria.set([criteria[c.pk] for c in exercise.criteria.all()])
    WorkshopGradeBand.objects.bulk_create(
        WorkshopGradeBand(workshop=workshop, name=band.name, min_percent=band.min_percent)
        for band in programme.grade_bands.all()
    )
    WorkshopFieldCriterion.objects.bulk_create(
        WorkshopFieldCriterion(
            workshop=workshop,
            code=c.code,
            name=c.name,
            weight=c.weight,
            minimum=c.minimum,
            critical=c.critical,
            order=c.order,
        )
        for c in programme.field_criteria.all()
    )
    CurriculumModule.objects.bulk_create(
        CurriculumModule(workshop=workshop, title=title, order=i) for i, title in enumerate(curriculum or [])
    )
    audit_record(
        actor=actor,
        action="workshop.create",
        obj=workshop,
        after={"programme": str(programme), "start_date": workshop.start_date, "capacity": workshop.capacity},
        workshop_id=workshop.pk,
    )
    return workshop


def deadline_passed(workshop: Workshop, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) > workshop.nomination_deadline


def deadline_local(workshop: Workshop) -> dt.datetime:
    """The deadline as the workshop's own clock shows it."""
    return workshop.nomination_deadline.astimezone(ZoneInfo(workshop.timezone))


@transaction.atomic
def workshop_set_status(*, actor, workshop: Workshop, status: str, reason: str = "") -> Workshop:
    """Move a workshop to a new status (open, close nominations, start, complete, cancel)."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if workshop.status == status:
        return workshop
    allowed = {
        WorkshopStatus.OPEN: {WorkshopStatus.DRAFT, WorkshopStatus.CLOSED},
        WorkshopStatus.CLOSED: {WorkshopStatus.OPEN, WorkshopStatus.DRAFT},
        WorkshopStatus.IN_PROGRESS: {WorkshopStatus.CLOSED, WorkshopStatus.OPEN},
        WorkshopStatus.COMPLETED: {WorkshopStatus.IN_PROGRESS, WorkshopStatus.CLOSED},
        WorkshopStatus.CANCELLED: {WorkshopStatus.DRAFT, WorkshopStatus.OPEN, WorkshopStatus.CLOSED},
    }
    if workshop.status not in allowed.get(status, set()):
        raise DomainError(
            _("A workshop that is %(old)s cannot become %(new)s.")
            % {"old": workshop.get_status_display().lower(), "new": WorkshopStatus(status).label.lower()}
        )
    before = workshop.status
    workshop.status = status
    workshop.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="workshop.status",
        obj=workshop,
        before={"status": before},
        after={"status": status},
        reason=reason,
        workshop_id=workshop.pk,
    )
    return workshop


def nominations_close(*, actor, workshop: Workshop) -> Workshop:
    """Close nominations (the deadline also closes them on its own)."""
    return workshop_set_status(actor=actor, workshop=workshop, status=WorkshopStatus.CLOSED)


@transaction.atomic
def nomination_submit(
    *,
    actor,
    workshop: Workshop,
    official: Official,
    letter_reference: str,
    nominating_officer: str,
    nomination_date: dt.date,
    cv=None,
    cv_name: str = "",
    now: dt.datetime | None = None,
) -> Nomination:
    """Nominate an official to a workshop. Refused after the deadline (in the
    workshop's time zone), when the workshop is not open, when the official is
    already nominated, or over the administration's quota. Capacity does not
    limit nominations: selection is competitive."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    if workshop.status != WorkshopStatus.OPEN:
        raise DomainError(_("This workshop is not open for nominations."))
    if deadline_passed(workshop, now):
        raise DomainError(
            _("Nominations closed on %(deadline)s.")
            % {"deadline": format_deadline(workshop.nomination_deadline, workshop.timezone)}
        )
    if Nomination.objects.filter(workshop=workshop, official=official).exists():
        raise DomainError(_("%(name)s is already nominated to this workshop.") % {"name": official.name_latin})
    quota = quota_for(workshop, official.administration_id)
    if quota is not None:
        used = (
            Nomination.objects.filter(workshop=workshop, official__administration_id=official.administration_id)
            .exclude(status=NominationStatus.WITHDRAWN)
            .count()
        )
        if used >= quota:
            raise DomainError(
                _("%(administration)s has used its quota of %(quota)s nominations for this workshop.")
                % {"administration": official.administration.name, "quota": quota}
            )
    nomination = Nomination(
        workshop=workshop,
        official=official,
        letter_reference=letter_reference,
        nominating_officer=nominating_officer,
        nomination_date=nomination_date,
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
        cv_name=cv_name,
        prescreening=PrescreeningOutcome.PENDING
        if workshop.programme.has_prescreening
        else PrescreeningOutcome.NOT_REQUIRED,
    )
    if cv is not None:
        content_type = sniff(cv)
        if content_type is None:
            raise DomainError(_("Only PDF, Word (DOCX), JPEG and PNG files are accepted; this file is none of them."))
        nomination.cv = cv
        nomination.cv_content_type = content_type
    nomination.save()
    audit_record(
        actor=actor,
        action="nomination.submit",
        obj=nomination,
        after={"status": nomination.status, "letter_reference": letter_reference},
        workshop_id=workshop.pk,
        official_id=official.pk,
    )
    _notify("received", nomination.pk)
    return nomination


def _transition(*, actor, nomination: Nomination, status: str, reason: str = "", action: str) -> Nomination:
    nomination = Nomination.objects.select_for_update().select_related("workshop", "official").get(pk=nomination.pk)
    if nomination.status == status:
        return nomination
    if nomination.status not in NOMINATION_TRANSITIONS[status]:
        raise DomainError(
            _("A nomination that is %(old)s cannot be %(new)s.")
            % {"old": nomination.get_status_display().lower(), "new": NominationStatus(status).label.lower()}
        )
    before = nomination.status
    nomination.status = status
    nomination.decision_reason = reason
    nomination.decided_at = timezone.now()
    nomination.save(update_fields=["status", "decision_reason", "decided_at"])
    audit_record(
        actor=actor,
        action=action,
        obj=nomination,
        before={"status": before},
        after={"status": status},
        reason=reason,
        workshop_id=nomination.workshop_id,
        official_id=nomination.official_id,
    )
    return nomination


@transaction.atomic
def nomination_accept(*, actor, nomination: Nomination, reason: str = "", confirm: bool = False) -> Nomination:
    """Accept a nomination within the workshop's capacity. Refused when the
    workshop is full or when pre-screening was required and not passed. When
    assessors are assigned and fewer than the workshop's minimum would be
    eligible for the candidate, ConfirmationNeeded is raised unless confirm."""
    workshop = Workshop.objects.select_for_update().get(pk=nomination.workshop_id)
    nomination.refresh_from_db()
    if nomination.status == NominationStatus.ACCEPTED:
        return nomination
    if workshop.status in (WorkshopStatus.COMPLETED, WorkshopStatus.CANCELLED):
        raise DomainError(
            _("The workshop is %(status)s: no candidate can be accepted.")
            % {"status": workshop.get_status_display().lower()}
        )
    if nomination.prescreening in (PrescreeningOutcome.PENDING, PrescreeningOutcome.FAILED):
        raise DomainError(_("Only nominations that passed pre-screening can be accepted."))
    accepted = Nomination.objects.filter(workshop=workshop, status=NominationStatus.ACCEPTED).count()
    if accepted >= workshop.capacity:
        raise DomainError(
            _("The workshop is full: %(n)s of %(capacity)s places are taken.")
            % {"n": accepted, "capacity": workshop.capacity}
        )
    below = []
    if AssessorAssignment.objects.filter(workshop=workshop).exists():
        below = [
            item for item in candidates_below_minimum(workshop, add_nomination=nomination) if item[0] == nomination
        ]
        _require_confirmation(workshop, below, confirm)
    nomination = _transition(
        actor=actor, nomination=nomination, status=NominationStatus.ACCEPTED, reason=reason, action="nomination.accept"
    )
    if below:
        audit_record(
            actor=actor,
            action="nomination.accept_below_minimum",
            obj=nomination,
            after={"below_minimum": _below_names(below)},
            workshop_id=nomination.workshop_id,
            official_id=nomination.official_id,
        )
    _notify("accepted", nomination.pk)
    return nomination


@transaction.atomic
def nomination_decline(*, actor, nomination: Nomination, reason: str) -> Nomination:
    """Decline a nomination; a reason is required and sent to the focal point."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for declining."))
    # Locked first, so a decision cannot be recorded in between. The decisions live
    # in the accreditation app, above this one: reached by their reverse name only.
    if Nomination.objects.select_for_update().get(pk=nomination.pk).decisions.exists():
        raise DomainError(_("A decision is recorded for this candidate: the nomination can no longer be declined."))
    nomination = _transition(
        actor=actor, nomination=nomination, status=NominationStatus.DECLINED, reason=reason, action="nomination.decline"
    )
    _notify("declined", nomination.pk)
    return nomination


@transaction.atomic
def nomination_waitlist(*, actor, nomination: Nomination, reason: str = "") -> Nomination:
    """Put a nomination on the waiting list."""
    nomination = _transition(
        actor=actor,
        nomination=nomination,
        status=NominationStatus.WAITLISTED,
        reason=reason,
        action="nomination.waitlist",
    )
    _notify("waitlisted", nomination.pk)
    return nomination


@transaction.atomic
def nomination_withdraw(*, actor, nomination: Nomination, reason: str = "", now=None) -> Nomination:
    """The administration withdraws its nomination, before the deadline only."""
    if deadline_passed(nomination.workshop, now):
        raise DomainError(_("The nomination deadline has passed: ask the Secretariat to decline it instead."))
    return _transition(
        actor=actor,
        nomination=nomination,
        status=NominationStatus.WITHDRAWN,
        reason=reason,
        action="nomination.withdraw",
    )


@transaction.atomic
def nomination_prescreen(*, actor, nomination: Nomination, passed: bool, reason: str = "") -> Nomination:
    """Record the pre-screening outcome of a nomination (programmes with three phases)."""
    nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
    if nomination.prescreening == PrescreeningOutcome.NOT_REQUIRED:
        raise DomainError(_("This programme has no pre-screening phase."))
    if nomination.status != NominationStatus.SUBMITTED:
        raise DomainError(_("Pre-screening is recorded before the nomination is accepted or declined."))
    outcome = PrescreeningOutcome.PASSED if passed else PrescreeningOutcome.FAILED
    if nomination.prescreening == outcome:
        return nomination
    before = nomination.prescreening
    nomination.prescreening = outcome
    nomination.save(update_fields=["prescreening"])
    audit_record(
        actor=actor,
        action="nomination.prescreen",
        obj=nomination,
        before={"prescreening": before},
        after={"prescreening": outcome},
        reason=reason,
        workshop_id=nomination.workshop_id,
        official_id=nomination.official_id,
    )
    return nomination


@transaction.atomic
def nomination_attendance(*, actor, nomination: Nomination, attendance: str) -> Nomination:
    """Record attendance: confirmed by the focal point, attended or no-show by the Secretariat."""
    nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
    if nomination.status != NominationStatus.ACCEPTED:
        raise DomainError(_("Attendance is recorded for accepted nominations only."))
    if attendance not in Attendance.values:
        raise DomainError(_("Unknown attendance value."))
    if nomination.attendance == attendance:
        return nomination
    before = nomination.attendance
    nomination.attendance = attendance
    nomination.save(update_fields=["attendance"])
    audit_record(
        actor=actor,
        action="nomination.attendance",
        obj=nomination,
        before={"attendance": before},
        after={"attendance": attendance},
        workshop_id=nomination.workshop_id,
        official_id=nomination.official_id,
    )
    return nomination


@transaction.atomic
def assessor_assign(*, actor, workshop: Workshop, assessor, confirm: bool = False) -> AssessorAssignment:
    """Assign an assessor to a workshop. The conflict check runs here too: the
    candidates the assessor is not eligible for are recorded in the audit entry
    and the assessor never scores them (see eligible_assessor_map). When the
    assessor is not eligible for candidates left below the workshop's minimum
    of eligible assessors, ConfirmationNeeded is raised unless confirm."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    existing = AssessorAssignment.objects.filter(workshop=workshop, assessor=assessor).first()
    if existing is not None:
        return existing
    accepted = list(workshop.nominations.filter(status=NominationStatus.ACCEPTED).select_related("official"))
    conflicted = {
        n.pk: n.official.name_latin for n in accepted if conflict_reason(assessor=assessor, official=n.official)
    }
    below = [item for item in candidates_below_minimum(workshop, add_assessor=assessor) if item[0].pk in conflicted]
    _require_confirmation(workshop, below, confirm)
    assignment = AssessorAssignment.objects.create(workshop=workshop, assessor=assessor, assigned_by=actor)
    audit_record(
        actor=actor,
        action="assessor.assign",
        obj=assignment,
        after={
            "assessor": assessor.get_username(),
            "not_eligible_for": list(conflicted.values()),
            "below_minimum": _below_names(below),
        },
        workshop_id=workshop.pk,
    )
    return assignment


@transaction.atomic
def assessor_unassign(*, actor, workshop: Workshop, assessor, confirm: bool = False) -> None:
    """Remove an assessor from a workshop before any of their scores exist.
    When candidates the assessor was eligible for would fall below the
    workshop's minimum, ConfirmationNeeded is raised unless confirm."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    assignment = AssessorAssignment.objects.filter(workshop=workshop, assessor=assessor).first()
    if assignment is None:
        return
    if workshop.nominations.filter(scores__assessor=assessor).exists():
        raise DomainError(_("This assessor has already entered scores and cannot be removed."))
    accepted = workshop.nominations.filter(status=NominationStatus.ACCEPTED).select_related("official")
    losing = {n.pk for n in accepted if conflict_reason(assessor=assessor, official=n.official) is None}
    below = [item for item in candidates_below_minimum(workshop, remove_assessor=assessor) if item[0].pk in losing]
    _require_confirmation(workshop, below, confirm)
    audit_record(
        actor=actor,
        action="assessor.unassign",
        obj=assignment,
        before={"assessor": assessor.get_username()},
        after={"below_minimum": _below_names(below)} if below else {},
        workshop_id=workshop.pk,
    )
    assignment.delete()


@transaction.atomic
def conflict_declare(*, actor, assessor, official: Official, reason: str, confirm: bool = False) -> DeclaredConflict:
    """Record that an assessor must not assess an official. Logged; takes effect
    at once. When it leaves the official below the minimum of eligible
    assessors in a workshop where they are accepted and the assessor is
    assigned, ConfirmationNeeded is raised unless confirm. Scores the assessor
    already entered for the official stop counting and are flagged on the
    results grid."""
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the conflict of interest."))
    existing = DeclaredConflict.objects.filter(assessor=assessor, official=official).first()
    if existing is not None:
        return existing
    below = []
    workshops = Workshop.objects.select_for_update().filter(
        pk__in=Workshop.objects.filter(
            assignments__assessor=assessor,
            nominations__official=official,
            nominations__status=NominationStatus.ACCEPTED,
        ).values("pk")
    )
    for workshop in workshops:
        if conflict_reason(assessor=assessor, official=official) is None:
            below += [
                item
                for item in candidates_below_minimum(workshop, add_conflict=(assessor, official))
                if item[0].official_id == official.pk
            ]
    if below:
        _require_confirmation(below[0][0].workshop, below, confirm)
    conflict = DeclaredConflict.objects.create(assessor=assessor, official=official, reason=reason, declared_by=actor)
    audit_record(
        actor=actor,
        action="conflict.declare",
        obj=conflict,
        after={
            "assessor": assessor.get_username(),
            "official": official.name_latin,
            "below_minimum": _below_names(below),
        },
        reason=reason,
        official_id=official.pk,
    )
    return conflict


WORKSHOP_EDITABLE_FIELDS = (
    "title",
    "venue",
    "city",
    "host_administration",
    "start_date",
    "end_date",
    "language",
    "funder",
    "capacity",
    "nomination_deadline",
    "timezone",
    "default_quota",
)


@transaction.atomic
def workshop_update(
    *,
    actor,
    workshop: Workshop,
    fields: dict,
    curriculum: list[str] | None = None,
    quotas: dict | None = None,
    exercises: dict | None = None,
) -> Workshop:
    """Edit a workshop's practical details, its curriculum (replaced as a whole),
    its quotas per administration ({administration: limit}, replaced as a whole)
    and its exercises' names and order ({exercise id: (name, order)}). The rubric
    snapshot (criteria, weights, scale) is never edited here. Refused when the
    capacity would fall below the nominations already accepted."""
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    before, after = {}, {}
    for name, value in fields.items():
        if name not in WORKSHOP_EDITABLE_FIELDS:
            raise ValueError(f"{name} is not editable")
        if getattr(workshop, name) != value:
            before[name], after[name] = getattr(workshop, name), value
            setattr(workshop, name, value)
    accepted = workshop.nominations.filter(status=NominationStatus.ACCEPTED).count()
    if workshop.capacity < accepted:
        raise DomainError(_("%(n)s nominations are already accepted: the capacity cannot be lower.") % {"n": accepted})
    workshop.full_clean()
    if after:
        workshop.save(update_fields=list(after))
    if curriculum is not None:
        titles = [t for t in curriculum if t.strip()]
        if titles != list(workshop.curriculum.values_list("title", flat=True)):
            before["curriculum"] = list(workshop.curriculum.values_list("title", flat=True))
            after["curriculum"] = titles
            workshop.curriculum.all().delete()
            CurriculumModule.objects.bulk_create(
                CurriculumModule(workshop=workshop, title=title.strip(), order=i) for i, title in enumerate(titles)
            )
    if quotas is not None:
        current = {q.administration: q.limit for q in workshop.quotas.select_related("administration")}
        if current != quotas:
            before["quotas"] = [f"{a.code}: {n}" for a, n in current.items()]
            after["quotas"] = [f"{a.code}: {n}" for a, n in quotas.items()]
            workshop.quotas.all().delete()
            WorkshopQuota.objects.bulk_create(
                WorkshopQuota(workshop=workshop, administration=a, limit=n) for a, n in quotas.items()
            )
    if exercises:
        for exercise in workshop.exercises.filter(pk__in=list(exercises)):
            name, order = exercises[exercise.pk]
            if (exercise.name, exercise.order) != (name, order):
                before[f"exercise {exercise.code}"] = f"{exercise.order}. {exercise.name}"
                after[f"exercise {exercise.code}"] = f"{order}. {name}"
                exercise.name, exercise.order = name, order
                exercise.save(update_fields=["name", "order"])
    if after:
        audit_record(
            actor=actor, action="workshop.update", obj=workshop, before=before, after=after, workshop_id=workshop.pk
        )
    return workshop


PHASE_TWO_RUBRIC_FIELDS = ("field_pass_threshold",)
SNAPSHOT_ROWS = (WorkshopCriterion, WorkshopExercise, WorkshopGradeBand, WorkshopFieldCriterion)


def workshop_scored(workshop: Workshop) -> bool:
    """Whether a Phase One score exists for the workshop (its Phase One rubric is then frozen)."""
    return workshop.pk is not None and workshop.nominations.filter(scores__isnull=False).exists()


def workshop_field_scored(workshop: Workshop) -> bool:
    """Whether a Phase Two score exists for the workshop (its field rubric is then frozen)."""
    return workshop.pk is not None and workshop.field_criteria.filter(scores__isnull=False).exists()


def snapshot_lock_for_scoring(workshop_id: int) -> None:
    """Taken by the scoring services before they write a score: a shared lock
    on the workshop row, which waits for a snapshot edit in progress (that holds
    the row exclusively) and never for another score being saved."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM workshops_workshop WHERE id = %s FOR SHARE", [workshop_id])


def _row_state(row) -> dict:
    state = {f.name: getattr(row, f.attname) for f in row._meta.concrete_fields if f.name not in ("id", "workshop")}
    if isinstance(row, WorkshopExercise) and row.pk:
        state["criteria"] = sorted(row.criteria.values_list("code", flat=True))
    return state


def _row_label(row) -> str:
    return f"{row._meta.model_name} {getattr(row, 'code', '') or getattr(row, 'name', '')}".strip()


@transaction.atomic
def workshop_snapshot_update(
    *,
    actor,
    workshop: Workshop,
    fields: dict | None = None,
    save: list | None = None,
    delete: list | None = None,
    exercise_criteria: list | None = None,
) -> Workshop:
    """Change a workshop's rubric snapshot: its rubric fields (`fields`), rows of
    its criteria, exercises, grade bands and Phase Two criteria to save (new or
    changed instances) or delete, and the criteria each exercise assesses
    ([(exercise, [criteria])]). The Phase One parts are refused once a Phase One
    score exists, the Phase Two parts once a field score exists — checked under
    the workshop's row lock, which the scoring services share. One audit entry
    with every value before and after. The programme is never touched."""
    fields, save, delete, exercise_criteria = fields or {}, save or [], delete or [], exercise_criteria or {}
    workshop = Workshop.objects.select_for_update().get(pk=workshop.pk)
    rows = [*save, *delete, *(exercise for exercise, _criteria in exercise_criteria)]
    for name in fields:
        if name not in RUBRIC_FIELDS + PHASE_TWO_RUBRIC_FIELDS:
            raise ValueError(f"{name} is not part of the rubric snapshot")
    for row in rows:
        if not isinstance(row, SNAPSHOT_ROWS) or (row.workshop_id is not None and row.workshop_id != workshop.pk):
            raise ValueError(f"{row!r} is not part of this workshop's snapshot")
    phase_two = set(fields) <= set(PHASE_TWO_RUBRIC_FIELDS) and all(
        isinstance(row, WorkshopFieldCriterion) for row in rows
    )
    if phase_two and (fields or rows) and workshop_field_scored(workshop):
        raise DomainError(_("A Phase Two score exists for this workshop: its Phase Two rubric is frozen."))
    if not phase_two and workshop_scored(workshop):
        raise DomainError(_("A score exists for this workshop: its rubric snapshot is frozen."))
    before, after = {}, {}
    for name, value in fields.items():
        if getattr(workshop, name) != value:
            before[name], after[name] = getattr(workshop, name), value
            setattr(workshop, name, value)
    if after:
        workshop.full_clean()
        workshop.save(update_fields=list(after))
    for row in save:
        old = type(row).objects.filter(pk=row.pk).first() if row.pk else None
        row.workshop = workshop
        row.full_clean(exclude=["workshop"])
        row.save()
        new, previous = _row_state(row), (_row_state(old) if old else {})
        for name, value in new.items():
            if previous.get(name) != value:
                key = f"{_row_label(row)}.{name}"
                before[key], after[key] = previous.get(name), value
    for exercise, criteria in exercise_criteria:
        old = sorted(exercise.criteria.values_list("code", flat=True))
        if any(c.workshop_id != workshop.pk for c in criteria):
            raise ValueError("an exercise assesses criteria of its own workshop only")
        exercise.criteria.set(criteria)
        new = sorted(c.code for c in criteria)
        if new != old:
            before[f"{_row_label(exercise)} criteria"], after[f"{_row_label(exercise)} criteria"] = old, new
    for row in delete:
        for name, value in _row_state(row).items():
            before[f"{_row_label(row)}.{name}"], after[f"{_row_label(row)}.{name}"] = value, None
        row.delete()
    if after:
        audit_record(
            actor=actor, action="workshop.snapshot", obj=workshop, before=before, after=after, workshop_id=workshop.pk
        )
    return workshop


BULK_DECISIONS = {
    "accept": lambda actor, nomination, reason, confirm=False: nomination_accept(
        actor=actor, nomination=nomination, reason=reason, confirm=confirm
    ),
    "waitlist": lambda actor, nomination, reason, confirm=False: nomination_waitlist(
        actor=actor, nomination=nomination, reason=reason
    ),
    "decline": lambda actor, nomination, reason, confirm=False: nomination_decline(
        actor=actor, nomination=nomination, reason=reason
    ),
}


def nominations_bulk_decide(
    *, actor, nominations, decision: str, reason: str = "", confirm: bool = False
) -> tuple[list, list]:
    """Apply one decision to several nominations, each through its own service in
    its own transaction: one refusal (the workshop is full, a conflict) does not
    undo the others. Returns (decided nominations, [(nomination, refusal message, error)]);
    an error whose `below` lists candidates asks for confirmation (see ConfirmationNeeded)."""
    decide = BULK_DECISIONS[decision]
    done, refused = [], []
    for nomination in nominations:
        try:
            done.append(decide(actor, nomination, reason, confirm))
        except DomainError as error:
            refused.append((nomination, " ".join(error.messages), error))
    return done, refused
