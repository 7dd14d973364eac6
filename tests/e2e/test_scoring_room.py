"""A room of assessors on weak connections: two assessors' phones go offline,
each fills a whole sheet, and they come back at the same moment. Every cell
ends saved, none shows an error, and each page sends one cell at a time.

Run twice: against a server process on a file-backed SQLite database (the
embedded default of `make run`, whatever DATABASE_URL says), and against
PostgreSQL with the server answering 503 for a few seconds in between."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from accreditation.models import PhaseOneScore
from tests.accreditation.scoring_helpers import Setup

PASSWORD = "pw-for-tests-2023"
BASE_DIR = Path(settings.BASE_DIR)
CANDIDATES = 6
SAVE_URL = "**/assessment/workshops/*/exercises/*/scores/*/*/"

SEED = """
import json, django
django.setup()
from tests.accreditation.scoring_helpers import Setup
setup = Setup(candidates=%d)
print(json.dumps(describe(setup)))
"""

DESCRIBE = """
def describe(setup):
    exercise = setup.exercises["PRES"]
    return {
        "sheet": f"/assessment/workshops/{setup.workshop.pk}/exercises/{exercise.pk}/",
        "assessors": [a.username for a in setup.assessors],
        "cells": [
            [n.pk, c.pk] for n in setup.nominations for c in exercise.criteria.order_by("order", "code")
        ],
    }
