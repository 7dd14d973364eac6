"""Every state change of assessment and accreditation.

Each service is atomic, refuses an illegal change with a DomainError saying
why, writes an entry in the audit trail, and queues side effects on commit.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from candidates.rules import is_secretariat
from toa_portal.audit import audit_record
from toa_portal.errors import DomainError
from workshops.enums import NominationStatus, WorkshopStatus
from workshops.models import Nomination, Workshop, WorkshopCriterion, WorkshopExercise, WorkshopFieldCriterion
from workshops.selectors import conflict_reason
from workshops.services import snapshot_lock_for_scoring

from . import figures, passrule
from .credentials.badge import certificate_credential_sign
from .enums import (
    AccreditationStatus,
    Availability,
    MissionRole,
    MissionType,
    Outcome,
    Phase,
    Recommendation,
    RenderState,
    SheetStatus,
    Validity,
    grade_label,
)
from .models import (
    Accreditation,
    BulkJob,
    Certificate,
    CertificateCounter,
    Decision,
    EvidenceFile,
    FieldEvaluation,
    FieldScore,
    ModeratedScore,
    PhaseOneScore,
    RosterProfile,
    ScoreSheet,
)
from .selectors import current_accreditation, exercise_fully_submitted, nomination_result, workshop_results


class StaleScore(DomainError):
    """Another save of the same score came first; carries the current row."""

    def __init__(self, message, *, current: PhaseOneScore | FieldScore | None):
        super().__init__(message)
        self.current = current


def _require_secretariat(actor) -> None:
    if not is_secretariat(actor):
        raise DomainError(_("Only the Secretariat may do this."))


def parse_score(raw, *, scale_min: int, scale_max: int) -> int:
    """A whole number on the workshop's scale, or a DomainError saying what is wrong."""
    text = str(raw).strip() if raw is not None else ""
    if not text:
        raise DomainError(_("Enter a score between %(min)s and %(max)s.") % {"min": scale_min, "max": scale_max})
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise DomainError(_("“%(value)s” is not a number.") % {"value": text[:20]}) from None
    if not value.is_finite() or value != value.to_integral_value():
        raise DomainError(_("Scores are whole numbers."))
    value = int(value)
    if not scale_min <= value <= scale_max:
        raise DomainError(_("A score is between %(min)s and %(max)s.") % {"min": scale_min, "max": scale_max})
    return value


def _check_can_score(*, actor, nomination: Nomination, exercise: WorkshopExercise, criterion: WorkshopCriterion):
    """Refuse a score the actor may not enter; lock the actor's sheet for the
    exercise (so a save never slips past a concurrent submission)."""
    workshop = nomination.workshop
    if not workshop.assignments.filter(assessor=actor).exists():
        raise DomainError(_("You are not an assessor of this workshop."))
    if workshop.status == WorkshopStatus.CANCELLED:
        raise DomainError(_("This workshop is cancelled: scoring is closed."))
    if nomination.status != NominationStatus.ACCEPTED:
        raise DomainError(_("Only accepted candidates are scored."))
    assessed = {c.pk for c in exercise.criteria.all()}  # the prefetched criteria when the caller loaded them
    if exercise.workshop_id != workshop.pk or criterion.pk not in assessed:
        raise DomainError(_("This exercise does not assess that criterion."))
    if nomination.official.user_id is not None and nomination.official.user_id == actor.pk:
        raise DomainError(_("You may not score yourself."))
    reason = conflict_reason(assessor=actor, official=nomination.official)
    if reason:
        raise DomainError(_("You may not score this candidate: %(reason)s.") % {"reason": reason})
    sheet, _created = ScoreSheet.objects.select_for_update().get_or_create(
        workshop=workshop, exercise=exercise, assessor=actor
    )
    if sheet.status == SheetStatus.SUBMITTED:
        raise DomainError(_("Your sheet for this exercise is submitted and locked."))
    if Decision.objects.filter(nomination=nomination, phase=Phase.ONE).exists():
        raise DomainError(_("The Phase One decision for this candidate is recorded: scores are closed."))


@transaction.atomic
def phase_one_score_record(
    *,
    actor,
    nomination: Nomination,
    exercise: WorkshopExercise,
    criterion: WorkshopCriterion,
    value,
    expected_version: int | None = None,
    comment: str | None = None,
) -> PhaseOneScore:
    """Record or change the actor's score for one cell of their sheet.

    expected_version is the version the client last saw (0 or None for a new
    cell): when another save came first, StaleScore is raised with the current
    row and nothing is written, so no update is ever lost silently.
    """
    workshop = nomination.workshop
    number = parse_score(value, scale_min=workshop.scale_min, scale_max=workshop.scale_max)
    snapshot_lock_for_scoring(workshop.pk)  # the rubric snapshot cannot change under a first score
    _check_can_score(actor=actor, nomination=nomination, exercise=exercise, criterion=criterion)
    score = (
        PhaseOneScore.objects.select_for_update()
        .filter(nomination=nomination, assessor=actor, exercise=exercise, criterion=criterion)
        .first()
    )
    if score is None:
        if expected_version:
            raise DomainError(_("This score no longer exists; reload the sheet."))
        try:
            with transaction.atomic():
                score = PhaseOneScore.objects.create(
                    nomination=nomination,
                    assessor=actor,
                    exercise=exercise,
                    criterion=criterion,
                    value=number,
                    comment=comment or "",
                )
        except IntegrityError:
            current = PhaseOneScore.objects.get(
                nomination=nomination, assessor=actor, exercise=exercise, criterion=criterion
            )
            raise StaleScore(_("This score was saved from another device first."), current=current) from None
        before = {}
    else:
        if expected_version is not None and expected_version != score.version:
            raise StaleScore(_("This score was changed from another device first."), current=score)
        if score.value == number and (comment is None or comment == score.comment):
            return score
        before = {"value": score.value, "version": score.version}
        score.value = number
        if comment is not None:
            score.comment = comment
        score.version += 1
        score.save(update_fields=["value", "comment", "version", "updated_at"])
    score.nomination, score.exercise, score.criterion = nomination, exercise, criterion  # for the audit's str()
    audit_record(
        actor=actor,
        action="score.record",
        obj=score,
        before=before,
        after={"value": score.value, "version": score.version, "cell": f"{exercise.code}/{criterion.code}"},
        workshop_id=workshop.pk,
        official_id=nomination.official_id,
    )
    return score


@transaction.atomic
def score_sheet_submit(*, actor, workshop: Workshop, exercise: WorkshopExercise) -> ScoreSheet:
    """Submit and lock the actor's sheet for an exercise; every eligible cell must be scored."""
    from workshops.selectors import eligible_assessor_map

    if not workshop.assignments.filter(assessor=actor).exists():
        raise DomainError(_("You are not an assessor of this workshop."))
    if exercise.workshop_id != workshop.pk:
        raise DomainError(_("This exercise belongs to another workshop."))
    sheet, _created = ScoreSheet.objects.select_for_update().get_or_create(
        workshop=workshop, exercise=exercise, assessor=actor
    )
    if sheet.status == SheetStatus.SUBMITTED:
        return sheet
    eligible = eligible_assessor_map(workshop)
    nominations = workshop.nominations.filter(status=NominationStatus.ACCEPTED).select_related("official")
    criteria = list(exercise.criteria.all())
    have = set(
        PhaseOneScore.objects.filter(assessor=actor, exercise=exercise).values_list("nomination_id", "criterion_id")
    )
    missing = [
        f"{n.official.name_latin} ({c.code})"
        for n in nominations
        if actor.pk in {a.pk for a in eligible.get(n.pk, [])}
        for c in criteria
        if (n.pk, c.pk) not in have
    ]
    if missing:
        raise DomainError(_("The sheet is not complete. Missing: %(missing)s.") % {"missing": ", ".join(missing[:10])})
    sheet.status = SheetStatus.SUBMITTED
    sheet.submitted_at = timezone.now()
    sheet.save(update_fields=["status", "submitted_at"])
    audit_record(actor=actor, action="sheet.submit", obj=sheet, after={"status": sheet.status}, workshop_id=workshop.pk)
    return sheet


