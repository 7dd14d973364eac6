"""The scoring sheet in a real browser at 390 px: a value typed offline is
kept and marked unsent, then saved when the connection returns; an expired
login shows "unsent — log in again" in the cell; logging out forgets the
queue; a private comment travels with its cell's value, offline too. No
Content-Security-Policy violation on the way."""

import json
import re

import pytest
from playwright.sync_api import expect

from accreditation.models import PhaseOneScore
from tests.accreditation.scoring_helpers import Setup, sheet_url

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-2023"


def _queue(page) -> dict:
    raw = page.evaluate(
        "() => Object.keys(localStorage).filter(k => k.startsWith('toa-offline:'))"
        ".reduce((all, k) => Object.assign(all, JSON.parse(localStorage.getItem(k))), {})"
    )
    return raw or {}


def test_a_value_typed_offline_is_sent_when_the_connection_returns(page, live_server, login):
    setup = Setup()
    assessor = setup.assessors[0]
    nomination = setup.nomination
    t, d = setup.criteria["T"], setup.criteria["D"]
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    page.set_viewport_size({"width": 390, "height": 844})
    login(assessor.username, PASSWORD)
    page.goto(live_server.url + sheet_url(setup))
    cell = page.locator(f"#s-{nomination.pk}-{t.pk}")
    state = page.locator(f"#st-{nomination.pk}-{t.pk}")
    expect(cell).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.context.set_offline(True)
    cell.click()
    page.keyboard.type("4")  # a digit that can only mean 4 moves on to the next cell: the value is committed
    expect(state).to_have_text("Unsent")
    expect(page.locator("#offline-banner")).to_be_visible()
    assert _queue(page) == {f"s-{nomination.pk}-{t.pk}": {"value": "4", "comment": "", "version": "0"}}
    assert not PhaseOneScore.objects.exists()
    expect(page.locator(f"#s-{nomination.pk}-{d.pk}")).to_be_focused()

    page.context.set_offline(False)
    expect(state).to_have_text("Saved")
    score = PhaseOneScore.objects.get()
    assert (score.assessor, score.nomination, score.criterion, score.value) == (assessor, nomination, t, 4)
    assert _queue(page) == {}
    expect(page.locator("#offline-banner")).to_be_hidden()

    # An expired session: the cell says so, the page stays, the value waits on this device.
    page.context.clear_cookies(name="sessionid")
    d_cell = page.locator(f"#s-{nomination.pk}-{d.pk}")
    d_cell.fill("3")
    d_cell.press("Enter")
    expect(page.locator(f"#st-{nomination.pk}-{d.pk}")).to_have_text("Unsent — log in again")
    expect(page.locator("#login-banner")).to_be_visible()
    assert re.search(r"/assessment/workshops/\d+/exercises/\d+/$", page.url)
    assert _queue(page)[f"s-{nomination.pk}-{d.pk}"]["value"] == "3"
    assert PhaseOneScore.objects.count() == 1

    # Logging in again and coming back sends it.
    login(assessor.username, PASSWORD)
    page.goto(live_server.url + sheet_url(setup))
    expect(page.locator(f"#st-{nomination.pk}-{d.pk}")).to_have_text("Saved")
    assert PhaseOneScore.objects.get(criterion=d).value == 3
    assert violations == []


def test_a_private_comment_is_saved_with_its_value_and_queued_with_it_offline(page, live_server, login):
    setup = Setup()
    nomination = setup.nomination
    t = setup.criteria["T"]
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    page.set_viewport_size({"width": 390, "height": 844})
    login(setup.assessors[0].username, PASSWORD)
    page.goto(live_server.url + sheet_url(setup))
    cell = page.locator(f"#s-{nomination.pk}-{t.pk}")
    state = page.locator(f"#st-{nomination.pk}-{t.pk}")
    comment = page.locator(f"#c-{nomination.pk}-{t.pk}")
    cell.fill("4")
    cell.press("Enter")
    expect(state).to_have_text("Saved")

    details = page.locator("details.cell-comment").filter(has=comment)
    details.locator("summary").click()
    expect(page.get_by_label("Private comment").first).to_be_visible()
    comment.fill("Confident <b>delivery</b>")
    comment.press("Tab")  # leaving the comment saves it with the value
    expect(details).to_have_class(re.compile("has-comment"))
    page.wait_for_function(
        "id => document.getElementById(id).value === '2'", arg=f"v-{nomination.pk}-{t.pk}", timeout=5000
    )
    score = PhaseOneScore.objects.get()
    assert (score.value, score.comment, score.version) == (4, "Confident <b>delivery</b>", 2)

    page.context.set_offline(True)
    comment.fill("Changed offline")
    comment.press("Tab")
    expect(state).to_have_text("Unsent")
    assert _queue(page) == {f"s-{nomination.pk}-{t.pk}": {"value": "4", "comment": "Changed offline", "version": "2"}}
    page.context.set_offline(False)
    expect(state).to_have_text("Saved")
    assert _queue(page) == {}
    score.refresh_from_db()
    assert (score.value, score.comment, score.version) == (4, "Changed offline", 3)
    assert violations == []


def test_logging_out_forgets_the_values_queued_on_this_device(page, live_server, login):
    setup = Setup()
    page.set_viewport_size({"width": 390, "height": 844})
    login(setup.assessors[0].username, PASSWORD)
    page.goto(live_server.url + sheet_url(setup))
    page.evaluate(
        "([key, value]) => localStorage.setItem(key, value)",
        ["toa-offline:0:0:0", json.dumps({"s-1-1": {"value": "5", "version": "0"}})],
    )
    page.locator(".navbar-toggler").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log out")).to_have_count(0)
    assert _queue(page) == {}
