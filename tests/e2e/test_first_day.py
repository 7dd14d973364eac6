"""In a real browser, what a first user meets on the demo: no page wider than a
390 px phone for any role, the grouped menu on one line at 1200 px in English and
French, the narrative kept after an evidence upload, and a deadline shown in the
workshop's zone with the viewer's own local time beside it."""

from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accreditation.demo import IN_PROGRESS_TITLE, KASHIWA_TITLE, UPCOMING_TITLE, load_demo
from accreditation.models import Certificate, FieldEvaluation
from candidates.models import Official
from workshops.models import Workshop

from .test_portal_nomination import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "demo-pass-2023"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo(password=PASSWORD)


def _log_out(page, live_server):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")


def _too_wide(page, live_server, urls) -> list[str]:
    wide = []
    for url in urls:
        page.goto(f"{live_server.url}{url}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > page.viewport_size["width"]:
            culprits = page.evaluate(
                "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 392)"
                ".map(e => [e, e.parentElement.closest('.table-responsive')])"
                ".filter(([e, r]) => !r || getComputedStyle(r).overflowX != 'auto')"
                ".map(([e, r]) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
                ".slice(0, 8)"
            )
            wide.append(f"{url}: {width}px {culprits}")
    return wide


def test_no_page_scrolls_sideways_on_a_phone(page, live_server, login, demo):
    kashiwa = Workshop.objects.get(title=KASHIWA_TITLE)
    bangkok = Workshop.objects.get(title=IN_PROGRESS_TITLE)
    seoul = Workshop.objects.get(title=UPCOMING_TITLE)
    japan = Official.objects.get(administration__code="JPN", nominations__workshop=kashiwa)
    evaluation = FieldEvaluation.objects.filter(submitted_at__isnull=False).first()
    certificate = Certificate.objects.first()
    exercise = bangkok.exercises.first()
    pages = {
        "secretariat": [
            reverse("home"),
            reverse("workshops:workshop_list"),
            reverse("workshops:nomination_list"),
            kashiwa.get_absolute_url(),
            seoul.get_absolute_url(),
            reverse("workshops:workshop_assessors", args=[kashiwa.pk]),
            reverse("accreditation:assessment_home"),
            reverse("accreditation:workshop_assessment", args=[kashiwa.pk]),
            reverse("accreditation:workshop_results", args=[kashiwa.pk]),
            reverse("accreditation:candidate_audit", args=[japan.pk]),
            reverse("accreditation:phase_two_list"),
            reverse("accreditation:field_evaluation", args=[evaluation.pk]),
            reverse("accreditation:certificate_list"),
            reverse("accreditation:certificate_detail", args=[certificate.pk]),
            reverse("accreditation:certificate_suspend", args=[certificate.pk]),
            reverse("accreditation:decisions_recheck", args=[kashiwa.pk]),
            reverse("accreditation:verify_upload"),
            certificate.get_verify_url(),
            reverse("accreditation:roster"),
            reverse("candidates:official_list"),
            japan.get_absolute_url(),
            reverse("candidates:account_list"),
            reverse("candidates:administration_list"),
        ],
        "focal-jpn": [
            reverse("home"),
            reverse("workshops:nomination_list"),
            reverse("workshops:nomination_create", args=[seoul.pk]),
            japan.nominations.get(workshop=kashiwa).get_absolute_url(),
            reverse("accreditation:certificate_list"),
        ],
        "assessor1": [
            reverse("home"),
            reverse("accreditation:assessment_home"),
            reverse("accreditation:score_sheet", args=[bangkok.pk, exercise.pk]),
        ],
        "expert-jpn": [
            reverse("home"),
            reverse("accreditation:certificate_list"),
            reverse("accreditation:roster_profile"),
        ],
    }
    page.set_viewport_size(PHONE)
    wide = []
    for username, urls in pages.items():
        login(username, PASSWORD)
        wide += [f"{username} {line}" for line in _too_wide(page, live_server, urls)]
        _log_out(page, live_server)
    assert wide == []

    # The pages whose French is longest, in French.
    login("secretariat", PASSWORD)
    page.context.add_cookies([{"name": "django_language", "value": "fr", "url": live_server.url}])
    french = [
        reverse("home"),
        kashiwa.get_absolute_url(),
        reverse("accreditation:workshop_results", args=[kashiwa.pk]),
        reverse("accreditation:field_evaluation", args=[evaluation.pk]),
        reverse("accreditation:certificate_detail", args=[certificate.pk]),
        reverse("accreditation:certificate_suspend", args=[certificate.pk]),
        reverse("accreditation:decisions_recheck", args=[kashiwa.pk]),
        reverse("accreditation:verify_upload"),
        certificate.get_verify_url(),
    ]
    assert _too_wide(page, live_server, french) == []
    assert page.evaluate("document.documentElement.lang") == "fr"
    _log_out(page, live_server)
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])

    # The nominations list keeps every column readable: stacked, each value labelled.
    login("focal-jpn", PASSWORD)
    page.goto(f"{live_server.url}{reverse('workshops:nomination_list')}")
    first = page.locator("tbody tr").first
    for label in ("Status", "Submitted"):
        cell = first.locator(f'td[data-label="{label}"]')
        expect(cell).to_be_visible()
        assert cell.bounding_box()["x"] + cell.bounding_box()["width"] <= PHONE["width"]
    _log_out(page, live_server)
    login("secretariat", PASSWORD)
    cell = page.locator('td[data-label="Accepted / capacity"]').first
    expect(cell).to_be_visible()
    assert cell.bounding_box()["x"] + cell.bounding_box()["width"] <= PHONE["width"]


