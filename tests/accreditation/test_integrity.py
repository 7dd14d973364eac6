"""Assessment integrity through the services: decisions rest on at least two
eligible assessors, conflicts hold for every administration an assessor
belongs to, and released results are not reopened."""

import pytest

from accreditation import passrule, services
from accreditation.enums import Phase
from accreditation.models import Decision, ScoreSheet
from tests.accreditation.scoring_helpers import PASSING, Setup
from toa_portal.errors import DomainError

pytestmark = pytest.mark.django_db


def test_reopening_a_sheet_after_the_decisions_are_released_is_refused():
    setup = Setup()
    setup.score_all([PASSING, PASSING])
    setup.submit_all()
    decision = services.phase_one_decide(actor=setup.secretariat, nomination=setup.nomination)
    sheet = ScoreSheet.objects.filter(workshop=setup.workshop).first()
    # before the release, a reopening is allowed (the decision itself stays)
    services.score_sheet_reopen(actor=setup.secretariat, sheet=sheet, reason="Typo in a comment.")
    services.score_sheet_submit(actor=sheet.assessor, workshop=setup.workshop, exercise=sheet.exercise)
    services.decision_release(actor=setup.secretariat, decision=decision)
    with pytest.raises(DomainError, match="released: its sheets stay closed"):
        services.score_sheet_reopen(actor=setup.secretariat, sheet=sheet, reason="Again.")
    sheet.refresh_from_db()
    assert sheet.status == "submitted"
    assert Decision.objects.get(nomination=setup.nomination, phase=Phase.ONE).released
    assert services.nomination_result(setup.nomination).status == passrule.PASSED
