"""In a real browser: a focal point nominates an official (on a 390 px phone),
the Secretariat accepts the nomination, the focal point sees the decision.
No Content-Security-Policy violation, no horizontal scrolling at 390 px, and
no serious or critical axe-core violation on the main pages."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.permissions.scenario import PDF_BYTES, build_scenario
from workshops.enums import NominationStatus
from workshops.models import Nomination

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-2023"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_focal_point_nominates_and_secretariat_accepts(page, live_server, login):
    s = build_scenario()
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))

    # The focal point, on a phone.
    page.set_viewport_size(PHONE)
    login("focal", PASSWORD)
    expect(page.get_by_role("heading", name="Focal point of Owning Administration")).to_be_visible()
    assert fits_the_width(page)
    page.get_by_role("link", name="Nominate an official").first.click()
    expect(page.get_by_role("heading", name="Nominate an official")).to_be_visible()
    assert fits_the_width(page)
    page.get_by_label("Name (Latin script, as in the passport)").fill("Nguyễn Văn An")
    page.get_by_label("E-mail").fill("an.nguyen@customs.example")
    page.get_by_label("Position").fill("Inspector")
    page.get_by_label("Nomination letter reference").fill("VN/2025/17")
    page.get_by_label("Nominating officer").fill("Director General")
    page.get_by_label("Date of the nomination letter").fill("2025-01-15")
    page.get_by_label("CV").set_input_files({"name": "cv.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES})
    page.get_by_role("button", name="Submit the nomination").click()
    expect(page.get_by_text("The nomination of Nguyễn Văn An has been submitted.")).to_be_visible()
    nomination = Nomination.objects.get(official__email="an.nguyen@customs.example")
    assert nomination.status == NominationStatus.SUBMITTED
    assert fits_the_width(page)
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("button", name="Log out").click()

    # The Secretariat, at a desk: ticks the new nomination and accepts it.
    page.set_viewport_size(DESKTOP)
    login("sec", PASSWORD)
    page.goto(f"{live_server.url}{s.workshop.get_absolute_url()}")
    page.get_by_label("Nguyễn Văn An").check()
    page.locator("#bulk-form").get_by_label("Decision").select_option("accept")
    page.get_by_role("button", name="Apply to the ticked nominations").click()
    expect(page.get_by_text("1 nomination decided.")).to_be_visible()
    nomination.refresh_from_db()
    assert nomination.status == NominationStatus.ACCEPTED
    # The same page at 390 px: the table scrolls inside its box, the page does not.
    page.set_viewport_size(PHONE)
    page.reload()
    assert fits_the_width(page)
    page.get_by_role("button", name="Toggle navigation").click()
    page.get_by_role("button", name="Log out").click()

    # The focal point sees the decision.
    login("focal", PASSWORD)
    page.goto(f"{live_server.url}{nomination.get_absolute_url()}")
    expect(page.get_by_role("heading", name="Nguyễn Văn An Accepted")).to_be_visible()
    expect(page.get_by_role("heading", name="Confirm that the official will attend")).to_be_visible()
    assert violations == []


def test_main_pages_have_no_serious_accessibility_violations(page, live_server, login):
    s = build_scenario()
    page.set_viewport_size(DESKTOP)
    found = {}
    page.goto(f"{live_server.url}/accounts/login/")
    found["login"] = serious_violations(page)
    login("sec", PASSWORD)
    for name, path in {
        "home (Secretariat)": "/",
        "workshops": "/workshops/",
        "workshop": s.workshop.get_absolute_url(),
        "workshop form": "/workshops/new/",
        "nominations": "/workshops/nominations/",
        "nomination": s.nomination.get_absolute_url(),
        "accounts": "/people/",
        "invite": "/people/invite/",
    }.items():
        page.goto(f"{live_server.url}{path}")
        found[name] = serious_violations(page)
    page.get_by_role("button", name="Log out").click()
    login("focal", PASSWORD)
    for name, path in {
        "home (focal point)": "/",
        "nominate": f"/workshops/{s.workshop.pk}/nominate/",
        "official": s.official.get_absolute_url(),
    }.items():
        page.goto(f"{live_server.url}{path}")
        found[name] = serious_violations(page)
    failures = {name: v for name, v in found.items() if v}
    assert not failures, "\n".join(f"{name}: {v}" for name, v in failures.items())