@transaction.atomic
def score_sheet_reopen(*, actor, sheet: ScoreSheet, reason: str) -> ScoreSheet:
    """Reopen a submitted sheet (Secretariat, with a reason). The exercise is blind again until resubmitted.
    Refused once a Phase One decision of the workshop is released (scores can no longer change anything)."""
    _require_secretariat(actor)
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for reopening the sheet."))
    sheet = ScoreSheet.objects.select_for_update().get(pk=sheet.pk)
    if sheet.status != SheetStatus.SUBMITTED:
        raise DomainError(_("Only a submitted sheet can be reopened."))
    if Decision.objects.filter(nomination__workshop_id=sheet.workshop_id, phase=Phase.ONE, released=True).exists():
        raise DomainError(
            _(
                "Phase One decisions of this workshop are released: its sheets stay closed. "
                "Put an error right with a correction of the decision."
            )
        )
    sheet.status = SheetStatus.OPEN
    sheet.submitted_at = None
    sheet.save(update_fields=["status", "submitted_at"])
    audit_record(
        actor=actor,
        action="sheet.reopen",
        obj=sheet,
        before={"status": SheetStatus.SUBMITTED},
        after={"status": SheetStatus.OPEN},
        reason=reason,
        workshop_id=sheet.workshop_id,
    )
    return sheet


@transaction.atomic
def phase_one_moderate(
    *, actor, nomination: Nomination, exercise: WorkshopExercise, criterion: WorkshopCriterion, value, note: str
) -> ModeratedScore:
    """Record the Secretariat's moderated score for a flagged pair, with a note.
    Only once every assessor has submitted the exercise's sheet: the values
    being moderated are final, and no assessor sees a colleague's early."""
    _require_secretariat(actor)
    if not (note or "").strip():
        raise DomainError(_("Write a moderation note."))
    workshop = nomination.workshop
    try:
        number = Decimal(str(value if value is not None else "").strip())
    except InvalidOperation:
        raise DomainError(_("The moderated score must be a number.")) from None
    if not number.is_finite() or not workshop.scale_min <= number <= workshop.scale_max:
        raise DomainError(
            _("A score is between %(min)s and %(max)s.") % {"min": workshop.scale_min, "max": workshop.scale_max}
        )
    if number != figures.round_half_up(number, figures.STORED_PLACES):
        raise DomainError(_("A moderated score has at most two decimals."))
    if exercise.workshop_id != workshop.pk or not exercise.criteria.filter(pk=criterion.pk).exists():
        raise DomainError(_("This exercise does not assess that criterion."))
    if nomination.status != NominationStatus.ACCEPTED:
        raise DomainError(_("Only accepted candidates are scored."))
    if not exercise_fully_submitted(workshop, exercise):
        raise DomainError(_("Moderation waits until every assessor has submitted the sheet for this exercise."))
    if Decision.objects.filter(nomination=nomination, phase=Phase.ONE).exists():
        raise DomainError(_("The Phase One decision is recorded: moderation is closed."))
    existing = (
        ModeratedScore.objects.select_for_update()
        .filter(nomination=nomination, exercise=exercise, criterion=criterion)
        .first()
    )
    if existing is None:
        cell = nomination_result(nomination).cell(exercise.code, criterion.code)
        if cell is None or not cell.flagged:
            raise DomainError(_("Only a pair whose assessors differ by more than the tolerance is moderated."))
    before = {"value": existing.value} if existing else {}
    moderated, _created = ModeratedScore.objects.update_or_create(
        nomination=nomination,
        exercise=exercise,
        criterion=criterion,
        defaults={"value": number, "note": note, "moderated_by": actor},
    )
    audit_record(
        actor=actor,
        action="score.moderate",
        obj=moderated,
        before=before,
        after={"value": number, "cell": f"{exercise.code}/{criterion.code}"},
        reason=note,
        workshop_id=workshop.pk,
        official_id=nomination.official_id,
    )
    return moderated


def _require_sheets_submitted(workshop: Workshop) -> None:
    """A decision is taken on final scores: every assessor's sheet of every exercise submitted."""
    waiting = [e.name for e in workshop.exercises.all() if not exercise_fully_submitted(workshop, e)]
    if waiting:
        raise DomainError(
            _("Not every assessor has submitted the sheet for: %(exercises)s.") % {"exercises": ", ".join(waiting)}
        )


@transaction.atomic
def phase_one_decide(
    *, actor, nomination: Nomination, feedback: str = "", note: str = "", effective_date: dt.date | None = None
) -> Decision:
    """Record the Phase One decision from the pass rule, with its explanation.
    A pass makes the official pre-accredited (on effective_date, by default
    today: a decision taken in a meeting may be entered later). A candidate
    without the workshop's minimum of eligible assessors is refused a decision
    while the workshop runs, and is recorded *not assessable* once it is
    completed (released like a decision, with an invitation to a later workshop)."""
    _require_secretariat(actor)
    nomination = (
        Nomination.objects.select_for_update().select_related("workshop__programme", "official").get(pk=nomination.pk)
    )
    if Decision.objects.filter(nomination=nomination, phase=Phase.ONE).exists():
        raise DomainError(_("The Phase One decision is already recorded: an error in it is put right by a correction."))
    if nomination.status != NominationStatus.ACCEPTED:
        raise DomainError(_("Only accepted candidates receive a Phase One decision."))
    _require_sheets_submitted(nomination.workshop)
    result = nomination_result(nomination)
    if result.status == passrule.INCOMPLETE:
        raise DomainError(_("Scores are incomplete: no decision can be recorded yet."))
    not_assessable = (
        result.status == passrule.TOO_FEW_ASSESSORS and nomination.workshop.status == WorkshopStatus.COMPLETED
    )
    if result.status == passrule.TOO_FEW_ASSESSORS and not not_assessable:
        raise DomainError(
            _(
                "Only %(eligible)s eligible assessors scored this candidate; %(required)s are needed: "
                "no decision can be recorded yet."
            )
            % {"eligible": result.eligible, "required": result.min_assessors}
        )
    if result.status == passrule.MODERATION:
        raise DomainError(_("Some scores differ by more than the tolerance: moderate them first."))
    if not_assessable:
        outcome = Outcome.NOT_ASSESSABLE
    else:
        outcome = Outcome.PASSED if result.status == passrule.PASSED else Outcome.FAILED
    programme = nomination.workshop.programme
    if outcome == Outcome.PASSED and current_accreditation(nomination.official, programme, programme.expert_type):
        raise DomainError(
            _("%(name)s already holds a current accreditation in this programme.")
            % {"name": nomination.official.name_latin}
        )
    decision = Decision.objects.create(
        nomination=nomination,
        phase=Phase.ONE,
        outcome=outcome,
        grade="" if not_assessable else result.grade,
        score_percent=None if not_assessable else result.percent_stored,
        explanation=result.explanation(),
        feedback=feedback,
        note=note,
        decided_by=actor,
    )
    if outcome == Outcome.PASSED:
        accreditation = Accreditation.objects.create(
            official=nomination.official,
            programme=programme,
            expert_type=programme.expert_type,
            nomination=nomination,
            status=AccreditationStatus.PRE_ACCREDITED,
            pre_accredited_on=effective_date or timezone.localdate(),
        )
        audit_record(
            actor=actor,
            action="accreditation.pre_accredit",
            obj=accreditation,
            after={"status": accreditation.status},
            workshop_id=nomination.workshop_id,
            official_id=nomination.official_id,
        )
    audit_record(
        actor=actor,
        action="decision.phase_one",
        obj=decision,
        after={"outcome": outcome, "grade": decision.grade, "percent": decision.score_percent},
        reason=note,
        workshop_id=nomination.workshop_id,
        official_id=nomination.official_id,
    )
    return decision


