"""The snapshot freeze under a race, against PostgreSQL: a first score being
saved and a snapshot edit arriving meanwhile. The edit waits for the score's
transaction (the scoring services hold the workshop row in share mode) and is
then refused; it never slips in under the first score."""

import threading
import time

import pytest
from django.db import connection, transaction

from tests.accreditation.scoring_helpers import Setup
from toa_portal.errors import DomainError
from workshops import services as workshop_services

pytestmark = pytest.mark.postgres


def test_a_snapshot_edit_racing_the_first_score_waits_and_is_refused():
    setup = Setup()
    criterion = setup.workshop.criteria.get(code="D")
    score_holds_lock = threading.Event()
    outcome = {}

    def first_score():
        try:
            with transaction.atomic():
                setup.score(setup.assessors[0], setup.nomination, "PRES", "T", 4)
                score_holds_lock.set()
                time.sleep(0.5)  # the edit arrives while this transaction is open
        finally:
            connection.close()

    def edit():
        score_holds_lock.wait(10)
        criterion.weight = 9
        try:
            workshop_services.workshop_snapshot_update(
                actor=setup.secretariat, workshop=setup.workshop, save=[criterion]
            )
            outcome["edit"] = "saved"
        except DomainError as error:
            outcome["edit"] = " ".join(error.messages)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_score), threading.Thread(target=edit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcome["edit"] == "A score exists for this workshop: its rubric snapshot is frozen."
    assert setup.workshop.criteria.get(code="D").weight == 2
    assert setup.nomination.scores.count() == 1
