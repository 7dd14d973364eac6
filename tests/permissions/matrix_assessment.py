"""Permission-matrix rows for Phase One scoring, moderation, decisions and Phase Two.

The format is explained in tests/permissions/__init__.py. The scenario's
workshop has two assigned assessors ("assessor" and "assessor2"); its accepted
candidate is Ana Matrix (administration A, expert account). Objects these rows
need (a sheet, a released Phase One decision, a Phase Two mission evaluated by
"assessor2", an evidence file, a workshop of a programme with pre-screening)
are made on demand, through the services, and kept in scenario.extra.

Two answers differ from the usual ones on purpose: the htmx save endpoints
answer 401 (not a login redirect) to an anonymous request, so an expired
session never swaps the login page into a score cell.
"""

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from .helpers import POST, expect, no_kwargs

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# Who sees the scenario's workshop: everyone but the other workshop's assessor.
WORKSHOP_ASSESSOR_PAGE = expect(403, anonymous=302, assessor=200, other_assessor=404)
WORKSHOP_SECRETARIAT_PAGE = expect(403, anonymous=302, secretariat=200, other_assessor=404)
WORKSHOP_SECRETARIAT_POST = expect(403, anonymous=302, secretariat=302, other_assessor=404)
# Who sees the scenario's accepted nomination: the Secretariat, the focal point of A, the expert and its assessors.
NOMINATION_SECRETARIAT_PAGE = expect(404, anonymous=302, secretariat=200, focal_point=403, assessor=403, expert=403)
NOMINATION_SECRETARIAT_POST = expect(404, anonymous=302, secretariat=302, focal_point=403, assessor=403, expert=403)
# A Phase Two evaluation: the Secretariat and its evaluator only.
EVALUATION_PAGE = expect(404, anonymous=302, secretariat=200)
EVALUATOR_POST = expect(404, anonymous=302, secretariat=403)


def _secretariat(scenario):
    return scenario.user("secretariat")


def _exercise(scenario):
    return scenario.workshop.exercises.get(code="PRES")


def sheet_kwargs(scenario):
    return {"workshop_id": scenario.workshop.pk, "exercise_id": _exercise(scenario).pk}


def workshop_kwargs(scenario):
    return {"workshop_id": scenario.workshop.pk}


def save_kwargs(scenario):
    exercise = _exercise(scenario)
    return {
        **sheet_kwargs(scenario),
        "nomination_id": scenario.nomination.pk,
        "criterion_id": exercise.criteria.get(code="T").pk,
    }


def cell_kwargs(scenario):
    exercise = _exercise(scenario)
    return {
        "nomination_id": scenario.nomination.pk,
        "exercise_id": exercise.pk,
        "criterion_id": exercise.criteria.get(code="T").pk,
    }


def nomination_kwargs(scenario):
    return {"nomination_id": scenario.nomination.pk}


def official_kwargs(scenario):
    return {"official_id": scenario.official.pk}


def sheet_id(scenario):
    from accreditation import services
    from accreditation.models import ScoreSheet

    exercise = _exercise(scenario)
    services.phase_one_score_record(
        actor=scenario.user("assessor"),
        nomination=scenario.nomination,
        exercise=exercise,
        criterion=exercise.criteria.get(code="T"),
        value=4,
    )
    return {"sheet_id": ScoreSheet.objects.get(exercise=exercise, assessor=scenario.user("assessor")).pk}


def phase_one_decision(scenario):
    """Ana scored 4 everywhere by both assessors, sheets submitted, passed and released."""
    if "phase_one_decision" not in scenario.extra:
        from accreditation import services

        assessors = [scenario.user("assessor"), get_user_model().objects.get(username="assessor2")]
        exercises = list(scenario.workshop.exercises.prefetch_related("criteria"))
        for assessor in assessors:
            for exercise in exercises:
                for criterion in exercise.criteria.all():
                    services.phase_one_score_record(
                        actor=assessor,
                        nomination=scenario.nomination,
                        exercise=exercise,
                        criterion=criterion,
                        value=4,
                    )
                services.score_sheet_submit(actor=assessor, workshop=scenario.workshop, exercise=exercise)
        decision = services.phase_one_decide(actor=_secretariat(scenario), nomination=scenario.nomination)
        scenario.extra["phase_one_decision"] = services.decision_release(
            actor=_secretariat(scenario), decision=decision
        )
    return scenario.extra["phase_one_decision"]


def decision_kwargs(scenario):
    return {"decision_id": phase_one_decision(scenario).pk}


def evaluation(scenario):
    """Ana's Phase Two mission, evaluated by "assessor2" (no matrix role of its own)."""
    if "evaluation" not in scenario.extra:
        from accreditation import services
        from accreditation.enums import MissionRole, MissionType

        phase_one_decision(scenario)
        evaluator = get_user_model().objects.get(username="assessor2")
        evaluation = services.field_evaluation_assign(
            actor=_secretariat(scenario),
            nomination=scenario.nomination,
            evaluator=evaluator,
            mission_place="Matrix city",
            mission_start=scenario.workshop.end_date,
            mission_end=scenario.workshop.end_date,
            mission_type=MissionType.NATIONAL_TRAINING,
            role=MissionRole.CO_FACILITATOR,
        )
        scenario.extra["evaluation"] = evaluation
    return scenario.extra["evaluation"]


def evaluation_kwargs(scenario):
    return {"evaluation_id": evaluation(scenario).pk}


def field_score_kwargs(scenario):
    field = evaluation(scenario).nomination.workshop.field_criteria.first()
    return {"evaluation_id": evaluation(scenario).pk, "criterion_id": field.pk}