"""


def describe(setup: Setup) -> dict:
    namespace: dict = {}
    exec(DESCRIBE, namespace)  # noqa: S102 (the same text the seeding process runs)
    return namespace["describe"](setup)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _run(args, env):
    result = subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture
def sqlite_server(tmp_path):
    """`manage.py runserver` (as `make run` starts it) on a SQLite file of its own, migrated and seeded."""
    database = tmp_path / "room.sqlite3"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "toa_portal.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "DEBUG": "1",
        "STATIC_MANIFEST": "0",
        "SECURE_COOKIES": "0",
        "PRIVATE_MEDIA_ROOT": str(tmp_path / "private"),
        "PYTHONUNBUFFERED": "1",
    }
    _run(["manage.py", "migrate", "--no-input"], env)
    seeded = _run(["-c", DESCRIBE + SEED % CANDIDATES], env)
    layout = json.loads(seeded.strip().splitlines()[-1])
    port = _free_port()
    log = open(tmp_path / "server.log", "w")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/accounts/login/", timeout=2)  # noqa: S310 (a local URL)
            break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                log.close()
                pytest.fail("The server did not start: " + (tmp_path / "server.log").read_text()[-3000:])
            time.sleep(0.3)
    try:
        yield url, layout, database
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _open_sheet(browser, url: str, username: str, sheet: str):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")
    page.goto(url + sheet)
    expect(page.locator(".score-input").first).to_be_visible()
    return context, page


class InFlight:
    """The most save requests one page had open at once."""

    def __init__(self, page):
        self.open = 0
        self.most = 0
        self.sent = 0
        page.on("request", self._start)
        # An answer's headers arrive before the page's script can react to it.
        page.on("response", lambda response: self._end(response.request))
        page.on("requestfailed", self._end)

    @staticmethod
    def _is_save(request) -> bool:
        return request.method == "POST" and "/scores/" in request.url

    def _start(self, request):
        if self._is_save(request):
            self.open += 1
            self.sent += 1
            self.most = max(self.most, self.open)

    def _end(self, request):
        if self._is_save(request):
            self.open -= 1


def _value(assessor_index: int, row: int) -> str:
    return str(2 + (assessor_index + row) % 4)  # 2…5, different for the two assessors


def _fill_offline(pages, cells):
    for index, (context, page) in enumerate(pages):
        context.set_offline(True)
        for row, (nomination, criterion) in enumerate(cells):
            cell = page.locator(f"#s-{nomination}-{criterion}")
            cell.fill(_value(index, row))
            cell.press("Tab")  # leaving the cell commits its value
        expect(page.locator("#offline-banner")).to_be_visible()
        expect(page.locator(f"#st-{cells[-1][0]}-{cells[-1][1]}")).to_have_text("Unsent")


def _all_saved(pages, cells, flights):
    for context, page in pages:
        page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
        for nomination, criterion in cells:
            expect(page.locator(f"#st-{nomination}-{criterion}")).to_have_text("Saved", timeout=90_000)
        assert page.locator('.cell-state[data-state="error"]').count() == 0
        assert page.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('toa-offline:'))") == []
        expect(page.locator("#offline-banner")).to_be_hidden()
        context.close()
    assert [f.most for f in flights] == [1, 1], "each page sends one cell at a time"


def test_room_on_sqlite_server_two_assessors_back_online_together_every_cell_saved(browser, sqlite_server):
    url, layout, database = sqlite_server
    cells = layout["cells"]
    pages = [_open_sheet(browser, url, username, layout["sheet"]) for username in layout["assessors"]]
    flights = [InFlight(page) for _context, page in pages]
    _fill_offline(pages, cells)

    # The banner stays in view while the sheet scrolls.
    page = pages[0][1]
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    assert page.evaluate("() => document.getElementById('offline-banner').getBoundingClientRect().top") >= 0
    expect(page.locator("#offline-banner")).to_be_in_viewport()
    expect(page.get_by_role("button", name="Send now")).to_be_visible()

    for context, _page in pages:
        context.set_offline(False)
    _all_saved(pages, cells, flights)

    with sqlite3.connect(database) as db:
        stored = db.execute(
            "SELECT u.username, s.nomination_id, s.criterion_id, s.value FROM accreditation_phaseonescore s "
            "JOIN auth_user u ON u.id = s.assessor_id"
        ).fetchall()
    expected = {
        (username, nomination, criterion, int(_value(index, row)))
        for index, username in enumerate(layout["assessors"])
        for row, (nomination, criterion) in enumerate(cells)
    }
    assert {(u, n, c, int(v)) for u, n, c, v in stored} == expected


@pytest.mark.postgres
def test_room_on_postgres_with_503_for_a_while_every_cell_saved(browser, live_server):
    setup = Setup(candidates=CANDIDATES)
    layout = describe(setup)
    cells = layout["cells"]
    pages = [_open_sheet(browser, live_server.url, username, layout["sheet"]) for username in layout["assessors"]]
    flights = [InFlight(page) for _context, page in pages]
    _fill_offline(pages, cells)

    # The server is overloaded for a few seconds once they come back: 503 to every save.
    refused = []
    until = {"t": 0.0}

    def overloaded(route):
        if time.monotonic() < until["t"]:
            refused.append(route.request.url)
            route.fulfill(status=503, body="Service Unavailable")
        else:
            route.continue_()

    for context, _page in pages:
        context.route(SAVE_URL, overloaded)
    until["t"] = time.monotonic() + 4
    for context, _page in pages:
        context.set_offline(False)
    expect(pages[0][1].locator("#queue-status")).to_contain_text("sent again automatically")
    _all_saved(pages, cells, flights)

    assert refused, "the server answered 503 in between"
    stored = set(PhaseOneScore.objects.values_list("assessor__username", "nomination_id", "criterion_id", "value"))
    expected = {
        (username, nomination, criterion, int(_value(index, row)))
        for index, username in enumerate(layout["assessors"])
        for row, (nomination, criterion) in enumerate(cells)
    }
    assert stored == expected


@pytest.mark.postgres
def test_a_conflict_in_the_queue_is_shown_and_the_cells_after_it_still_save(page, live_server, login):
    setup = Setup(candidates=2)
    assessor = setup.assessors[0]
    first, second = setup.nominations
    t, d = setup.criteria["T"], setup.criteria["D"]
    login(assessor.username, PASSWORD)
    page.goto(live_server.url + describe(setup)["sheet"])
    page.context.set_offline(True)
    for nomination, criterion, value in ((first, t, "4"), (first, d, "3"), (second, t, "5")):
        cell = page.locator(f"#s-{nomination.pk}-{criterion.pk}")
        cell.fill(value)
        cell.press("Tab")
    # Meanwhile the same assessor's tablet saved the first cell.
    setup.score(assessor, first, "PRES", "T", 2)

    page.context.set_offline(False)
    expect(page.locator(f"#st-{first.pk}-{t.pk}")).to_contain_text("Current value: 2.")
    expect(page.locator(f"#s-{first.pk}-{t.pk}")).to_have_value("2")
    expect(page.locator(f"#st-{first.pk}-{d.pk}")).to_have_text("Saved")
    expect(page.locator(f"#st-{second.pk}-{t.pk}")).to_have_text("Saved")
    stored = {(s.nomination_id, s.criterion_id): s.value for s in PhaseOneScore.objects.filter(assessor=assessor)}
    assert stored == {(first.pk, t.pk): 2, (first.pk, d.pk): 3, (second.pk, t.pk): 5}


@pytest.mark.postgres
def test_phase_two_scores_go_through_the_same_queue_offline_and_back(page, live_server, login):
    from accreditation.models import FieldScore
    from tests.accreditation.test_phase_two import _assign, _pre_accredited
    from tests.factories import UserFactory

    setup = _pre_accredited()
    evaluator = UserFactory()
    evaluation = _assign(setup, evaluator)
    login(evaluator.username, PASSWORD)
    page.goto(live_server.url + reverse("accreditation:field_evaluation", args=[evaluation.pk]))
    criteria = list(setup.workshop.field_criteria.all())
    page.context.set_offline(True)
    for criterion in criteria:
        cell = page.locator(f"#f-{criterion.pk}")
        cell.fill("4")
        cell.press("Tab")
    expect(page.locator("#offline-banner")).to_be_visible()
    page.context.set_offline(False)
    for criterion in criteria:
        expect(page.locator(f"#fst-{criterion.pk}")).to_have_text("Saved")
    assert sorted(FieldScore.objects.filter(evaluation=evaluation).values_list("value", flat=True)) == [4] * len(
        criteria
    )
