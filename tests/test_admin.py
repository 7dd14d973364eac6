"""The back office: every page opens, workflow records are read-only, and the
admin actions go through the services (an audit entry is always written)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from accreditation.enums import Phase, SheetStatus, Validity
from accreditation.models import (
    Accreditation,
    BulkJob,
    Certificate,
    Decision,
    FieldEvaluation,
    ModeratedScore,
    PhaseOneScore,
    RosterProfile,
    ScoreSheet,
)
from accreditation.services import field_evidence_add
from candidates.models import Official
from tests.factories import OfficialFactory, UserFactory, make_workshop, nominate, secretariat_user
from toa_portal.models import AuditEntry
from workshops.enums import NominationStatus, WorkshopStatus
from workshops.models import DeclaredConflict, Nomination, Workshop
from workshops.services import conflict_declare

pytestmark = pytest.mark.django_db
User = get_user_model()

OUR_APPS = {"toa_portal", "candidates", "workshops", "accreditation", "auth"}
WORKFLOW_MODELS = [
    Nomination,
    ScoreSheet,
    PhaseOneScore,
    ModeratedScore,
    Decision,
    FieldEvaluation,
    Accreditation,
    Certificate,
    AuditEntry,
]


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _action(client, model, action, objects, **extra):
    data = {"action": action, helpers.ACTION_CHECKBOX_NAME: [o.pk for o in objects], **extra}
    if "apply" not in extra:
        data["index"] = 0
    return client.post(_url(model, "changelist"), data, follow=True)


@pytest.fixture
def staff(client, demo_module):
    user = get_user_model().objects.get(username="secretariat")
    client.force_login(user)
    return user


@pytest.fixture
def every_model_has_a_row(demo_module):
    """The demo has no bulk job, conflict, roster profile or evidence file: add one of each."""
    BulkJob.objects.create(kind="render", total=1)
    RosterProfile.objects.create(official=Official.objects.first(), biography="IPR trainer.")
    conflict_declare(
        actor=User.objects.get(username="secretariat"),
        assessor=User.objects.get(username="assessor1"),
        official=Official.objects.first(),
        reason="Former colleague.",
    )
    evaluation = FieldEvaluation.objects.get(submitted_at__isnull=True)
    from django.core.files.base import ContentFile

    field_evidence_add(
        actor=evaluation.evaluator,
        evaluation=evaluation,
        file=ContentFile(b"%PDF-1.4 evidence", name="report.pdf"),
        original_name="report.pdf",
        content_type="application/pdf",
    )


def test_admin_every_changelist_and_change_page_opens_for_the_secretariat(client, staff, every_model_has_a_row):
    for model, model_admin in admin.site._registry.items():
        response = client.get(_url(model, "changelist"))
        assert response.status_code == 200, model
        response = client.get(_url(model, "changelist"), {"q": "a"})
        assert response.status_code == 200, model
        obj = model._default_manager.order_by("pk").first()
        if obj is None:
            assert model._meta.app_label not in OUR_APPS, f"no {model.__name__} row to open"
            continue
        response = client.get(_url(model, "change", obj.pk))
        assert response.status_code == 200, model
        if model_admin.has_add_permission(response.wsgi_request):
            assert client.get(_url(model, "add")).status_code == 200, model


def test_admin_every_list_has_search_and_filters(demo_module):
    ours = [(m, a) for m, a in admin.site._registry.items() if m._meta.app_label in OUR_APPS - {"auth"}]
    assert len(ours) > 20
    for model, model_admin in ours:
        assert model_admin.search_fields, model
        assert model_admin.list_filter, model


def test_admin_workflow_records_refuse_add_change_and_delete(client, staff):
    for model in WORKFLOW_MODELS:
        obj = model._default_manager.order_by("pk").first()
        if model is not FieldEvaluation:  # opened through field_evaluation_assign, see below
            assert client.get(_url(model, "add")).status_code == 403, model
        assert client.post(_url(model, "change", obj.pk), {}).status_code == 403, model
        assert client.post(_url(model, "delete", obj.pk), {"post": "yes"}).status_code == 403, model
        assert model._default_manager.filter(pk=obj.pk).exists()
        page = client.get(_url(model, "change", obj.pk)).content.decode()
        assert 'name="_save"' not in page, model


def test_admin_pages_refused_to_staff_outside_the_secretariat(client, demo_module):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(_url(Nomination, "changelist")).status_code == 403
    assert client.get(_url(Workshop, "changelist")).status_code == 403


def test_admin_secretariat_member_without_superuser_status_uses_the_back_office(client, demo_module):
    user = secretariat_user(is_staff=True)
    client.force_login(user)
    assert client.get(_url(Nomination, "changelist")).status_code == 200
    page = client.get(reverse("admin:index")).content.decode()
    assert "Nominations" in page and "Workshops" in page


def test_admin_accept_action_calls_the_service(client, staff, django_capture_on_commit_callbacks):
    workshop = Workshop.objects.get(status=WorkshopStatus.OPEN)
    nomination = workshop.nominations.first()
    with django_capture_on_commit_callbacks(execute=True):
        response = _action(client, Nomination, "accept", [nomination])
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.ACCEPTED
    assert "1 nomination(s) accepted." in response.content.decode()
    assert AuditEntry.objects.filter(action="nomination.accept", object_id=str(nomination.pk), actor=staff).exists()
    assert mail.outbox, "the accept notice was not sent"


def test_admin_action_refusal_is_shown_and_writes_nothing(client, staff):
    nomination = Nomination.objects.filter(status=NominationStatus.ACCEPTED).first()
    entries = AuditEntry.objects.count()
    response = _action(client, Nomination, "waitlist", [nomination])
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.ACCEPTED
    assert "cannot be waiting list" in response.content.decode()
    assert AuditEntry.objects.count() == entries


def test_admin_decline_asks_for_a_reason_before_calling_the_service(client, staff):
    nomination = Workshop.objects.get(status=WorkshopStatus.OPEN).nominations.first()
    page = _action(client, Nomination, "decline", [nomination]).content.decode()
    assert 'name="reason"' in page
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.SUBMITTED

    _action(client, Nomination, "decline", [nomination], apply="yes", reason="")
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.SUBMITTED

    _action(client, Nomination, "decline", [nomination], apply="yes", reason="Quota of the region reached.")
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.DECLINED
    entry = AuditEntry.objects.get(action="nomination.decline", object_id=str(nomination.pk))
    assert entry.reason == "Quota of the region reached."


def test_admin_release_action_releases_a_decision(client, staff):
    workshop = make_workshop(actor=staff)
    decision = _decided_phase_one(staff, workshop)
    _action(client, Decision, "release", [decision])
    decision.refresh_from_db()
    assert decision.released and decision.released_by == staff
    assert AuditEntry.objects.filter(action="decision.release", object_id=str(decision.pk)).exists()


def _decided_phase_one(actor, workshop):
    """A candidate scored by two assessors and decided (not released)."""
    from accreditation import services

    assessors = [UserFactory(), UserFactory()]
    for assessor in assessors:
        from workshops.services import assessor_assign

        assessor_assign(actor=actor, workshop=workshop, assessor=assessor)
    nomination = nominate(workshop, actor=actor, accept=True)
    for assessor in assessors:
        for exercise in workshop.exercises.all():
            for criterion in exercise.criteria.all():
                services.phase_one_score_record(
                    actor=assessor, nomination=nomination, exercise=exercise, criterion=criterion, value=4
                )
            services.score_sheet_submit(actor=assessor, workshop=workshop, exercise=exercise)
    return services.phase_one_decide(actor=actor, nomination=nomination)


def test_admin_reopen_sheet_needs_a_reason(client, staff):
    # a workshop whose decisions are not released yet (after a release its sheets stay closed)
    workshop = _decided_phase_one(staff, make_workshop(actor=staff)).nomination.workshop
    sheet = ScoreSheet.objects.filter(workshop=workshop, status=SheetStatus.SUBMITTED).first()
    _action(client, ScoreSheet, "reopen", [sheet], apply="yes", reason="  ")
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.SUBMITTED
    _action(client, ScoreSheet, "reopen", [sheet], apply="yes", reason="Assessor mistyped a score.")
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.OPEN
    assert AuditEntry.objects.get(action="sheet.reopen", object_id=str(sheet.pk)).reason == "Assessor mistyped a score."


def test_admin_revoke_and_reissue_certificates_through_the_services(client, staff):
    first, second = Certificate.objects.order_by("number")[:2]
    _action(client, Certificate, "revoke", [first], apply="yes", reason="Left the customs service.")
    first.refresh_from_db()
    assert first.validity == Validity.REVOKED
    assert first.accreditation.status == "revoked"
    assert AuditEntry.objects.filter(action="certificate.revoke", object_id=str(first.pk)).exists()

    _action(client, Certificate, "reissue", [second], apply="yes", reason="Name spelling corrected.")
    second.refresh_from_db()
    assert second.validity == Validity.SUPERSEDED
    new = Certificate.objects.get(number=second.number, version=2)
    assert AuditEntry.objects.filter(action="certificate.reissue", object_id=str(new.pk)).exists()


def test_admin_workshop_status_actions_call_the_service(client, staff):
    workshop = make_workshop(actor=staff, status=WorkshopStatus.DRAFT)
    _action(client, Workshop, "open_nominations", [workshop])
    workshop.refresh_from_db()
    assert workshop.status == WorkshopStatus.OPEN
    _action(client, Workshop, "cancel", [workshop], apply="yes", reason="Venue unavailable.")
    workshop.refresh_from_db()
    assert workshop.status == WorkshopStatus.CANCELLED
    assert AuditEntry.objects.filter(action="workshop.status", workshop_id=workshop.pk, reason="Venue unavailable.")


def test_admin_phase_one_decision_action_follows_the_pass_rule(client, staff):
    workshop = make_workshop(actor=staff)
    decision = _decided_phase_one(staff, workshop)
    nomination = decision.nomination
    entries = AuditEntry.objects.filter(action="decision.phase_one").count()
    response = _action(client, Nomination, "decide_phase_one", [nomination])
    assert "already recorded: an error in it is put right by a correction" in response.content.decode()
    assert AuditEntry.objects.filter(action="decision.phase_one").count() == entries
    assert Decision.objects.filter(nomination=nomination, phase=Phase.ONE).count() == 1


def _workshop_add_data(programme, host):
    today = dt.date(2031, 5, 1)
    return {
        "programme": programme.pk,
        "title": "PCA workshop — Nairobi",
        "language": "en",
        "funder": "SECO",
        "venue": "Regional Office",
        "city": "Nairobi",
        "host_administration": host.pk,
        "start_date": today.isoformat(),
        "end_date": (today + dt.timedelta(days=3)).isoformat(),
        "capacity": 12,
        "nomination_deadline_0": "2031-03-01",
        "nomination_deadline_1": "17:00:00",
        "timezone": "Africa/Nairobi",
        "default_quota": "",
        **_empty_inline("curriculum", 1, title="Risk management", order=0),
        **_empty_inline("quotas"),
        **_empty_inline("assignments"),
    }


def _empty_inline(prefix, rows=0, **values):
    data = {
        f"{prefix}-TOTAL_FORMS": rows,
        f"{prefix}-INITIAL_FORMS": 0,
        f"{prefix}-MIN_NUM_FORMS": 0,
        f"{prefix}-MAX_NUM_FORMS": 1000,
    }
    for i in range(rows):
        data.update({f"{prefix}-{i}-{k}": v for k, v in values.items()})
    return data


def test_admin_workshop_add_takes_the_rubric_snapshot(client, staff):
    from workshops.models import Programme

    programme = Programme.objects.get(code="ipr")
    host = Official.objects.first().administration
    response = client.post(_url(Workshop, "add"), _workshop_add_data(programme, host))
    assert response.status_code == 302, (response.context["adminform"].form.errors, response.context["errors"])
    workshop = Workshop.objects.get(title="PCA workshop — Nairobi")
    assert workshop.status == WorkshopStatus.DRAFT
    assert sorted(workshop.criteria.values_list("code", flat=True)) == ["C", "D", "F", "T"]
    assert workshop.exercises.count() == 3
    assert workshop.grade_bands.count() == 3
    assert list(workshop.curriculum.values_list("title", flat=True)) == ["Risk management"]
    assert AuditEntry.objects.filter(action="workshop.create", workshop_id=workshop.pk).exists()


def test_admin_workshop_add_refuses_dates_in_the_wrong_order(client, staff):
    from workshops.models import Programme

    data = _workshop_add_data(Programme.objects.get(code="ipr"), Official.objects.first().administration)
    data["end_date"] = "2031-04-01"
    response = client.post(_url(Workshop, "add"), data)
    assert response.status_code == 200
    assert not Workshop.objects.filter(title="PCA workshop — Nairobi").exists()


def _change_data(client, obj):
    """The change form as the browser would post it back unchanged."""
    change = client.get(_url(type(obj), "change", obj.pk))
    form = change.context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    if isinstance(obj, Workshop):
        deadline = obj.nomination_deadline
        data["nomination_deadline_0"], data["nomination_deadline_1"] = f"{deadline:%Y-%m-%d}", f"{deadline:%H:%M:%S}"
    for formset in change.context["inline_admin_formsets"]:
        prefix = formset.formset.prefix
        management = formset.formset.management_form
        for name in ("TOTAL_FORMS", "INITIAL_FORMS", "MIN_NUM_FORMS", "MAX_NUM_FORMS"):
            data[f"{prefix}-{name}"] = management[name].value()
        for i, inline_form in enumerate(formset.formset.initial_forms):
            for name in inline_form.fields:
                value = inline_form[name].value()
                data[f"{prefix}-{i}-{name}"] = [str(v) for v in value] if isinstance(value, list) else value
    return {k: ("" if v is None else v) for k, v in data.items()}


def test_admin_assessor_inline_assigns_through_the_service(client, staff):
    workshop = make_workshop(actor=staff)
    assessor = UserFactory(username="facilitator-x")
    data = _change_data(client, workshop)
    data["assignments-TOTAL_FORMS"] = 1
    data["assignments-0-assessor"] = assessor.pk
    data["assignments-0-workshop"] = workshop.pk
    response = client.post(_url(Workshop, "change", workshop.pk), data)
    assert response.status_code == 302
    assert workshop.assignments.filter(assessor=assessor).exists()
    assert AuditEntry.objects.filter(action="assessor.assign", workshop_id=workshop.pk).exists()


def test_admin_workshop_edit_goes_through_workshop_update(client, staff):
    workshop = make_workshop(actor=staff)
    data = _change_data(client, workshop)
    data["city"] = "Osaka"
    assert client.post(_url(Workshop, "change", workshop.pk), data).status_code == 302
    workshop.refresh_from_db()
    assert workshop.city == "Osaka"
    entry = AuditEntry.objects.get(action="workshop.update", workshop_id=workshop.pk)
    assert entry.after == {"city": "Osaka"}


def test_admin_workshop_capacity_below_accepted_is_refused(client, staff):
    kashiwa = Workshop.objects.get(city="Kashiwa")
    data = _change_data(client, kashiwa)
    data["capacity"] = 5
    response = client.post(_url(Workshop, "change", kashiwa.pk), data)
    assert response.status_code == 200
    assert "the capacity cannot be lower" in response.content.decode()
    kashiwa.refresh_from_db()
    assert kashiwa.capacity == 10


def test_admin_scored_workshop_rubric_is_read_only(client, staff):
    kashiwa = Workshop.objects.get(city="Kashiwa")
    page = client.get(_url(Workshop, "change", kashiwa.pk))
    form = page.context["adminform"].form
    assert "pass_threshold" not in form.fields
    assert all(
        not formset.formset.can_delete and formset.formset.max_num == 0
        for formset in page.context["inline_admin_formsets"]
        if formset.formset.model.__name__ in {"WorkshopCriterion", "WorkshopExercise", "WorkshopGradeBand"}
    )


def test_admin_declared_conflict_is_added_through_the_service(client, staff):
    assessor = UserFactory()
    official = OfficialFactory()
    response = client.post(
        _url(DeclaredConflict, "add"),
        {"assessor": assessor.pk, "official": official.pk, "reason": "Former colleague."},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="conflict.declare", official_id=official.pk).exists()


def _field_add_data(nomination, evaluator):
    return {
        "nomination": nomination.pk,
        "evaluator": evaluator.pk,
        "mission_place": "Beijing: national IPR training",
        "mission_start": "2024-05-06",
        "mission_end": "2024-05-10",
        "mission_type": "national_training",
        "role": "co_facilitator",
    }


def test_admin_field_evaluation_is_opened_through_the_service(client, staff):
    nomination = Nomination.objects.get(official__administration__code="CHN", workshop__start_date__year=2023)
    fieldeval = User.objects.get(username="fieldeval")
    response = client.post(_url(FieldEvaluation, "add"), _field_add_data(nomination, fieldeval))
    assert response.status_code == 302
    evaluation = FieldEvaluation.objects.get(nomination=nomination)
    assert evaluation.evaluator == fieldeval
    assert AuditEntry.objects.filter(action="field.assign", object_id=str(evaluation.pk)).count() == 1


def test_admin_field_evaluation_refused_by_the_service_shows_why(client, staff):
    failed = Nomination.objects.get(official__administration__code="KHM", workshop__start_date__year=2023)
    fieldeval = User.objects.get(username="fieldeval")
    response = client.post(_url(FieldEvaluation, "add"), _field_add_data(failed, fieldeval))
    assert response.status_code == 200
    assert "only after a Phase One pass" in response.content.decode()
    assert not FieldEvaluation.objects.filter(nomination=failed).exists()
    assert not AuditEntry.objects.filter(action="field.assign", official_id=failed.official_id).exists()


def test_admin_private_files_are_linked_through_the_permission_checked_views(client, staff):
    certificate = Certificate.objects.order_by("pk").first()
    page = client.get(_url(Certificate, "change", certificate.pk)).content.decode()
    assert reverse("accreditation:certificate_download", args=[certificate.pk]) in page
    assert certificate.get_verify_url() in page
    assert "/private-media/" not in page


def test_admin_programme_rubric_edited_inline(client, staff):
    from workshops.models import Programme

    programme = Programme.objects.get(code="ipr")
    data = _change_data(client, programme)
    data["pass_threshold"] = "65"
    role = next(k for k, v in data.items() if k.startswith("exercises-") and k.endswith("-code") and v == "ROLE")
    prefix = role.removesuffix("-code")
    communication = programme.criteria.get(code="C")
    data[f"{prefix}-criteria"] = [*data[f"{prefix}-criteria"], str(communication.pk)]
    response = client.post(_url(Programme, "change", programme.pk), data)
    assert response.status_code == 302, response.context["errors"]
    programme.refresh_from_db()
    assert programme.pass_threshold == 65
    role_exercise = programme.exercises.get(code="ROLE")
    assert sorted(role_exercise.criteria.values_list("code", flat=True)) == ["C", "D", "F", "T"]
    # The Kashiwa snapshot is untouched.
    kashiwa = Workshop.objects.get(city="Kashiwa")
    assert kashiwa.pass_threshold == 60
    assert sorted(kashiwa.exercises.get(code="ROLE").criteria.values_list("code", flat=True)) == ["D", "F", "T"]


def test_admin_programme_exercise_offers_only_its_own_criteria(client, staff):
    from workshops.models import Programme

    programme = Programme.objects.get(code="ipr")
    other = Programme.objects.create(code="pca", name="Post-Clearance Audit", certificate_prefix="PCA")
    other.criteria.create(code="X", name="Audit planning")
    page = client.get(_url(Programme, "change", programme.pk))
    formset = next(f.formset for f in page.context["inline_admin_formsets"] if f.formset.prefix == "exercises")
    offered = set(formset.forms[0].fields["criteria"].queryset.values_list("programme", flat=True))
    assert offered == {programme.pk}


def test_admin_secretariat_member_cannot_take_over_a_superuser_account(client, staff):
    member = secretariat_user(is_staff=True)
    client.force_login(member)
    superuser = User.objects.get(username="secretariat")
    assert client.post(_url(User, "change", superuser.pk), {"username": "taken"}).status_code == 403
    assert client.post(reverse("admin:auth_user_password_change", args=[superuser.pk]), {}).status_code == 403
    page = client.get(_url(User, "change", member.pk)).content.decode()
    assert 'name="is_superuser"' not in page
    assert client.get(_url(User, "change", UserFactory().pk)).status_code == 200


def test_admin_snapshot_edits_go_through_the_service_with_before_and_after(client, staff):
    workshop = make_workshop(actor=staff)
    data = _change_data(client, workshop)
    criterion = workshop.criteria.get(pk=data["criteria-0-id"])
    data["criteria-0-weight"] = 7
    data["pass_threshold"] = "62.5"
    response = client.post(_url(Workshop, "change", workshop.pk), data)
    assert response.status_code == 302
    workshop.refresh_from_db()
    assert workshop.pass_threshold == Decimal("62.5")
    assert workshop.criteria.get(pk=criterion.pk).weight == 7
    entries = AuditEntry.objects.filter(action="workshop.snapshot", workshop_id=workshop.pk)
    changed = {key: (entry.before[key], entry.after[key]) for entry in entries for key in entry.after}
    assert changed["pass_threshold"] == ("60.00", "62.5")
    assert changed[f"workshopcriterion {criterion.code}.weight"] == (criterion.weight, 7)
    # the programme is untouched
    assert workshop.programme.criteria.get(code=criterion.code).weight == criterion.weight