def test_grouped_menu_fits_on_one_line_at_1200_px_in_english_and_french(page, live_server, login, demo):
    page.set_viewport_size({"width": 1200, "height": 800})
    login("secretariat", PASSWORD)
    heights = {}
    for language in ("en", "fr"):
        page.locator("#language-select").select_option(language)
        page.locator("#language-select").locator("xpath=..").get_by_role("button").click()
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.lang") == language
        nav = page.locator("nav.navbar")
        heights[language] = nav.bounding_box()["height"]
        brand = page.locator(".navbar-brand").bounding_box()
        # Every item of the bar sits on the brand's line.
        tops = page.evaluate("[...document.querySelectorAll('#main-nav > *')].map(e => e.getBoundingClientRect().top)")
        assert all(abs(top - tops[0]) < brand["height"] for top in tops), (language, tops)
        # The language selector shows its whole name ("français", not "franç").
        fits = page.evaluate(
            """(s => {
                const style = getComputedStyle(s), pen = document.createElement("canvas").getContext("2d");
                pen.font = style.font;
                const room = s.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
                return pen.measureText(s.options[s.selectedIndex].text).width <= room;
            })(document.getElementById("language-select"))"""
        )
        assert fits, language
        # The groups open onto what they hold.
        page.get_by_role("button", name="Workshops" if language == "en" else "Ateliers").click()
        expect(page.locator(".dropdown-menu.show").get_by_role("link").nth(3)).to_be_visible()
        page.keyboard.press("Escape")
    for language, height in heights.items():
        assert height < 70, f"{language}: the menu is {height}px high"


def test_narrative_is_kept_after_an_evidence_upload(page, live_server, login, demo):
    evaluation = FieldEvaluation.objects.get(submitted_at__isnull=True)
    login("fieldeval", PASSWORD)
    page.goto(f"{live_server.url}{reverse('accreditation:field_evaluation', args=[evaluation.pk])}")
    narrative = "Opened the national seminar, then led the case study on counterfeit medicines."
    page.get_by_label("Narrative").fill(narrative)
    page.get_by_label("Recommend accreditation").check()
    page.get_by_label("Evidence file").set_input_files(
        {"name": "agenda.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("Evidence file added.")).to_be_visible()
    expect(page.get_by_role("link", name="agenda.pdf")).to_be_visible()
    expect(page.get_by_label("Narrative")).to_have_value(narrative)
    expect(page.get_by_label("Recommend accreditation")).to_be_checked()


def test_deadline_shows_the_viewers_own_time_beside_the_workshops(browser, live_server, demo):
    seoul = Workshop.objects.get(title=UPCOMING_TITLE)
    context = browser.new_context(timezone_id="Europe/Brussels", locale="en-GB")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("focal-jpn")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}{seoul.get_absolute_url()}")
    deadline = page.locator("time[data-viewer-time]")
    expect(deadline).to_contain_text("(Asia/Seoul)")
    local = seoul.nomination_deadline.astimezone(ZoneInfo("Europe/Brussels"))
    expect(page.locator(".viewer-time")).to_contain_text(f"your time: {local.day} {local:%b %Y}, {local:%H:%M}")
    context.close()