@transaction.atomic
def phase_one_decide_workshop(*, actor, workshop: Workshop, feedback: str = "") -> dict[str, int]:
    """Decide every accepted candidate whose result is decidable and undecided
    (all or none: a refusal rolls the whole batch back). Returns how many were
    decided and how many were left (incomplete or flagged for moderation)."""
    _require_secretariat(actor)
    workshop = Workshop.objects.get(pk=workshop.pk)
    _require_sheets_submitted(workshop)
    decided = left = 0
    already = set(
        Decision.objects.filter(nomination__workshop=workshop, phase=Phase.ONE).values_list("nomination_id", flat=True)
    )
    for nomination_id, result in workshop_results(workshop).items():
        if nomination_id in already:
            continue
        closed_short = result.status == passrule.TOO_FEW_ASSESSORS and workshop.status == WorkshopStatus.COMPLETED
        if not result.decidable and not closed_short:
            left += 1
            continue
        phase_one_decide(actor=actor, nomination=Nomination.objects.get(pk=nomination_id), feedback=feedback)
        decided += 1
    return {"decided": decided, "left": left}


@transaction.atomic
def decision_release(*, actor, decision: Decision) -> Decision:
    """Release a decision: its outcome, grade and feedback become visible to the
    focal point and the expert (never the raw scores)."""
    _require_secretariat(actor)
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if decision.released:
        return decision
    decision.released = True
    decision.released_at = timezone.now()
    decision.released_by = actor
    decision.save(update_fields=["released", "released_at", "released_by"])
    audit_record(
        actor=actor,
        action="decision.release",
        obj=decision,
        before={"released": False},
        after={"released": True},
        workshop_id=decision.nomination.workshop_id,
        official_id=decision.nomination.official_id,
    )
    return decision


@transaction.atomic
def decisions_release_workshop(*, actor, workshop: Workshop, phase: str = Phase.ONE) -> int:
    """Release every unreleased decision of a phase for a workshop."""
    _require_secretariat(actor)
    count = 0
    for decision in Decision.objects.filter(nomination__workshop=workshop, phase=phase, released=False):
        decision_release(actor=actor, decision=decision)
        count += 1
    return count


CORRECTABLE_PHASE_ONE = {
    passrule.PASSED: Outcome.PASSED,
    passrule.FAILED: Outcome.FAILED,
    passrule.TOO_FEW_ASSESSORS: Outcome.NOT_ASSESSABLE,
}


def _reevaluated(decision: Decision) -> tuple[str, str, Decimal | None, dict]:
    """(outcome, grade, stored percent, explanation) of the exact rule applied now to the decision's scores."""
    if decision.phase == Phase.ONE:
        result = nomination_result(decision.nomination)
        if result.status not in CORRECTABLE_PHASE_ONE:
            raise DomainError(
                _("The scores cannot be decided now (%(status)s): the correction cannot be computed.")
                % {"status": result.status.replace("_", " ")}
            )
        outcome = CORRECTABLE_PHASE_ONE[result.status]
        if outcome == Outcome.NOT_ASSESSABLE:
            return outcome, "", None, result.explanation()
        return outcome, result.grade, result.percent_stored, result.explanation()
    evaluation = FieldEvaluation.objects.filter(nomination=decision.nomination).first()
    with figures.in_stored_language():
        result = field_result(evaluation) if evaluation is not None else {"status": passrule.INCOMPLETE}
    if result["status"] == passrule.INCOMPLETE:
        raise DomainError(_("The field evaluation is incomplete: the correction cannot be computed."))
    outcome = Outcome.PASSED if result["status"] == passrule.PASSED else Outcome.FAILED
    return outcome, "", result["percent"], {**result, "percent": str(result["percent"])}


def decision_differences(decision: Decision) -> list[str]:
    """What the exact re-evaluation of a recorded decision changes: its outcome,
    grade or stored score (empty when the decision stands as recorded)."""
    try:
        outcome, grade, percent, explanation = _reevaluated(decision)
    except DomainError as error:
        return [" ".join(error.messages)]
    differences = []
    stored_eligible = decision.explanation.get("eligible_assessors") if decision.phase == Phase.ONE else None
    if stored_eligible is not None and stored_eligible != explanation.get("eligible_assessors"):
        differences.append(
            _("eligible assessors %(old)s → %(new)s (conflict of interest)")
            % {"old": stored_eligible, "new": explanation.get("eligible_assessors")}
        )
    if outcome != decision.outcome:
        differences.append(
            _("outcome %(old)s → %(new)s") % {"old": decision.get_outcome_display(), "new": Outcome(outcome).label}
        )
    if grade != decision.grade:
        differences.append(
            _("grade %(old)s → %(new)s") % {"old": grade_label(decision.grade) or "—", "new": grade_label(grade) or "—"}
        )
    if percent != decision.score_percent:
        differences.append(
            _("stored score %(old)s → %(new)s")
            % {
                "old": figures.stored_percent_text(decision.score_percent) or "—",
                "new": figures.stored_percent_text(percent) or "—",
            }
        )
    return differences


def decisions_recheck(workshop: Workshop) -> list[tuple[Decision, list[str]]]:
    """Every standing decision of the workshop (both phases) whose exact
    re-evaluation differs from what was recorded, with what differs."""
    decisions = Decision.objects.filter(nomination__workshop=workshop).select_related(
        "nomination__official__administration", "nomination__workshop"
    )
    found = []
    for decision in decisions.order_by("nomination__official__name_latin", "phase"):
        differences = decision_differences(decision)
        if differences:
            found.append((decision, differences))
    return found


@transaction.atomic
def decision_correct(*, actor, decision: Decision, reason: str, feedback: str | None = None) -> Decision:
    """Correct a recorded (or released) decision: a new decision, computed by
    the exact rule from the scores as they stand (eligible assessors only),
    replaces it, with the reason. The replaced decision is kept, marked
    superseded. An accreditation or certificate that rested on the old
    decision is revoked or granted, or the certificate re-issued, to match.
    A released decision's correction is released at once and, after commit,
    the expert and their focal points are told by e-mail. Audited."""
    _require_secretariat(actor)
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the correction."))
    old = Decision.objects.select_for_update().filter(pk=decision.pk).first()
    if old is None:
        raise DomainError(_("This decision has already been replaced by a correction."))
    nomination = (
        Nomination.objects.select_for_update()
        .select_related("workshop__programme", "official")
        .get(pk=old.nomination_id)
    )
    outcome, grade, percent, explanation = _reevaluated(old)
    if (outcome, grade, percent) == (old.outcome, old.grade, old.score_percent):
        raise DomainError(_("The exact rule gives the recorded decision again: there is nothing to correct."))
    if (
        old.phase == Phase.ONE
        and outcome != Outcome.PASSED
        and Decision.objects.filter(nomination=nomination, phase=Phase.TWO).exists()
    ):
        raise DomainError(_("Correct the Phase Two decision first: it rests on this Phase One pass."))
    now = timezone.now()
    old.superseded_at = now
    old.save(update_fields=["superseded_at"])
    new = Decision.objects.create(
        nomination=nomination,
        phase=old.phase,
        outcome=outcome,
        grade=grade,
        score_percent=percent,
        explanation=explanation,
        feedback=old.feedback if feedback is None else feedback,
        note=old.note,
        decided_by=actor,
        released=old.released,
        released_at=now if old.released else None,
        released_by=actor if old.released else None,
        corrects=old,
        correction_reason=reason,
    )
    audit_record(
        actor=actor,
        action="decision.correct",
        obj=new,
        before={"outcome": old.outcome, "grade": old.grade, "percent": old.score_percent},
        after={"outcome": new.outcome, "grade": new.grade, "percent": new.score_percent, "replaces": old.pk},
        reason=reason,
        workshop_id=nomination.workshop_id,
        official_id=nomination.official_id,
    )
    _follow_correction(actor=actor, old=old, new=new, reason=reason)
    if new.released:
        from .tasks import send_correction_notice

        transaction.on_commit(lambda: send_correction_notice.delay(new.pk), robust=True)
    return new


