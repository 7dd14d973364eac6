"""An assessor's private comment on a cell of their sheet: saved with the
value through the same endpoint and version check, shown back on their own
sheet, read by the Secretariat in the results grid once the workshop is no
longer blind, and never shown to the expert or the focal point."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from accreditation import services
from accreditation.models import PhaseOneScore
from candidates.models import Official
from tests.factories import UserFactory, focal_point_user
from toa_portal.models import AuditEntry

from .scoring_helpers import PASSING, Setup, save_url, sheet_url

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script> & more"


def _save(client, setup, data, **cell):
    return client.post(save_url(setup, setup.nomination, **cell), data)


def test_comment_is_saved_with_its_value_and_version(client):
    setup = Setup()
    client.force_login(setup.assessors[0])
    response = _save(client, setup, {"value": "4", "version": "0", "comment": "  Hesitant on timing.  "})
    assert response.status_code == 200
    assert response["X-Score-Version"] == "1"
    score = PhaseOneScore.objects.get()
    assert (score.value, score.comment, score.version) == (4, "Hesitant on timing.", 1)


def test_a_comment_only_change_bumps_the_version_and_a_request_without_comment_keeps_it(client):
    setup = Setup()
    client.force_login(setup.assessors[0])
    _save(client, setup, {"value": "4", "version": "0", "comment": "First note"})
    response = _save(client, setup, {"value": "4", "version": "1", "comment": "Second note"})
    assert response.status_code == 200 and response["X-Score-Version"] == "2"
    response = _save(client, setup, {"value": "5", "version": "2"})  # an older page or queue: no comment field
    assert response["X-Score-Version"] == "3"
    score = PhaseOneScore.objects.get()
    assert (score.value, score.comment) == (5, "Second note")
    _save(client, setup, {"value": "5", "version": "3", "comment": ""})
    assert PhaseOneScore.objects.get().comment == ""


def test_a_stale_version_with_another_comment_is_a_conflict_and_keeps_the_current_comment(client):
    setup = Setup()
    setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 4, comment="From the tablet")
    setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 4, expected_version=1, comment="Changed")
    client.force_login(setup.assessors[0])
    response = _save(client, setup, {"value": "4", "version": "1", "comment": "From the laptop"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "changed from another device first" in body
    assert ">Changed</textarea>" in body  # the current comment is put back in the cell
    assert PhaseOneScore.objects.get().comment == "Changed"
    # The same value and comment arriving twice (a resend) is no conflict.
    response = _save(client, setup, {"value": "4", "version": "1", "comment": "Changed"})
    assert response.status_code == 200


def test_a_comment_without_a_value_is_refused_with_the_clear_message(client):
    setup = Setup()
    client.force_login(setup.assessors[0])
    response = _save(client, setup, {"value": "", "version": "0", "comment": "No score yet"})
    assert response.status_code == 422
    assert "Enter a score between 1 and 5." in response.content.decode()
    assert not PhaseOneScore.objects.exists()


@pytest.mark.parametrize(
    ("comment", "reason"),
    [("x" * 5000, "at most 2000 characters"), ("bad\x00byte", "Null characters are not allowed")],
)
def test_a_hostile_comment_is_refused_without_a_500_or_a_change(client, comment, reason):
    setup = Setup()
    setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 3, comment="Kept")
    client.force_login(setup.assessors[0])
    audit_entries = AuditEntry.objects.count()
    response = _save(client, setup, {"value": "4", "version": "1", "comment": comment})
    assert response.status_code == 422
    body = response.content.decode()
    assert "The private comment was not saved" in body and reason in body
    score = PhaseOneScore.objects.get()
    assert (score.value, score.comment, score.version) == (3, "Kept", 1)
    assert AuditEntry.objects.count() == audit_entries


def test_sheet_shows_the_own_comment_escaped_with_its_mark_and_never_the_others(client):
    setup = Setup()
    a, b = setup.assessors
    setup.score(a, setup.nomination, "PRES", "T", 4, comment=SCRIPT)
    setup.score(b, setup.nomination, "PRES", "T", 2, comment="B's private view")
    client.force_login(a)
    page = client.get(sheet_url(setup)).content.decode()
    assert "Private comment" in page
    assert 'maxlength="2000"' in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more</textarea>" in page
    assert "<script>alert" not in page
    assert page.count('class="cell-comment has-comment"') == 1
    assert "B&#x27;s private view" not in page and "B's private view" not in page


def test_the_comment_is_not_in_the_audit_trail(client):
    setup = Setup()
    setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 4, comment="Only for the Secretariat")
    client.force_login(setup.secretariat)
    page = client.get(reverse("accreditation:candidate_audit", args=[setup.nomination.official_id])).content.decode()
    assert "Phase One score entered" in page
    assert "Only for the Secretariat" not in page


def test_secretariat_grid_shows_every_assessors_comment_escaped_once_all_sheets_are_submitted(client):
    setup = Setup()
    a, b = setup.assessors
    setup.score_all([PASSING, PASSING])
    setup.score(a, setup.nomination, "PRES", "T", 4, comment=SCRIPT)
    setup.score(b, setup.nomination, "ROLE", "F", 4, comment="Line one\nLine two")
    client.force_login(setup.secretariat)
    url = reverse("accreditation:workshop_results", args=[setup.workshop.pk])
    setup.submit_all()
    page = client.get(url).content.decode()
    assert "Assessors’ private comments" in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; more" in page
    assert "<script>alert" not in page
    assert "Line one\nLine two" in page
    assert f"PRES / T · {a.get_full_name() or a.username}" in page
    assert f"ROLE / F · {b.get_full_name() or b.username}" in page


def test_an_assessor_who_is_also_secretariat_sees_no_comment_while_blind(client):
    from django.contrib.auth.models import Group

    from candidates.enums import SECRETARIAT_GROUP

    setup = Setup()
    a, b = setup.assessors
    a.groups.add(Group.objects.get_or_create(name=SECRETARIAT_GROUP)[0])
    setup.score_all([PASSING, PASSING])
    setup.score(b, setup.nomination, "PRES", "T", 4, comment="B's private view")
    setup.submit_all(exercise="PRES")
    client.force_login(a)
    for url in (
        reverse("accreditation:workshop_results", args=[setup.workshop.pk]),
        reverse(
            "accreditation:moderate", args=[setup.nomination.pk, setup.exercises["PRES"].pk, setup.criteria["T"].pk]
        ),
        reverse("accreditation:decide", args=[setup.nomination.pk]),
    ):
        assert "private view" not in client.get(url).content.decode()
    assert client.get(reverse("accreditation:workshop_results_export", args=[setup.workshop.pk])).status_code == 403


def test_the_expert_and_the_focal_point_never_see_a_comment_after_the_release(client):
    setup = Setup()
    official = setup.nomination.official
    expert = UserFactory()
    Official.objects.filter(pk=official.pk).update(user=expert)
    focal = focal_point_user(official.administration)
    setup.score_all([PASSING, PASSING])
    setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 4, comment="Private remark on the delivery")
    setup.submit_all()
    decision = services.phase_one_decide(actor=setup.secretariat, nomination=setup.nomination, feedback="Well done.")
    services.decision_release(actor=setup.secretariat, decision=decision)
    for user, template in ((expert, "expert_summary"), (focal, "focal_summary")):
        summary = render_to_string(f"accreditation/{template}.html", {"user": user})
        assert "Well done." in summary
        assert "Private remark" not in summary
        client.force_login(user)
        for url in (
            reverse("home"),
            reverse("workshops:nomination_detail", args=[setup.nomination.pk]),
            reverse("workshops:nomination_list"),
        ):
            response = client.get(url)
            assert "Private remark" not in response.content.decode(), (user, url, response.status_code)