def evidence_kwargs(scenario):
    from accreditation import services

    current = evaluation(scenario)
    evidence = services.field_evidence_add(
        actor=current.evaluator,
        evaluation=current,
        file=SimpleUploadedFile("mission.pdf", PDF),
        original_name="mission.pdf",
        content_type="application/pdf",
    )
    return {"evidence_id": evidence.pk}


def prescreening_workshop_kwargs(scenario):
    from tests.factories import make_workshop
    from workshops.models import Programme

    programme = Programme.objects.create(
        code="pca", name="Post-Clearance Audit", certificate_prefix="PCA", has_prescreening=True
    )
    workshop = make_workshop(actor=_secretariat(scenario), programme=programme, title="Matrix PCA workshop")
    return {"workshop_id": workshop.pk}


def score_data(scenario):
    return {"value": "4", "version": "0"}


ROWS = [
    (
        "accreditation:assessment_home",
        no_kwargs,
        expect(403, anonymous=302, secretariat=200, assessor=200, other_assessor=200),
    ),
    (
        "accreditation:workshop_assessment",
        workshop_kwargs,
        expect(403, anonymous=302, secretariat=200, assessor=200, other_assessor=404),
    ),
    ("accreditation:score_sheet", sheet_kwargs, WORKSHOP_ASSESSOR_PAGE),
    ("accreditation:score_sheet_export", sheet_kwargs, WORKSHOP_ASSESSOR_PAGE),
    (
        "accreditation:score_save",
        save_kwargs,
        expect(403, anonymous=401, assessor=200, other_assessor=404),
        {"method": POST, "data": score_data},
    ),
    (
        "accreditation:score_sheet_submit",
        sheet_kwargs,
        expect(403, anonymous=302, assessor=302, other_assessor=404),
        {"method": POST},
    ),
    (
        "accreditation:score_sheet_reopen",
        sheet_id,
        WORKSHOP_SECRETARIAT_POST,
        {"method": POST, "data": lambda s: {"reason": "Matrix reopening"}},
    ),
    ("accreditation:workshop_results", workshop_kwargs, WORKSHOP_SECRETARIAT_PAGE),
    ("accreditation:workshop_results_export", workshop_kwargs, WORKSHOP_SECRETARIAT_PAGE),
    ("accreditation:decide_workshop", workshop_kwargs, WORKSHOP_SECRETARIAT_POST, {"method": POST}),
    ("accreditation:release_workshop", workshop_kwargs, WORKSHOP_SECRETARIAT_POST, {"method": POST}),
    (
        "accreditation:prescreening",
        prescreening_workshop_kwargs,
        expect(404, anonymous=302, secretariat=200, focal_point=403, other_focal_point=403),
    ),
    ("accreditation:moderate", cell_kwargs, NOMINATION_SECRETARIAT_PAGE),
    (
        "accreditation:moderate",
        cell_kwargs,
        expect(404, anonymous=302, secretariat=200, focal_point=403, assessor=403, expert=403),
        {"method": POST, "data": lambda s: {"value": "4", "note": "Matrix"}},
    ),
    ("accreditation:decide", nomination_kwargs, NOMINATION_SECRETARIAT_PAGE),
    (
        "accreditation:decide",
        nomination_kwargs,
        expect(404, anonymous=302, secretariat=200, focal_point=403, assessor=403, expert=403),
        {"method": POST, "data": lambda s: {"feedback": "", "note": ""}},
    ),
    (
        "accreditation:prescreen",
        nomination_kwargs,
        NOMINATION_SECRETARIAT_POST,
        {"method": POST, "data": lambda s: {"outcome": "passed"}},
    ),
    (
        "accreditation:release_decision",
        decision_kwargs,
        expect(404, anonymous=302, secretariat=302, focal_point=403, expert=403),
        {"method": POST},
    ),
    ("accreditation:decisions_recheck", workshop_kwargs, WORKSHOP_SECRETARIAT_PAGE),
    (
        "accreditation:decision_correct",
        decision_kwargs,
        expect(404, anonymous=302, secretariat=400, focal_point=403, expert=403),
        {"method": POST, "data": lambda s: {"reason": "Matrix"}},
    ),
    (
        "accreditation:candidate_audit",
        official_kwargs,
        expect(404, anonymous=302, secretariat=200, focal_point=403, expert=403),
    ),
    ("accreditation:phase_two_list", no_kwargs, expect(403, anonymous=302, secretariat=200)),
    ("accreditation:field_assign", nomination_kwargs, NOMINATION_SECRETARIAT_PAGE),
    (
        "accreditation:field_assign",
        nomination_kwargs,
        expect(404, anonymous=302, secretariat=200, focal_point=403, assessor=403, expert=403),
        {"method": POST, "data": lambda s: {"mission_place": "Nowhere"}},
    ),
    ("accreditation:field_evaluation", evaluation_kwargs, EVALUATION_PAGE),
    (
        "accreditation:field_score_save",
        field_score_kwargs,
        expect(404, anonymous=401, secretariat=403),
        {"method": POST, "data": score_data},
    ),
    ("accreditation:field_evidence_upload", evaluation_kwargs, EVALUATOR_POST, {"method": POST}),
    ("accreditation:field_evidence_download", evidence_kwargs, EVALUATION_PAGE),
    (
        "accreditation:field_submit",
        evaluation_kwargs,
        EVALUATOR_POST,
        {"method": POST, "data": lambda s: {"narrative": "Matrix", "recommendation": "accredit"}},
    ),
    (
        "accreditation:phase_two_decide",
        evaluation_kwargs,
        expect(404, anonymous=302, secretariat=302),
        {"method": POST, "data": lambda s: {"feedback": "", "note": ""}},
    ),
]