def _follow_correction(*, actor, old: Decision, new: Decision, reason: str) -> None:
    """Bring the accreditation and its certificate in line with a corrected decision."""
    nomination = new.nomination

    def record(action: str, accreditation: Accreditation, before: dict | None = None) -> None:
        audit_record(
            actor=actor,
            action=action,
            obj=accreditation,
            before=before,
            after={"status": accreditation.status},
            reason=reason,
            workshop_id=nomination.workshop_id,
            official_id=nomination.official_id,
        )

    accreditation = Accreditation.objects.select_for_update().filter(nomination=nomination).first()
    was, now = old.outcome == Outcome.PASSED, new.outcome == Outcome.PASSED
    certificate = None
    if accreditation is not None:
        certificate = accreditation.certificates.filter(validity=Validity.VALID).order_by("-version").first()
    if was and not now and accreditation is not None:
        if certificate is not None:
            certificate_revoke(actor=actor, certificate=certificate, reason=reason)
            return
        before = {"status": accreditation.status}
        accreditation.status = (
            AccreditationStatus.REVOKED if new.phase == Phase.ONE else (AccreditationStatus.NOT_ACCREDITED)
        )
        accreditation.ended_on = timezone.localdate()
        accreditation.end_reason = reason
        accreditation.save(update_fields=["status", "ended_on", "end_reason"])
        record("accreditation.correct", accreditation, before)
    elif now and not was and new.phase == Phase.ONE:
        programme = nomination.workshop.programme
        if current_accreditation(nomination.official, programme, programme.expert_type):
            raise DomainError(
                _("%(name)s already holds a current accreditation in this programme.")
                % {"name": nomination.official.name_latin}
            )
        if accreditation is not None:
            raise DomainError(
                _("An earlier accreditation rests on this nomination: revoke it in the back office first.")
            )
        accreditation = Accreditation.objects.create(
            official=nomination.official,
            programme=programme,
            expert_type=programme.expert_type,
            nomination=nomination,
            status=AccreditationStatus.PRE_ACCREDITED,
            pre_accredited_on=timezone.localdate(),
        )
        record("accreditation.pre_accredit", accreditation)
    elif now and not was and accreditation is not None:
        before = {"status": accreditation.status}
        today = timezone.localdate()
        accreditation.status = AccreditationStatus.ACCREDITED
        accreditation.accredited_on = today
        accreditation.valid_until = today + relativedelta(
            months=nomination.workshop.programme.certificate_validity_months
        )
        accreditation.ended_on = None
        accreditation.save(update_fields=["status", "accredited_on", "valid_until", "ended_on"])
        record("accreditation.grant", accreditation, before)
        certificate_issue(actor=actor, accreditation=accreditation)
    elif now and was and certificate is not None:
        certificate_reissue(actor=actor, certificate=certificate, reason=reason)


def correction_notice(*, decision_id: int) -> None:
    """E-mail the expert and their administration's focal points about a correction, each in their language."""
    from candidates.models import FocalPoint
    from workshops.notifications import send_templated

    decision = (
        Decision.objects.select_related("nomination__official", "nomination__workshop", "corrects")
        .filter(pk=decision_id)
        .first()
    )
    if decision is None or decision.corrects_id is None:
        return
    nomination = decision.nomination
    context = {"decision": decision, "nomination": nomination, "workshop": nomination.workshop}
    send_templated(
        template="decision_corrected",
        to=nomination.official.email,
        language=nomination.official.preferred_language,
        context={**context, "recipient": nomination.official.name_latin},
    )
    for focal_point in FocalPoint.objects.filter(
        administration_id=nomination.official.administration_id, active=True
    ).select_related("user__profile"):
        profile = getattr(focal_point.user, "profile", None)
        send_templated(
            template="decision_corrected",
            to=focal_point.user.email,
            language=getattr(profile, "language", None) or settings.LANGUAGE_CODE,
            context={**context, "recipient": focal_point.user.get_full_name() or focal_point.user.username},
        )


def _phase_one_passed(nomination: Nomination) -> bool:
    return Decision.objects.filter(nomination=nomination, phase=Phase.ONE, outcome=Outcome.PASSED).exists()


@transaction.atomic
def field_evaluation_assign(
    *,
    actor,
    nomination: Nomination,
    evaluator,
    mission_place: str,
    mission_start: dt.date,
    mission_end: dt.date,
    mission_type: str,
    role: str,
) -> FieldEvaluation:
    """Open Phase Two for a pre-accredited expert: a mission and its evaluator.
    Refused before a Phase One pass and when the evaluator is conflicted."""
    _require_secretariat(actor)
    nomination = Nomination.objects.select_for_update().select_related("official").get(pk=nomination.pk)
    if not _phase_one_passed(nomination):
        raise DomainError(_("Phase Two opens only after a Phase One pass."))
    if not Accreditation.objects.filter(nomination=nomination, status=AccreditationStatus.PRE_ACCREDITED).exists():
        raise DomainError(_("Phase Two is for pre-accredited experts only."))
    if evaluator is None or not evaluator.is_active:
        raise DomainError(_("Choose an active account as the evaluator."))
    if nomination.official.user_id is not None and nomination.official.user_id == evaluator.pk:
        raise DomainError(_("An expert cannot evaluate their own mission."))
    reason = conflict_reason(assessor=evaluator, official=nomination.official)
    if reason:
        raise DomainError(_("This evaluator may not evaluate the expert: %(reason)s.") % {"reason": reason})
    if mission_type not in MissionType.values or role not in MissionRole.values:
        raise DomainError(_("Choose the mission type and the expert's role from the lists."))
    if not (mission_place or "").strip():
        raise DomainError(_("Give the place of the mission."))
    if mission_end < mission_start:
        raise DomainError(_("The mission ends before it starts."))
    if Decision.objects.filter(nomination=nomination, phase=Phase.TWO).exists():
        raise DomainError(_("The Phase Two decision is already recorded."))
    existing = FieldEvaluation.objects.select_for_update().filter(nomination=nomination).first()
    if existing is not None and existing.submitted_at is not None:
        raise DomainError(_("The field evaluation is already submitted; its mission and evaluator are final."))
    if existing is not None and existing.evaluator_id != evaluator.pk and existing.scores.exists():
        raise DomainError(_("The current evaluator has already entered scores: the evaluator cannot change now."))
    before = (
        {"evaluator": existing.evaluator.get_username(), "mission_place": existing.mission_place} if existing else {}
    )
    evaluation, _created = FieldEvaluation.objects.update_or_create(
        nomination=nomination,
        defaults={
            "evaluator": evaluator,
            "mission_place": mission_place,
            "mission_start": mission_start,
            "mission_end": mission_end,
            "mission_type": mission_type,
            "role": role,
        },
    )
    audit_record(
        actor=actor,
        action="field.assign",
        obj=evaluation,
        before=before,
        after={"evaluator": evaluator.get_username(), "mission_place": mission_place, "role": role},
        workshop_id=nomination.workshop_id,
        official_id=nomination.official_id,
    )
    return evaluation


