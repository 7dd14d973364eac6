"""The candidate's audit trail: its contents on the Secretariat's candidate page,
who may open it, and that nobody can edit or delete it (model and database)."""

import re

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from accreditation import services
from accreditation.models import ScoreSheet
from candidates.models import Official
from tests.factories import AdministrationFactory, UserFactory, focal_point_user
from toa_portal.models import AuditEntry
from workshops import services as workshop_services

from .scoring_helpers import EXAMPLE_A, EXAMPLE_B, Setup

pytestmark = pytest.mark.django_db


def _audit_url(official):
    return reverse("accreditation:candidate_audit", args=[official.pk])


def _rows(page):
    table = page[page.index('id="audit-trail"') :]
    table = table[: table.index("</table>")]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)][1:]


def test_audit_trail_records_every_step_of_a_candidate_with_who_when_before_after_and_why(client):
    setup = Setup(assessors=3)
    a, b, c = setup.assessors
    nomination = setup.nomination
    setup.score_all([EXAMPLE_A, EXAMPLE_B, EXAMPLE_B])
    setup.score(a, nomination, "PRES", "T", 5, expected_version=1)  # a change: 4 → 5
    setup.score(a, nomination, "PRES", "T", 4, expected_version=2)  # and back
    workshop_services.conflict_declare(
        actor=setup.secretariat, assessor=c, official=nomination.official, reason="Met at a conference"
    )
    setup.submit_all()
    sheet = ScoreSheet.objects.get(assessor=b, exercise=setup.exercises["ROLE"])
    services.score_sheet_reopen(actor=setup.secretariat, sheet=sheet, reason="Role-play F entered in the wrong row")
    setup.submit(b, "ROLE")
    setup.moderate(nomination, "ROLE", "F", "4", note="Agreed on the recording")
    decision = services.phase_one_decide(actor=setup.secretariat, nomination=nomination, note="Board of 12 Oct")
    services.decision_release(actor=setup.secretariat, decision=decision)

    client.force_login(setup.secretariat)
    page = client.get(_audit_url(nomination.official)).content.decode()
    rows = _rows(page)
    # Each row reads: when (localised), who (name and role), what (a sentence), the change, why.
    for sentence in (
        "Nomination submitted",
        "Nomination accepted",
        "Phase One score entered",
        "Conflict of interest declared",
        "Score sheet submitted",
        "Score sheet reopened",
        "Score moderated",
        "Pre-accredited after Phase One",
        "Phase One decision recorded",
        "Decision released to the focal point and the expert",
    ):
        assert any(sentence in row for row in rows), sentence
    assert "Decision released to the focal point and the expert" in rows[0]  # newest first
    assert re.match(r"\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} ", rows[0])
    assert "(Secretariat)" in rows[0]
    change = next(row for row in rows if "Phase One score entered" in row and "Score: 4 → 5" in row)
    assert f"{a.get_full_name() or a.username} (assessor)" in change
    assert "Met at a conference" in page
    assert "Role-play F entered in the wrong row" in page
    assert "Agreed on the recording" in page
    assert "Board of 12 Oct" in page
    # No action codes, raw booleans or ISO timestamps.
    for raw in ("decision.release", "score.record", "released: False", "True", "False"):
        assert raw not in " ".join(rows), raw
    assert not re.search(r"\d{4}-\d{2}-\d{2}", " ".join(rows))
    scores_in_trail = AuditEntry.objects.filter(official_id=nomination.official_id, action="score.record").count()
    assert scores_in_trail == 9 * 3 + 2  # every first entry of three assessors, and the two changes


def test_audit_page_is_secretariat_only(client):
    setup = Setup()
    official = setup.nomination.official
    expert = UserFactory()
    Official.objects.filter(pk=official.pk).update(user=expert)
    url = _audit_url(official)
    assert client.get(url).status_code == 302
    for user, status in (
        (focal_point_user(official.administration), 403),
        (expert, 403),
        (focal_point_user(AdministrationFactory()), 404),
        (setup.assessors[0], 404),
    ):
        client.force_login(user)
        assert client.get(url).status_code == status


def test_audit_entry_cannot_be_edited_or_deleted_through_the_model():
    setup = Setup()
    setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 4)
    entry = AuditEntry.objects.filter(action="score.record").first()
    entry.reason = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.reason == ""


@pytest.mark.postgres
def test_audit_entry_cannot_be_edited_or_deleted_in_postgresql_either():
    setup = Setup()
    setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 4)
    entry = AuditEntry.objects.filter(action="score.record").first()
    for sql in (
        "UPDATE toa_portal_auditentry SET reason = 'rewritten' WHERE id = %s",
        "DELETE FROM toa_portal_auditentry WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    entry.refresh_from_db()
    assert entry.reason == ""
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize("changes", [1, 3])
def test_audit_page_query_count_does_not_grow_with_entries(client, django_assert_num_queries, changes):
    setup = Setup()
    for i in range(changes):
        setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 1 + i)
    client.force_login(setup.secretariat)
    url = _audit_url(setup.nomination.official)
    client.get(url)
    with django_assert_num_queries(13):
        page = client.get(url).content.decode()
    assert page.count("Phase One score entered") == changes


def test_audit_trail_reads_in_french(client):
    setup = Setup()
    setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 4)
    client.force_login(setup.secretariat)
    client.cookies["django_language"] = "fr"
    rows = _rows(client.get(_audit_url(setup.nomination.official)).content.decode())
    assert any("Note de phase 1 saisie" in row and "Note : 4" in row.replace("\xa0", " ") for row in rows)
    assert any("Désignation acceptée" in row and "(Secrétariat)" in row and "Acceptée" in row for row in rows)


def test_audit_trail_reads_suspensions_and_corrections_as_sentences(client):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from accreditation import suspension
    from accreditation.models import Decision
    from tests.factories import OfficialFactory, accredit, secretariat_user
    from toa_portal.audit import audit_record

    actor = secretariat_user()
    (certificate,) = accredit([OfficialFactory()], actor=actor)
    official = certificate.accreditation.official
    ends_on = timezone.localdate() + dt.timedelta(days=30)
    held = suspension.certificate_suspend(actor=actor, certificate=certificate, reason="Inquiry", ends_on=ends_on)
    suspension.suspension_lift(actor=actor, suspension=held, reason="Inquiry closed")
    decision = Decision.objects.filter(nomination=certificate.accreditation.nomination).first()
    audit_record(
        actor=actor,
        action="decision.correct",
        obj=decision,
        before={"outcome": "passed", "grade": "Merit", "percent": Decimal("73.64")},
        after={"outcome": "failed", "grade": "", "percent": Decimal("54.29"), "replaces": decision.pk},
        reason="Conflicted assessor",
        official_id=official.pk,
    )
    client.force_login(actor)
    rows = _rows(client.get(_audit_url(official)).content.decode())
    page = "\n".join(rows)
    assert "Certificate suspended" in page and "Suspension lifted" in page and "Decision corrected" in page
    assert "certificate.suspend" not in page and "replaces" not in page
    assert any("Suspended until" in row and f"{ends_on.day} " in row for row in rows)
    assert any("Weighted score: 73.64% → 54.29%" in row and "Grade: Merit → —" in row for row in rows)
    client.cookies["django_language"] = "fr"
    page = "\n".join(_rows(client.get(_audit_url(official)).content.decode())).replace("\xa0", " ")
    assert "Certificat suspendu" in page and "Suspension levée" in page and "Décision corrigée" in page
    assert "73,64 %" in page and "Mérite" in page
