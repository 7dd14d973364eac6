"""The audit trail as people read it: who (name and role), what (a sentence),
when (localised) and the change, instead of action codes and raw values.

Lives in the top app because it names every app's actions and choices; the
entries themselves are written by `toa_portal.audit.audit_record`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from candidates.enums import SECRETARIAT_GROUP, PortalLanguage
from toa_portal.dates import format_date
from workshops.enums import Attendance, NominationStatus, PrescreeningOutcome, WorkshopStatus

from . import figures
from .enums import (
    AccreditationStatus,
    Availability,
    MissionRole,
    Outcome,
    Recommendation,
    RenderState,
    SheetStatus,
    Validity,
    grade_label,
)

ACTIONS = {
    "nomination.submit": gettext_lazy("Nomination submitted"),
    "nomination.accept": gettext_lazy("Nomination accepted"),
    "nomination.decline": gettext_lazy("Nomination declined"),
    "nomination.waitlist": gettext_lazy("Nomination placed on the waiting list"),
    "nomination.withdraw": gettext_lazy("Nomination withdrawn"),
    "nomination.attendance": gettext_lazy("Attendance recorded"),
    "nomination.prescreen": gettext_lazy("Pre-screening recorded"),
    "official.create": gettext_lazy("Official recorded"),
    "workshop.create": gettext_lazy("Workshop created"),
    "workshop.update": gettext_lazy("Workshop edited"),
    "workshop.status": gettext_lazy("Workshop status changed"),
    "workshop.rubric_edit": gettext_lazy("Workshop rubric corrected"),
    "assessor.assign": gettext_lazy("Assessor assigned to the workshop"),
    "assessor.unassign": gettext_lazy("Assessor removed from the workshop"),
    "conflict.declare": gettext_lazy("Conflict of interest declared"),
    "score.record": gettext_lazy("Phase One score entered"),
    "score.moderate": gettext_lazy("Score moderated"),
    "sheet.submit": gettext_lazy("Score sheet submitted"),
    "sheet.reopen": gettext_lazy("Score sheet reopened"),
    "decision.phase_one": gettext_lazy("Phase One decision recorded"),
    "decision.phase_two": gettext_lazy("Phase Two decision recorded"),
    "decision.release": gettext_lazy("Decision released to the focal point and the expert"),
    "decision.correct": gettext_lazy("Decision corrected"),
    "accreditation.correct": gettext_lazy("Accreditation changed by a corrected decision"),
    "nomination.accept_below_minimum": gettext_lazy("Nomination accepted below the minimum of eligible assessors"),
    "conflict.account_linked": gettext_lazy("Conflict of interest found when an account was linked to an official"),
    "workshop.snapshot": gettext_lazy("Workshop rubric corrected"),
    "accreditation.pre_accredit": gettext_lazy("Pre-accredited after Phase One"),
    "accreditation.grant": gettext_lazy("Accreditation granted"),
    "accreditation.refuse": gettext_lazy("Accreditation refused"),
    "field.assign": gettext_lazy("Field evaluation assigned"),
    "field.score": gettext_lazy("Phase Two score entered"),
    "field.evidence": gettext_lazy("Evidence file added"),
    "field.submit": gettext_lazy("Field evaluation submitted"),
    "certificate.issue": gettext_lazy("Certificate issued"),
    "certificate.reissue": gettext_lazy("Certificate re-issued"),
    "certificate.revoke": gettext_lazy("Certificate revoked"),
    "certificate.suspend": gettext_lazy("Certificate suspended"),
    "certificate.suspension_lift": gettext_lazy("Suspension lifted"),
    "certificate.credential_sign": gettext_lazy("Verifiable credential signed"),
    "certificate.expire": gettext_lazy("Certificate expired"),
    "certificate.expiry_reminder": gettext_lazy("Expiry reminder sent"),
    "certificate.render_retry": gettext_lazy("Certificate rendering retried"),
    "certificate.rerender_workshop": gettext_lazy("Certificates of the workshop rendered again"),
    "roster.profile": gettext_lazy("Roster profile updated"),
    "account.invite": gettext_lazy("Account invited"),
    "account.reinvite": gettext_lazy("Invitation sent again"),
    "account.deactivate": gettext_lazy("Account deactivated"),
    "account.reactivate": gettext_lazy("Account reactivated"),
    "focal_point.handover": gettext_lazy("Focal point handed over"),
}

FIELDS = {
    "status": gettext_lazy("Status"),
    "value": gettext_lazy("Score"),
    "cell": gettext_lazy("Exercise / criterion"),
    "criterion": gettext_lazy("Criterion"),
    "outcome": gettext_lazy("Outcome"),
    "grade": gettext_lazy("Grade"),
    "percent": gettext_lazy("Weighted score"),
    "evaluator": gettext_lazy("Evaluator"),
    "mission_place": gettext_lazy("Mission"),
    "role": gettext_lazy("Role"),
    "file": gettext_lazy("File"),
    "recommendation": gettext_lazy("Recommendation"),
    "valid_until": gettext_lazy("Valid until"),
    "suspended_from": gettext_lazy("Suspended from"),
    "suspended_until": gettext_lazy("Suspended until"),
    "lifted_on": gettext_lazy("Lifted on"),
    "credential": gettext_lazy("Credential"),
    "below_minimum": gettext_lazy("Below the minimum"),
    "scores_no_longer_count": gettext_lazy("Scores no longer count"),
    "field_evaluator": gettext_lazy("Field evaluator"),
    "number": gettext_lazy("Number"),
    "version": gettext_lazy("Version"),
    "language": gettext_lazy("Language"),
    "validity": gettext_lazy("Validity"),
    "render_state": gettext_lazy("Rendering"),
    "certificates": gettext_lazy("Certificates"),
    "availability": gettext_lazy("Availability"),
    "biography": gettext_lazy("Biography"),
    "programme": gettext_lazy("Programme"),
    "start_date": gettext_lazy("First day"),
    "capacity": gettext_lazy("Capacity"),
    "letter_reference": gettext_lazy("Letter reference"),
    "prescreening": gettext_lazy("Pre-screening"),
    "attendance": gettext_lazy("Attendance"),
    "assessor": gettext_lazy("Assessor"),
    "official": gettext_lazy("Official"),
    "not_eligible_for": gettext_lazy("Not eligible for"),
    "email": gettext_lazy("E-mail"),
    "administration": gettext_lazy("Administration"),
    "is_active": gettext_lazy("Active"),
    "focal_point": gettext_lazy("Focal point"),
    "focal_points": gettext_lazy("Focal points"),
    "focal_point_ended": gettext_lazy("Focal point roles ended"),
}

# What the sentence already says, or bookkeeping nobody reads.
HIDDEN = {"released", "version", "replaces", "assessor_user_id"}
DATE_FIELDS = {"valid_until", "start_date", "suspended_from", "suspended_until", "lifted_on"}

# Choices by field, and where one name means different things, by object and field.
CHOICES = {
    "outcome": Outcome,
    "recommendation": Recommendation,
    "validity": Validity,
    "render_state": RenderState,
    "availability": Availability,
    "role": MissionRole,
    "attendance": Attendance,
    "prescreening": PrescreeningOutcome,
    "language": PortalLanguage,
}
STATUS_CHOICES = {
    "workshops.nomination": NominationStatus,
    "workshops.workshop": WorkshopStatus,
    "accreditation.scoresheet": SheetStatus,
    "accreditation.accreditation": AccreditationStatus,
}

ROLE_NAMES = {
    "secretariat": gettext_lazy("Secretariat"),
    "focal_point": gettext_lazy("focal point"),
    "assessor": gettext_lazy("assessor"),
    "field_evaluator": gettext_lazy("field evaluator"),
    "expert": gettext_lazy("expert"),
}
# The role an action is taken in; None: the Secretariat's, or else the role named.
ACTION_ROLES = {
    "score.record": "assessor",
    "sheet.submit": "assessor",
    "field.score": "field_evaluator",
    "field.evidence": "field_evaluator",
    "field.submit": "field_evaluator",
    "roster.profile": "expert",
    "nomination.submit": "focal_point",
    "nomination.withdraw": "focal_point",
    "nomination.attendance": "focal_point",
    "official.create": "focal_point",
}


@dataclass
class Change:
    label: str
    before: str
    after: str


def action_text(action: str) -> str:
    """The sentence for an action; an action without one reads as its words ("decision correct")."""
    text = ACTIONS.get(action)
    return str(text) if text is not None else action.replace(".", " ").replace("_", " ").capitalize()


def _is_secretariat(user) -> bool:
    # Reads the prefetched groups (prefetch_related("actor__groups")): no query per entry.
    return user.is_superuser or any(group.name == SECRETARIAT_GROUP for group in user.groups.all())


def actor_text(entry) -> str:
    """ "Claire Dubois (Secretariat)", "Marco Bianchi (assessor)", or "the system"."""
    user = entry.actor
    if user is None:
        return _("the system")
    name = user.get_full_name() or user.get_username()
    role = ACTION_ROLES.get(entry.action)
    if role is None or _is_secretariat(user):
        role = "secretariat"
    return _("%(name)s (%(role)s)") % {"name": name, "role": ROLE_NAMES[role]}


def value_text(entry, key: str, value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    choices = STATUS_CHOICES.get(entry.object_type) if key == "status" else CHOICES.get(key)
    if choices is not None and value in choices.values:
        return str(choices(value).label)
    if key == "grade":
        return grade_label(value)
    if key == "percent":
        try:
            return figures.bound_percent_text(value)
        except (ArithmeticError, ValueError, TypeError):
            return str(value)
    if key in DATE_FIELDS:
        try:
            return format_date(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    return str(value)


def changes(entry) -> list[Change]:
    """Each field the entry records, with its value before and after, in words."""
    before, after = entry.before or {}, entry.after or {}
    rows = []
    for key in [*after, *(k for k in before if k not in after)]:
        if key in HIDDEN:
            continue
        rows.append(
            Change(
                label=str(FIELDS.get(key, key.replace("_", " "))),
                before=value_text(entry, key, before[key]) if key in before else "",
                after=value_text(entry, key, after[key]) if key in after else "",
            )
        )
    return rows