def _check_evaluator(actor, evaluation: FieldEvaluation) -> None:
    if evaluation.evaluator_id != actor.pk:
        raise DomainError(_("You are not the evaluator of this mission."))
    if evaluation.submitted_at is not None:
        raise DomainError(_("This evaluation is submitted and locked."))
    reason = conflict_reason(assessor=actor, official=evaluation.nomination.official)
    if reason:
        raise DomainError(_("You may not evaluate this expert: %(reason)s.") % {"reason": reason})


@transaction.atomic
def field_score_record(
    *,
    actor,
    evaluation: FieldEvaluation,
    criterion: WorkshopFieldCriterion,
    value,
    expected_version: int | None = None,
) -> FieldScore:
    """Record the evaluator's score on one Phase Two criterion. expected_version
    works as for Phase One: a stale save raises StaleScore with the current row."""
    evaluation = (
        FieldEvaluation.objects.select_for_update().select_related("nomination__workshop").get(pk=evaluation.pk)
    )
    _check_evaluator(actor, evaluation)
    workshop = evaluation.nomination.workshop
    snapshot_lock_for_scoring(workshop.pk)
    if criterion.workshop_id != workshop.pk:
        raise DomainError(_("This criterion belongs to another workshop."))
    number = parse_score(value, scale_min=workshop.scale_min, scale_max=workshop.scale_max)
    existing = FieldScore.objects.filter(evaluation=evaluation, criterion=criterion).first()
    if expected_version is not None and expected_version != (existing.version if existing else 0):
        raise StaleScore(_("This score was changed from another device first."), current=existing)
    if existing is not None and existing.value == number:
        return existing
    before = {"value": existing.value} if existing else {}
    score, _created = FieldScore.objects.update_or_create(
        evaluation=evaluation,
        criterion=criterion,
        defaults={"value": number, "version": (existing.version + 1) if existing else 1},
    )
    audit_record(
        actor=actor,
        action="field.score",
        obj=score,
        before=before,
        after={"value": number, "criterion": criterion.code},
        workshop_id=workshop.pk,
        official_id=evaluation.nomination.official_id,
    )
    return score


@transaction.atomic
def field_evidence_add(
    *, actor, evaluation: FieldEvaluation, file, original_name: str, content_type: str
) -> EvidenceFile:
    """Attach an evidence file (already checked by content) to an evaluation."""
    _check_evaluator(actor, evaluation)
    evidence = EvidenceFile.objects.create(
        evaluation=evaluation,
        file=file,
        original_name=original_name[:255],
        content_type=content_type,
        uploaded_by=actor,
    )
    audit_record(
        actor=actor,
        action="field.evidence",
        obj=evidence,
        after={"file": original_name},
        workshop_id=evaluation.nomination.workshop_id,
        official_id=evaluation.nomination.official_id,
    )
    return evidence


@transaction.atomic
def field_report_draft_save(*, actor, evaluation: FieldEvaluation, narrative: str, recommendation: str = "") -> None:
    """Keep the evaluator's unfinished narrative (and recommendation, when chosen)
    so that uploading evidence or a refused submission never loses them. A draft
    is not a decision: no audit entry (the submission records the report)."""
    evaluation = FieldEvaluation.objects.select_for_update().select_related("nomination").get(pk=evaluation.pk)
    _check_evaluator(actor, evaluation)
    fields = {"narrative": narrative or ""}
    if recommendation in (Recommendation.ACCREDIT, Recommendation.NOT_ACCREDIT):
        fields["recommendation"] = recommendation
    changed = [name for name, value in fields.items() if getattr(evaluation, name) != value]
    if not changed:
        return
    for name in changed:
        setattr(evaluation, name, fields[name])
    evaluation.save(update_fields=changed)


def field_result(evaluation: FieldEvaluation) -> dict:
    """The Phase Two rule, on the workshop's snapshot: every field criterion
    scored, weighted score at or above the threshold, each minimum met, and the evaluator's recommendation
    to accredit. Computed exactly; each check carries its figures as pages
    show them (the display rule of accreditation.figures)."""
    workshop = evaluation.nomination.workshop
    criteria = list(workshop.field_criteria.all())
    threshold = figures.exact(workshop.field_pass_threshold)
    scores = {s.criterion_id: s.value for s in evaluation.scores.all()}
    missing = [c.code for c in criteria if c.pk not in scores]
    result = {"missing": missing, "checks": [], "percent": None, "status": passrule.INCOMPLETE}
    if missing or not criteria or evaluation.submitted_at is None:
        return result
    total = sum(c.weight for c in criteria)
    weighted = sum((c.weight * Fraction(scores[c.pk]) for c in criteria), Fraction(0)) / total
    percent = weighted / workshop.scale_max * 100
    checks = [
        {
            "key": "threshold",
            "label": "",
            "value": figures.percent_text(percent, [threshold]),
            "required": figures.bound_percent_text(threshold),
            "exact": figures.fraction_text(percent),
            "ok": percent >= threshold,
        },
        {
            "key": "recommendation",
            "label": "",
            "value": evaluation.recommendation,
            "required": Recommendation.ACCREDIT,
            "ok": evaluation.recommendation == Recommendation.ACCREDIT,
        },
    ]
    for c in criteria:
        if c.minimum is not None:
            minimum = figures.exact(c.minimum)
            checks.append(
                {
                    "key": f"minimum:{c.code}",
                    "label": c.name,
                    "value": figures.score_text(scores[c.pk], [minimum]),
                    "required": figures.bound_text(minimum),
                    "ok": scores[c.pk] >= minimum,
                }
            )
    result.update(
        checks=checks,
        percent=figures.stored(percent),
        percent_display=figures.percent_text(percent, [threshold]),
        percent_exact=figures.fraction_text(percent),
        status=passrule.PASSED if all(ch["ok"] for ch in checks) else passrule.FAILED,
    )
    return result


@transaction.atomic
def field_evaluation_submit(
    *, actor, evaluation: FieldEvaluation, narrative: str, recommendation: str
) -> FieldEvaluation:
    """Submit the evaluation with its narrative and recommendation; every criterion must be scored."""
    evaluation = (
        FieldEvaluation.objects.select_for_update()
        .select_related("nomination__workshop__programme")
        .get(pk=evaluation.pk)
    )
    _check_evaluator(actor, evaluation)
    if recommendation not in (Recommendation.ACCREDIT, Recommendation.NOT_ACCREDIT):
        raise DomainError(_("Choose a recommendation."))
    if not (narrative or "").strip():
        raise DomainError(_("Write the narrative of the mission."))
    scored = set(evaluation.scores.values_list("criterion_id", flat=True))
    missing = [c.code for c in evaluation.nomination.workshop.field_criteria.all() if c.pk not in scored]
    if missing:
        raise DomainError(_("Score every criterion first. Missing: %(missing)s.") % {"missing": ", ".join(missing)})
    evaluation.narrative = narrative
    evaluation.recommendation = recommendation
    evaluation.submitted_at = timezone.now()
    evaluation.save(update_fields=["narrative", "recommendation", "submitted_at"])
    audit_record(
        actor=actor,
        action="field.submit",
        obj=evaluation,
        after={"recommendation": recommendation},
        workshop_id=evaluation.nomination.workshop_id,
        official_id=evaluation.nomination.official_id,
    )
    return evaluation


