"""Moderation: the tolerance boundary, the form and its refusals."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accreditation import passrule, services
from accreditation.models import Decision, ModeratedScore
from accreditation.selectors import nomination_result
from toa_portal.models import AuditEntry
from workshops.models import Workshop

from .scoring_helpers import EXAMPLE_A, EXAMPLE_B, PASSING, Setup

pytestmark = pytest.mark.django_db


def _url(setup, exercise="ROLE", criterion="F"):
    return reverse(
        "accreditation:moderate",
        args=[setup.nomination.pk, setup.exercises[exercise].pk, setup.criteria[criterion].pk],
    )


@pytest.mark.parametrize(
    ("tolerance", "a", "b", "flagged"),
    [
        ("1", 4, 5, False),  # gap 1 = tolerance: not flagged
        ("1", 3, 5, True),  # gap 2 > 1
        ("0", 4, 4, False),  # gap 0 = tolerance 0
        ("0", 4, 5, True),  # gap 1 > 0
        ("1.5", 3, 4, False),
        ("1.5", 3, 5, True),
        ("2", 3, 5, False),  # exactly at a tolerance of 2
    ],
)
def test_moderation_flag_exactly_at_the_tolerance_boundary(tolerance, a, b, flagged):
    setup = Setup()
    Workshop.objects.filter(pk=setup.workshop.pk).update(tolerance=Decimal(tolerance))
    table_a, table_b = PASSING.copy(), PASSING.copy()
    table_a[8], table_b[8] = a, b  # ROLE / F
    setup.score_all([table_a, table_b])
    setup.nomination.workshop.refresh_from_db()
    result = nomination_result(setup.nomination)
    assert result.cell("ROLE", "F").flagged is flagged
    assert (result.status == passrule.MODERATION) is flagged
    assert result.flagged == ([("ROLE", "F")] if flagged else [])


def test_moderating_a_pair_within_tolerance_is_refused():
    setup = Setup()
    table_a, table_b = PASSING.copy(), PASSING.copy()
    table_b[8] = 5  # gap 1 = tolerance
    setup.score_all([table_a, table_b])
    setup.submit_all()
    with pytest.raises(services.DomainError, match="differ by more than the tolerance"):
        setup.moderate(setup.nomination, "ROLE", "F", "4")


def test_moderation_form_records_the_value_with_its_note_and_the_grid_uses_it(client):
    setup = Setup()
    setup.score_all([EXAMPLE_A, EXAMPLE_B])
    setup.submit_all()
    client.force_login(setup.secretariat)
    page = client.get(_url(setup)).content.decode()
    assert "Gap" in page and "2" in page
    response = client.post(_url(setup), {"value": "4", "note": "Reviewed the recording together."})
    assert response.status_code == 302
    moderated = ModeratedScore.objects.get()
    assert (moderated.value, moderated.note, moderated.moderated_by) == (
        Decimal("4"),
        "Reviewed the recording together.",
        setup.secretariat,
    )
    result = nomination_result(setup.nomination)
    assert result.status == passrule.PASSED
    assert result.percent_display == "73.6%"
    entry = AuditEntry.objects.get(action="score.moderate")
    assert (entry.reason, entry.after["value"], entry.after["cell"]) == (
        "Reviewed the recording together.",
        "4",
        "ROLE/F",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"value": "4", "note": ""}, "This field is required."),
        ({"value": "4", "note": "   "}, "This field is required."),
        ({"value": "", "note": "n"}, "This field is required."),
        ({"value": "6", "note": "n"}, "A score is between 1 and 5."),
        ({"value": "0.5", "note": "n"}, "A score is between 1 and 5."),
        ({"value": "abc", "note": "n"}, "The moderated score must be a number."),
        ({"value": "NaN", "note": "n"}, "A score is between 1 and 5."),
        ({"value": "3.333", "note": "n"}, "at most two decimals"),
        ({"value": "4", "note": "x" * 6000}, "Ensure this value has at most 5000 characters"),
        ({}, "This field is required."),
    ],
)
def test_moderation_form_refuses_bad_input_with_a_message(client, data, message):
    setup = Setup()
    setup.score_all([EXAMPLE_A, EXAMPLE_B])
    setup.submit_all()
    client.force_login(setup.secretariat)
    response = client.post(_url(setup), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ModeratedScore.objects.exists()


def test_moderation_with_decimals_is_kept(client):
    setup = Setup()
    setup.score_all([EXAMPLE_A, EXAMPLE_B])
    setup.submit_all()
    client.force_login(setup.secretariat)
    client.post(_url(setup), {"value": "3.5", "note": "Split the difference."})
    assert ModeratedScore.objects.get().value == Decimal("3.5")


def test_moderation_waits_until_every_assessor_submitted_the_exercise(client):
    setup = Setup()
    setup.score_all([EXAMPLE_A, EXAMPLE_B])
    setup.submit(setup.assessors[0], "ROLE")
    client.force_login(setup.secretariat)
    page = client.post(_url(setup), {"value": "4", "note": "n"}).content.decode()
    assert "Moderation waits until every assessor has submitted the sheet for this exercise." in page
    assert not ModeratedScore.objects.exists()


def test_moderation_is_refused_after_the_decision(client):
    setup = Setup()
    setup.worked_example()
    services.phase_one_decide(actor=setup.secretariat, nomination=setup.nomination)
    client.force_login(setup.secretariat)
    page = client.post(_url(setup), {"value": "5", "note": "Late change"}).content.decode()
    assert "moderation is closed" in page
    assert ModeratedScore.objects.get().value == Decimal("4")
    assert Decision.objects.count() == 1


def test_moderation_is_secretariat_only(client):
    setup = Setup()
    setup.score_all([EXAMPLE_A, EXAMPLE_B])
    setup.submit_all()
    client.force_login(setup.assessors[0])
    assert client.post(_url(setup), {"value": "4", "note": "n"}).status_code == 403
    assert not ModeratedScore.objects.exists()
