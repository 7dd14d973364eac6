"""The version check under two concurrent saves, against PostgreSQL: two
threads, each with its own database connection, save the same cell from the
same version. Exactly one wins; the other is told, with the current row."""

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client

from accreditation import services
from accreditation.models import PhaseOneScore
from toa_portal.models import AuditEntry

from .scoring_helpers import Setup, save_url

pytestmark = pytest.mark.postgres


def _run_in_threads(*targets):
    results = [None] * len(targets)

    def wrap(i, target):
        try:
            results[i] = ("ok", target())
        except services.StaleScore as stale:
            results[i] = ("stale", stale.current)
        finally:
            connection.close()

    threads = [threading.Thread(target=wrap, args=(i, t)) for i, t in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_concurrent_changes_from_the_same_version_one_wins_one_is_told():
    setup = Setup()
    assessor = setup.assessors[0]
    setup.score(assessor, setup.nomination, "PRES", "T", 3)
    first_holds_lock = threading.Event()

    def first():
        with transaction.atomic():
            score = setup.score(assessor, setup.nomination, "PRES", "T", 4, expected_version=1)
            first_holds_lock.set()
            time.sleep(0.5)  # the second save arrives while this transaction holds the row
        return score

    def second():
        first_holds_lock.wait(10)
        return setup.score(assessor, setup.nomination, "PRES", "T", 5, expected_version=1)

    (kind_a, a), (kind_b, b) = _run_in_threads(first, second)
    assert (kind_a, kind_b) == ("ok", "stale")
    assert (b.value, b.version) == (4, 2)  # the loser is shown the winner's value
    score = PhaseOneScore.objects.get()
    assert (score.value, score.version) == (4, 2)
    assert AuditEntry.objects.filter(action="score.record").count() == 2


def test_two_concurrent_first_saves_of_a_new_cell_one_wins_one_is_told():
    setup = Setup()
    assessor = setup.assessors[0]
    barrier = threading.Barrier(2)

    def save(value):
        def run():
            barrier.wait(10)
            return setup.score(assessor, setup.nomination, "PRES", "D", value, expected_version=0)

        return run

    results = _run_in_threads(save(2), save(5))
    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["ok", "stale"]
    winner = next(row for kind, row in results if kind == "ok")
    loser_view = next(row for kind, row in results if kind == "stale")
    score = PhaseOneScore.objects.get()
    assert score.value == winner.value == loser_view.value
    assert score.version == 1


def test_many_rounds_of_racing_saves_through_http_lose_nothing():
    """Two devices of the same assessor race twenty times through the save endpoint:
    every round has exactly one 200 and one 409, and the stored value is the winner's."""
    setup = Setup()
    assessor = setup.assessors[0]
    url = save_url(setup, setup.nomination, "GROUP", "F")
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(assessor)
    version, current = 0, None
    for round_number in range(20):
        barrier = threading.Barrier(2)
        answers = [None, None]
        fresh = [str(v) for v in range(1, 6) if str(v) != current]  # a value equal to the stored one is a no-op
        values = [fresh[round_number % 4], fresh[(round_number + 1) % 4]]

        def post(i, version=version, barrier=barrier, answers=answers, values=values):
            try:
                barrier.wait(10)
                response = clients[i].post(url, {"value": values[i], "version": str(version)})
                answers[i] = (response.status_code, values[i])
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        statuses = sorted(status for status, _ in answers)
        assert statuses == [200, 409], f"round {round_number}: {answers}"
        winner = next(value for status, value in answers if status == 200)
        score = PhaseOneScore.objects.get()
        assert str(score.value) == winner
        version, current = score.version, winner
    assert version == 20