@transaction.atomic
def phase_two_decide(
    *, actor, nomination: Nomination, feedback: str = "", note: str = "", effective_date: dt.date | None = None
) -> Decision:
    """Record the Phase Two decision from the field rule. A pass grants the
    accreditation and creates its certificate record in this same transaction;
    the PDF is rendered in the background once committed."""
    _require_secretariat(actor)
    nomination = (
        Nomination.objects.select_for_update().select_related("workshop__programme", "official").get(pk=nomination.pk)
    )
    if not _phase_one_passed(nomination):
        raise DomainError(_("Phase Two can only be decided after a Phase One pass."))
    if Decision.objects.filter(nomination=nomination, phase=Phase.TWO).exists():
        raise DomainError(_("The Phase Two decision is already recorded: an error in it is put right by a correction."))
    evaluation = FieldEvaluation.objects.filter(nomination=nomination).first()
    if evaluation is None or evaluation.submitted_at is None:
        raise DomainError(_("The field evaluation has not been submitted yet."))
    reason = conflict_reason(assessor=evaluation.evaluator, official=nomination.official)
    if reason:
        # The evaluator's account was linked to an official of the expert's administration after the mission.
        raise DomainError(
            _("The evaluator of this mission is in conflict of interest (%(reason)s): the evaluation does not count.")
            % {"reason": reason}
        )
    with figures.in_stored_language():
        result = field_result(evaluation)
    if result["status"] == passrule.INCOMPLETE:
        raise DomainError(_("The field evaluation is incomplete."))
    outcome = Outcome.PASSED if result["status"] == passrule.PASSED else Outcome.FAILED
    decision = Decision.objects.create(
        nomination=nomination,
        phase=Phase.TWO,
        outcome=outcome,
        score_percent=result["percent"],
        explanation={**result, "percent": str(result["percent"])},
        feedback=feedback,
        note=note,
        decided_by=actor,
    )
    audit_record(
        actor=actor,
        action="decision.phase_two",
        obj=decision,
        after={"outcome": outcome, "percent": result["percent"]},
        reason=note,
        workshop_id=nomination.workshop_id,
        official_id=nomination.official_id,
    )
    accreditation = Accreditation.objects.select_for_update().get(nomination=nomination)
    if accreditation.status != AccreditationStatus.PRE_ACCREDITED:
        raise DomainError(
            _("The expert is %(status)s, not pre-accredited: no Phase Two decision can be recorded.")
            % {"status": accreditation.get_status_display().lower()}
        )
    before = {"status": accreditation.status}
    today = effective_date or timezone.localdate()
    if outcome == Outcome.PASSED:
        accreditation.status = AccreditationStatus.ACCREDITED
        accreditation.accredited_on = today
        accreditation.valid_until = today + relativedelta(
            months=nomination.workshop.programme.certificate_validity_months
        )
        accreditation.save(update_fields=["status", "accredited_on", "valid_until"])
        audit_record(
            actor=actor,
            action="accreditation.grant",
            obj=accreditation,
            before=before,
            after={"status": accreditation.status, "valid_until": accreditation.valid_until},
            workshop_id=nomination.workshop_id,
            official_id=nomination.official_id,
        )
        certificate_issue(actor=actor, accreditation=accreditation)
    else:
        accreditation.status = AccreditationStatus.NOT_ACCREDITED
        accreditation.ended_on = today
        accreditation.save(update_fields=["status", "ended_on"])
        audit_record(
            actor=actor,
            action="accreditation.refuse",
            obj=accreditation,
            before=before,
            after={"status": accreditation.status},
            workshop_id=nomination.workshop_id,
            official_id=nomination.official_id,
        )
    return decision


def _next_number(*, accreditation: Accreditation, year: int) -> str:
    """The next certificate number, from a counter row locked in the caller's transaction."""
    programme = accreditation.programme
    CertificateCounter.objects.get_or_create(programme=programme, expert_type=accreditation.expert_type, year=year)
    counter = CertificateCounter.objects.select_for_update().get(
        programme=programme, expert_type=accreditation.expert_type, year=year
    )
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{programme.certificate_prefix}-{accreditation.expert_type}-{year}-{counter.last:04d}"


def _queue_render(certificate_id: int) -> None:
    """Publish the render once the transaction commits. robust=True: when the
    broker is down the error is logged, the caller's transaction stays saved,
    and the sweep publishes the render later."""
    from .tasks import render_certificate

    transaction.on_commit(lambda: render_certificate.delay(certificate_id), robust=True)


@transaction.atomic
def certificate_issue(*, actor, accreditation: Accreditation) -> Certificate:
    """Create the first certificate of an accreditation, exactly once: numbered
    from the locked counter, with a random verification code, state queued;
    its PDF is rendered after commit. A second call returns the same record."""
    accreditation = (
        Accreditation.objects.select_for_update().select_related("official", "programme").get(pk=accreditation.pk)
    )
    existing = Certificate.objects.filter(accreditation=accreditation, version=1).first()
    if existing is not None:
        return existing
    if accreditation.status != AccreditationStatus.ACCREDITED:
        raise DomainError(_("Only a granted accreditation receives a certificate."))
    language = accreditation.official.preferred_language
    certificate = Certificate.objects.create(
        accreditation=accreditation,
        version=1,
        number=_next_number(accreditation=accreditation, year=accreditation.accredited_on.year),
        issued_on=accreditation.accredited_on,
        valid_until=accreditation.valid_until,
        language=language,
        render_queued_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="certificate.issue",
        obj=certificate,
        after={"number": certificate.number, "version": 1},
        workshop_id=accreditation.nomination.workshop_id,
        official_id=accreditation.official_id,
    )
    _queue_render(certificate.pk)
    return certificate


@transaction.atomic
def certificate_revoke(*, actor, certificate: Certificate, reason: str) -> Certificate:
    """Revoke a certificate and its accreditation, with a reason (kept private:
    public verification shows only the date)."""
    _require_secretariat(actor)
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the revocation."))
    certificate = Certificate.objects.select_for_update().select_related("accreditation").get(pk=certificate.pk)
    if certificate.validity == Validity.REVOKED:
        return certificate
    if certificate.validity != Validity.VALID:
        raise DomainError(_("Only a valid certificate can be revoked."))
    before = {"validity": certificate.validity}
    certificate.validity = Validity.REVOKED
    certificate.revoked_on = timezone.localdate()
    certificate.revoked_reason = reason
    certificate.save(update_fields=["validity", "revoked_on", "revoked_reason"])
    accreditation = certificate.accreditation
    accreditation.status = AccreditationStatus.REVOKED
    accreditation.ended_on = certificate.revoked_on
    accreditation.end_reason = reason
    accreditation.save(update_fields=["status", "ended_on", "end_reason"])
    audit_record(
        actor=actor,
        action="certificate.revoke",
        obj=certificate,
        before=before,
        after={"validity": certificate.validity},
        reason=reason,
        workshop_id=accreditation.nomination.workshop_id,
        official_id=accreditation.official_id,
    )
    return certificate


