from django.urls import path

from .views import assessment, certificates, credentials, phase_two, suspension

app_name = "accreditation"

# Phase One scoring, moderation, decisions, Phase Two (accreditation/views/assessment.py, phase_two.py).
_w = "assessment/workshops/<int:workshop_id>/"
_sheet = _w + "exercises/<int:exercise_id>/"
assessment_urls = [
    path("assessment/", assessment.assessment_home, name="assessment_home"),
    path(_w, assessment.workshop_assessment, name="workshop_assessment"),
    path(_sheet, assessment.score_sheet, name="score_sheet"),
    path(
        _sheet + "scores/<int:nomination_id>/<int:criterion_id>/",
        assessment.score_save,
        name="score_save",
    ),
    path(_sheet + "submit/", assessment.score_sheet_submit, name="score_sheet_submit"),
    path(_sheet + "export.csv", assessment.score_sheet_export, name="score_sheet_export"),
    path("assessment/sheets/<int:sheet_id>/reopen/", assessment.score_sheet_reopen, name="score_sheet_reopen"),
    path(_w + "results/", assessment.workshop_results, name="workshop_results"),
    path(_w + "results.csv", assessment.workshop_results_export, name="workshop_results_export"),
    path(_w + "decide/", assessment.decide_workshop, name="decide_workshop"),
    path(_w + "release/", assessment.release_workshop, name="release_workshop"),
    path(_w + "prescreening/", assessment.prescreening, name="prescreening"),
    path(
        "assessment/nominations/<int:nomination_id>/moderate/<int:exercise_id>/<int:criterion_id>/",
        assessment.moderate,
        name="moderate",
    ),
    path("assessment/nominations/<int:nomination_id>/decide/", assessment.decide, name="decide"),
    path("assessment/nominations/<int:nomination_id>/prescreen/", assessment.prescreen, name="prescreen"),
    path("assessment/decisions/<int:decision_id>/release/", assessment.release_decision, name="release_decision"),
    path(_w + "recheck/", assessment.decisions_recheck, name="decisions_recheck"),
    path("assessment/decisions/<int:decision_id>/correct/", assessment.decision_correct, name="decision_correct"),
    path("assessment/candidates/<int:official_id>/", assessment.candidate_audit, name="candidate_audit"),
    path("phase-two/", phase_two.phase_two_list, name="phase_two_list"),
    path("phase-two/nominations/<int:nomination_id>/assign/", phase_two.field_assign, name="field_assign"),
    path("phase-two/evaluations/<int:evaluation_id>/", phase_two.field_evaluation, name="field_evaluation"),
    path(
        "phase-two/evaluations/<int:evaluation_id>/scores/<int:criterion_id>/",
        phase_two.field_score_save,
        name="field_score_save",
    ),
    path(
        "phase-two/evaluations/<int:evaluation_id>/evidence/",
        phase_two.field_evidence_upload,
        name="field_evidence_upload",
    ),
    path("phase-two/evidence/<int:evidence_id>/", phase_two.field_evidence_download, name="field_evidence_download"),
    path("phase-two/evaluations/<int:evaluation_id>/submit/", phase_two.field_submit, name="field_submit"),
    path("phase-two/evaluations/<int:evaluation_id>/decide/", phase_two.phase_two_decide, name="phase_two_decide"),
]

# Certificates, verification, revocation, re-issue, bulk jobs, roster (accreditation/views/certificates.py).
certificate_urls = [
    path("verify/", credentials.verify_upload, name="verify_upload"),
    path("verify/<str:code>/", certificates.verify, name="verify"),
    path("verify/<str:code>/credential.json", credentials.credential_json, name="verify_credential"),
    path(".well-known/did.json", credentials.did_document, name="did_document"),
    path(
        "credentials/status/<str:purpose>/<int:number>",
        credentials.status_list,
        name="status_list",
    ),
    path("certificates/", certificates.certificate_list, name="certificate_list"),
    path("certificates/<int:pk>/", certificates.certificate_detail, name="certificate_detail"),
    path("certificates/<int:pk>/download/", certificates.certificate_download, name="certificate_download"),
    path("certificates/<int:pk>/revoke/", certificates.certificate_revoke, name="certificate_revoke"),
    path("certificates/<int:pk>/reissue/", certificates.certificate_reissue, name="certificate_reissue"),
    path("certificates/<int:pk>/retry/", certificates.certificate_retry, name="certificate_retry"),
    path("certificates/<int:pk>/suspend/", suspension.certificate_suspend, name="certificate_suspend"),
    path("certificates/<int:pk>/suspension/lift/", suspension.suspension_lift, name="suspension_lift"),
    path(
        "certificates/workshops/<int:workshop_id>/rerender/",
        certificates.workshop_rerender,
        name="certificate_workshop_rerender",
    ),
    path("certificates/jobs/<int:pk>/", certificates.bulk_job, name="bulk_job"),
    path("roster/", certificates.roster_list, name="roster"),
    path("roster/profile/", certificates.roster_profile, name="roster_profile"),
]

urlpatterns = assessment_urls + certificate_urls