@transaction.atomic
def certificate_reissue(*, actor, certificate: Certificate, reason: str, language: str | None = None) -> Certificate:
    """Re-issue a valid certificate after a correction: same number, next
    version, new verification code, optionally in another language; the old
    version becomes superseded. After commit the new version is rendered and
    the expert is e-mailed the link, in their correspondence language."""
    from candidates.enums import PortalLanguage

    _require_secretariat(actor)
    if not (reason or "").strip():
        raise DomainError(_("Give the reason for the re-issue."))
    if language and language not in PortalLanguage.values:
        raise DomainError(_("A certificate is issued in English or French."))
    certificate = Certificate.objects.select_for_update().select_related("accreditation").get(pk=certificate.pk)
    if certificate.validity != Validity.VALID:
        raise DomainError(_("Only the current, valid version of a certificate can be re-issued."))
    certificate.validity = Validity.SUPERSEDED
    certificate.save(update_fields=["validity"])
    new = Certificate.objects.create(
        accreditation=certificate.accreditation,
        version=certificate.version + 1,
        number=certificate.number,
        issued_on=timezone.localdate(),
        valid_until=certificate.valid_until,
        language=language or certificate.language,
        render_queued_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="certificate.reissue",
        obj=new,
        before={"version": certificate.version, "validity": Validity.SUPERSEDED, "language": certificate.language},
        after={"version": new.version, "language": new.language},
        reason=reason,
        workshop_id=certificate.accreditation.nomination.workshop_id,
        official_id=certificate.accreditation.official_id,
    )
    _queue_render(new.pk)
    _queue_certificate_mail(new.pk, "reissued")
    return new


def _queue_certificate_mail(certificate_id: int, template: str) -> None:
    from .tasks import send_certificate_mail

    transaction.on_commit(lambda: send_certificate_mail.delay(certificate_id, template), robust=True)


# Errors worth retrying (the database or a storage connection dropped); any
# other error is a failure the Secretariat reads and fixes.
TRANSIENT_RENDER_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
# Written by the sweep when a worker died mid-render: a second death fails it.
RENDER_INTERRUPTED = "The worker stopped during the render; it was queued again."
RENDER_INTERRUPTED_TWICE = "The worker stopped twice during the render; retry it once the cause is fixed."
# Written by the render itself when its database connection dropped: it is
# queued again, retried by the task and, failing that, by the sweep.
RENDER_CONNECTION_LOST = "Database connection lost during the render; it is queued again."


def _connection_lost(exc: OperationalError | InterfaceError) -> bool:
    """Whether a database error means the connection itself is gone (the
    server closed it, was restarted or failed over), not a refused statement
    or a lock that timed out."""
    if isinstance(exc, InterfaceError):
        return True
    if connection.vendor != "postgresql":
        return False
    code = getattr(exc.__cause__, "pgcode", None) or getattr(exc.__cause__, "sqlstate", None)
    # No SQLSTATE: the client lost the socket. Class 08: connection exception;
    # 57P01-03: the server is shutting down or terminated the backend.
    return code is None or code.startswith(("08", "57P"))


def _render_stale_before(now: dt.datetime) -> dt.datetime:
    """A render started before this has outlived the task's hard time limit: its worker is gone."""
    return now - dt.timedelta(seconds=settings.CERTIFICATE_RENDER_TIME_LIMIT + 30)


def certificate_render(*, certificate_id: int) -> str | None:
    """Render a certificate's PDF if it is waiting for one, exactly once.
    The version's credential is signed before its first render (once) and
    embedded in the PDF.

    The certificate is claimed by a conditional update (queued, or rendering
    past the time limit → rendering): of two workers given it at once only one
    renders, and a duplicate delivery of a rendered certificate is a no-op.
    The claim's start time fences the result: the file is written under its
    fixed name (overwritten on a re-render) and the state recorded only by the
    holder of the claim, under a row lock. A failure is recorded with its
    reason for the Secretariat; a transient error releases the claim and is
    raised for the task to retry. Never creates a certificate.
    Returns the certificate's render state, or None when it no longer exists.
    """
    from . import certificates

    claimed_at = timezone.now()
    claimable = Q(render_state=RenderState.QUEUED) | Q(
        render_state=RenderState.RENDERING, render_started_at__lt=_render_stale_before(claimed_at)
    )
    claimed = Certificate.objects.filter(claimable, pk=certificate_id).update(
        render_state=RenderState.RENDERING, render_started_at=claimed_at
    )
    if not claimed:
        return Certificate.objects.filter(pk=certificate_id).values_list("render_state", flat=True).first()
    mine = Certificate.objects.filter(
        pk=certificate_id, render_state=RenderState.RENDERING, render_started_at=claimed_at
    )
    certificate = None
    try:
        certificate = certificates.certificate_for_render(certificate_id)
        certificate_credential_sign(certificate=certificate)
        pdf = certificates.render_pdf(certificate)
        with transaction.atomic():
            if mine.select_for_update().values_list("pk", flat=True).first() is None:
                # The claim was taken over after this render outlived its time limit.
                return Certificate.objects.values_list("render_state", flat=True).get(pk=certificate_id)
            name = certificates.certificate_file_name(certificate)
            storage = certificate.pdf.storage
            storage.delete(name)
            saved = storage.save(name, ContentFile(pdf))
            mine.update(
                pdf=saved,
                render_state=RenderState.RENDERED,
                render_error="",
                rendered_at=timezone.now(),
                render_count=F("render_count") + 1,
            )
        state = RenderState.RENDERED
    except (OperationalError, InterfaceError) as exc:
        lost = _connection_lost(exc)
        if lost:
            # A dead connection records nothing: drop it so the update below
            # opens a new one. If the database is still out of reach, the claim
            # stays and the sweep finds it once the time limit has passed.
            connection.close()
        with contextlib.suppress(OperationalError, InterfaceError):
            mine.update(
                render_state=RenderState.QUEUED,
                render_error=RENDER_CONNECTION_LOST if lost else "",
                render_queued_at=timezone.now(),
            )
        raise
    except TRANSIENT_RENDER_ERRORS:
        mine.update(render_state=RenderState.QUEUED, render_queued_at=timezone.now())
        raise
    except Exception as exc:
        mine.update(render_state=RenderState.FAILED, render_error=certificates.render_failure_reason(exc))
        state = RenderState.FAILED
    if certificate is not None:
        bulk_jobs_refresh(workshop_id=certificate.accreditation.nomination.workshop_id)
    return state


@transaction.atomic
def certificate_render_retry(*, actor, certificate: Certificate) -> Certificate:
    """Queue a certificate's render again (Secretariat): after a failure once
    the cause is fixed, or to redraw it with the current template and data."""
    _require_secretariat(actor)
    certificate = (
        Certificate.objects.select_for_update().select_related("accreditation__nomination").get(pk=certificate.pk)
    )
    now = timezone.now()
    if certificate.render_state == RenderState.RENDERING and certificate.render_started_at >= _render_stale_before(now):
        raise DomainError(_("This certificate is being rendered right now."))
    before = {"render_state": certificate.render_state, "render_error": certificate.render_error[:200]}
    certificate.render_state = RenderState.QUEUED
    certificate.render_error = ""
    certificate.render_queued_at = now
    certificate.save(update_fields=["render_state", "render_error", "render_queued_at"])
    audit_record(
        actor=actor,
        action="certificate.render_retry",
        obj=certificate,
        before=before,
        after={"render_state": certificate.render_state},
        workshop_id=certificate.accreditation.nomination.workshop_id,
        official_id=certificate.accreditation.official_id,
    )
    _queue_render(certificate.pk)
    return certificate


BULK_RERENDER = "certificates.rerender"


@transaction.atomic
def certificates_rerender_workshop(*, actor, workshop: Workshop) -> BulkJob:
    """Re-render every certificate of a workshop (Secretariat), with its
    progress in a BulkJob row. While a job for the workshop is running, asking
    again returns that job."""
    _require_secretariat(actor)
    running = BulkJob.objects.filter(kind=BULK_RERENDER, workshop=workshop, finished_at__isnull=True).first()
    if running is not None:
        return running
    ids = list(
        Certificate.objects.select_for_update()
        .filter(accreditation__nomination__workshop=workshop)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        raise DomainError(_("This workshop has no certificates yet."))
    Certificate.objects.filter(pk__in=ids).exclude(render_state=RenderState.RENDERING).update(
        render_state=RenderState.QUEUED, render_error="", render_queued_at=timezone.now()
    )
    job = BulkJob.objects.create(kind=BULK_RERENDER, workshop=workshop, total=len(ids), started_by=actor)
    audit_record(
        actor=actor,
        action="certificate.rerender_workshop",
        obj=job,
        after={"certificates": len(ids)},
        workshop_id=workshop.pk,
    )
    for pk in ids:
        _queue_render(pk)
    return job


def bulk_jobs_refresh(*, workshop_id: int) -> None:
    """Recount the progress of the workshop's running re-render jobs from the
    certificates themselves (whoever rendered them), under the job's row lock."""
    if not BulkJob.objects.filter(kind=BULK_RERENDER, workshop_id=workshop_id, finished_at__isnull=True).exists():
        return
    with transaction.atomic():
        jobs = BulkJob.objects.select_for_update().filter(
            kind=BULK_RERENDER, workshop_id=workshop_id, finished_at__isnull=True
        )
        for job in jobs:
            counts = Certificate.objects.filter(accreditation__nomination__workshop_id=workshop_id).aggregate(
                done=Count("pk", filter=Q(render_state=RenderState.RENDERED, rendered_at__gte=job.created)),
                failed=Count("pk", filter=Q(render_state=RenderState.FAILED, render_started_at__gte=job.created)),
            )
            job.done = min(counts["done"], job.total)
            job.failed = min(counts["failed"], job.total - job.done)
            if job.done + job.failed >= job.total:
                job.finished_at = timezone.now()
            job.save(update_fields=["done", "failed", "finished_at"])


def certificates_sweep(*, now: dt.datetime | None = None) -> int:
    """Make sure every certificate gets its PDF (beat, every minute).

    A render stuck in `rendering` past the time limit lost its worker: it is
    queued again (and failed, with the reason, if that happens twice). A
    certificate `queued` for longer than the grace period lost its message
    (the broker was down when it was decided): its render is published again.
    Duplicates are harmless, the render claims the certificate. Returns how
    many renders were published."""
    now = now or timezone.now()
    with transaction.atomic():
        stuck = Certificate.objects.select_for_update().filter(
            render_state=RenderState.RENDERING, render_started_at__lt=_render_stale_before(now)
        )
        stuck.filter(render_error=RENDER_INTERRUPTED).update(
            render_state=RenderState.FAILED, render_error=RENDER_INTERRUPTED_TWICE
        )
        interrupted = list(stuck.values_list("pk", flat=True))
        Certificate.objects.filter(pk__in=interrupted).update(
            render_state=RenderState.QUEUED, render_error=RENDER_INTERRUPTED, render_queued_at=now
        )
        waiting = Certificate.objects.select_for_update().filter(
            Q(render_queued_at__isnull=True)
            | Q(render_queued_at__lt=now - dt.timedelta(seconds=settings.CERTIFICATE_QUEUED_GRACE)),
            render_state=RenderState.QUEUED,
        )
        lost = list(waiting.values_list("pk", flat=True))
        Certificate.objects.filter(pk__in=lost).update(render_queued_at=now)
        for pk in interrupted + lost:
            _queue_render(pk)
    return len(interrupted) + len(lost)


def certificates_expire(*, today: dt.date | None = None) -> int:
    """Mark certificates past their validity expired, and their accreditation
    with them (beat, daily). Returns how many expired."""
    today = today or timezone.localdate()
    expired = 0
    due = Certificate.objects.filter(validity=Validity.VALID, valid_until__lt=today).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            certificate = (
                Certificate.objects.select_for_update()
                .select_related("accreditation__nomination")
                .filter(pk=pk, validity=Validity.VALID)
                .first()
            )
            if certificate is None:
                continue
            certificate.validity = Validity.EXPIRED
            certificate.save(update_fields=["validity"])
            accreditation = certificate.accreditation
            if accreditation.status == AccreditationStatus.ACCREDITED:
                accreditation.status = AccreditationStatus.EXPIRED
                accreditation.ended_on = certificate.valid_until
                accreditation.save(update_fields=["status", "ended_on"])
            audit_record(
                actor=None,
                action="certificate.expire",
                obj=certificate,
                before={"validity": Validity.VALID},
                after={"validity": Validity.EXPIRED, "valid_until": certificate.valid_until},
                workshop_id=accreditation.nomination.workshop_id,
                official_id=accreditation.official_id,
            )
            expired += 1
    return expired


def certificate_expiry_reminders(*, today: dt.date | None = None) -> int:
    """Queue a reminder to each expert whose current certificate expires
    within the reminder period and who has not had one (beat, daily).
    Returns how many were queued."""
    from .tasks import send_expiry_reminder

    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=settings.CERTIFICATE_EXPIRY_REMINDER_DAYS)
    due = list(
        Certificate.objects.filter(
            validity=Validity.VALID, expiry_reminder_sent=False, valid_until__gte=today, valid_until__lte=horizon
        ).values_list("pk", flat=True)
    )
    for pk in due:
        send_expiry_reminder.delay(pk)
    return len(due)


def certificate_expiry_reminder_send(*, certificate_id: int) -> bool:
    """E-mail the expiry reminder of one certificate and only then mark it
    sent, under the certificate's row lock: a reminder the mail server
    refused stays due (the task retries, the next daily run queues it again),
    and two runs never both send it. Returns whether it was sent now."""
    from .certificates import certificate_mail

    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update()
            .select_related("accreditation__official", "accreditation__programme", "accreditation__nomination")
            .filter(pk=certificate_id, validity=Validity.VALID, expiry_reminder_sent=False)
            .first()
        )
        if certificate is None:
            return False
        certificate_mail(template="expiry_reminder", certificate=certificate)
        certificate.expiry_reminder_sent = True
        certificate.save(update_fields=["expiry_reminder_sent"])
        audit_record(
            actor=None,
            action="certificate.expiry_reminder",
            obj=certificate,
            after={"valid_until": certificate.valid_until},
            workshop_id=certificate.accreditation.nomination.workshop_id,
            official_id=certificate.accreditation.official_id,
        )
    return True


@transaction.atomic
def roster_profile_update(*, actor, official, availability: str, biography: str = "") -> RosterProfile:
    """An accredited expert keeps their roster entry current: availability for
    missions and a short biography. Audited; an unchanged entry writes nothing."""
    if official.user_id is None or official.user_id != getattr(actor, "pk", None):
        raise DomainError(_("Each expert keeps their own roster profile."))
    if not Accreditation.objects.filter(official=official, status=AccreditationStatus.ACCREDITED).exists():
        raise DomainError(_("Only accredited experts are in the roster."))
    if availability not in Availability.values:
        raise DomainError(_("Choose an availability."))
    biography = (biography or "").strip()
    profile, _created = RosterProfile.objects.select_for_update().get_or_create(official=official)
    before = {"availability": profile.availability, "biography": profile.biography}
    if not _created and before == {"availability": availability, "biography": biography}:
        return profile
    profile.availability = availability
    profile.biography = biography
    profile.save(update_fields=["availability", "biography", "updated"])
    audit_record(
        actor=actor,
        action="roster.profile",
        obj=profile,
        before={} if _created else before,
        after={"availability": availability, "biography": biography[:200]},
        official_id=official.pk,
    )
    return profile
