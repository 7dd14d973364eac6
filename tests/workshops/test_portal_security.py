"""Security headers, no inline script or style, and hostile input on every portal form."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accreditation.demo import rubric_programme
from tests.permissions.scenario import build_scenario, pdf_upload
from workshops.models import Nomination, Workshop

pytestmark = pytest.mark.django_db


class InlineFinder(HTMLParser):
    """Collects what a strict CSP would block: inline <script>, <style>, style= and on*= attributes."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _value in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style>")
        self.found.extend(f"<{tag} {name}=…>" for name in names if name == "style" or name.startswith("on"))


def inline_code(html):
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


HOSTILE_TEXT = "<script>alert('pwned')</script><img src=x onerror=alert(1)>"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def s():
    scenario = build_scenario()
    # A hostile value already stored must be shown as text everywhere.
    scenario.official.position = HOSTILE_TEXT
    scenario.official.save(update_fields=["position"])
    Workshop.objects.filter(pk=scenario.workshop.pk).update(venue=HOSTILE_TEXT)
    return scenario


def pages(s):
    workshop, nomination, official = s.workshop.pk, s.nomination.pk, s.official.pk
    return {
        None: [reverse("login"), reverse("password_reset"), reverse("candidates:locked_out")],
        "secretariat": [
            reverse("home"),
            reverse("workshops:workshop_list"),
            reverse("workshops:workshop_create"),
            reverse("workshops:workshop_detail", args=[workshop]),
            reverse("workshops:workshop_edit", args=[workshop]),
            reverse("workshops:workshop_assessors", args=[workshop]),
            reverse("workshops:nomination_list"),
            reverse("workshops:nomination_detail", args=[nomination]),
            reverse("candidates:official_list"),
            reverse("candidates:official_detail", args=[official]),
            reverse("candidates:official_duplicates"),
            reverse("candidates:account_list"),
            reverse("candidates:account_invite"),
            reverse("candidates:administration_list"),
            reverse("candidates:administration_handover", args=[s.administration.pk]),
            reverse("password_change"),
        ],
        "focal_point": [
            reverse("home"),
            reverse("workshops:nomination_create", args=[workshop]),
            reverse("workshops:nomination_detail", args=[s.pending_nomination.pk]),
        ],
        "assessor": [reverse("home"), reverse("workshops:workshop_detail", args=[workshop])],
        "expert": [reverse("home"), reverse("candidates:official_detail", args=[official])],
    }


def test_pages_carry_csp_and_frame_headers_and_no_inline_script_or_style(client, s):
    checked = 0
    for role, urls in pages(s).items():
        client.logout()
        if role is not None:
            client.force_login(s.user(role))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            policy = response["Content-Security-Policy"]
            assert "script-src 'self'" in policy and "style-src 'self'" in policy, url
            assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
            assert response["X-Frame-Options"] == "DENY", url
            html = response.content.decode()
            assert inline_code(html) == [], url
            assert "<script>alert" not in html, url
            checked += 1
    assert checked == 26


def test_inline_finder_finds_what_csp_blocks():
    found = inline_code(
        '<p style="x" onclick="y">t</p><script>1</script><style>p{}</style><script src="/a.js"></script>'
    )
    assert sorted(found) == sorted(["<p style=…>", "<p onclick=…>", "<script> without src", "<style>"])


def test_stored_html_is_shown_as_text(client, s):
    client.force_login(s.user("secretariat"))
    for url in (
        reverse("workshops:workshop_detail", args=[s.workshop.pk]),
        reverse("candidates:official_detail", args=[s.official.pk]),
    ):
        html = client.get(url).content.decode()
        assert "&lt;script&gt;alert(&#x27;pwned&#x27;)&lt;/script&gt;" in html
        assert "<img src=x" not in html


MALFORMED = [
    HOSTILE_TEXT,
    "' OR 1=1; DROP TABLE workshops_nomination; --",
    "x" * 100_000,
    "null\x00byte",
    "‮right-to-left‭ 名前 ፊደል -1",
    "99999999999999999999",
    "2023-02-30",
    "",
]

# Free-text fields a re-displayed form must give back as typed.
TEXT_FIELDS = {"title", "venue", "city", "funder", "curriculum", "name_latin", "letter_reference", "nominating_officer"}


def hostile_posts(s):
    """(role, url, valid data, fields to spoil, files) for every form the portal owns."""
    today = timezone.localdate()
    workshop_form = {
        "programme": rubric_programme().pk,
        "title": "T",
        "venue": "V",
        "city": "C",
        "host_administration": s.administration.pk,
        "start_date": (today + dt.timedelta(days=60)).isoformat(),
        "end_date": (today + dt.timedelta(days=61)).isoformat(),
        "language": "en",
        "funder": "",
        "capacity": "10",
        "nomination_deadline": f"{today + dt.timedelta(days=30)}T17:00",
        "timezone": "UTC",
        "default_quota": "",
        "status": "draft",
        "curriculum": "",
        "quota-TOTAL_FORMS": "1",
        "quota-INITIAL_FORMS": "0",
        "quota-0-administration": "",
        "quota-0-limit": "",
    }
    nominate_form = {
        "administration": s.administration.pk,
        "official": "",
        "name_latin": "New Person",
        "email": "new.person@customs.example",
        "preferred_language": "en",
        "letter_reference": "R/1",
        "nominating_officer": "DG",
        "nomination_date": today.isoformat(),
        "years_experience": "5",
    }
    w, n, p = s.workshop.pk, s.nomination.pk, s.pending_nomination.pk
    return [
        (None, reverse("login"), {"username": "focal", "password": "x"}, None),
        (None, reverse("password_reset"), {"email": "a@b.example"}, None),
        ("expert", reverse("password_change"), {"old_password": "x", "new_password1": "y", "new_password2": "y"}, None),
        (
            "secretariat",
            reverse("candidates:account_invite"),
            {"email": "z@customs.example", "role": "assessor", "language": "en", "administration": "", "official": ""},
            None,
        ),
        (
            "secretariat",
            reverse("candidates:administration_handover", args=[s.administration.pk]),
            {"email": "h@customs.example", "language": "en", "reason": ""},
            None,
        ),
        ("secretariat", reverse("workshops:workshop_create"), workshop_form, None),
        (
            "secretariat",
            reverse("workshops:workshop_edit", args=[w]),
            {k: v for k, v in workshop_form.items() if k not in ("programme", "status")}
            | {"exercise-TOTAL_FORMS": "0", "exercise-INITIAL_FORMS": "0"},
            None,
        ),
        ("secretariat", reverse("workshops:workshop_status", args=[w]), {"status": "open", "reason": ""}, None),
        (
            "secretariat",
            reverse("workshops:nomination_bulk", args=[w]),
            {"nominations": str(p), "decision": "waitlist", "reason": ""},
            None,
        ),
        ("secretariat", reverse("workshops:assessor_assign", args=[w]), {"assessor": s.user("assessor").pk}, None),
        (
            "secretariat",
            reverse("workshops:conflict_declare", args=[w]),
            {"assessor": s.user("assessor").pk, "official": s.official.pk, "reason": "r"},
            None,
        ),
        ("secretariat", reverse("workshops:nomination_decide", args=[p]), {"decision": "waitlist", "reason": ""}, None),
        ("secretariat", reverse("workshops:nomination_prescreen", args=[p]), {"passed": "1", "reason": ""}, None),
        ("secretariat", reverse("workshops:nomination_attendance", args=[n]), {"attendance": "attended"}, None),
        ("focal_point", reverse("workshops:nomination_withdraw", args=[p]), {"reason": ""}, None),
        ("focal_point", reverse("workshops:nomination_create", args=[w]), nominate_form, "cv"),
        ("secretariat", reverse("candidates:account_deactivate", args=[s.user("expert").pk]), {"reason": ""}, None),
    ]


@pytest.mark.slow
def test_every_form_survives_malformed_oversized_and_hostile_values(client, s):
    nominations_before = Nomination.objects.count()
    for role, url, valid, file_field in hostile_posts(s):
        client.logout()
        if role is not None:
            client.force_login(s.user(role))
        for name in valid:
            for value in MALFORMED:
                data = {**valid, name: value}
                if file_field:
                    data[file_field] = pdf_upload()
                response = client.post(url, data)
                assert response.status_code < 500, (url, name, value[:40])
                html = response.content.decode()
                assert "<script>alert('pwned')" not in html, (url, name)
                if response.status_code in (200, 400) and value == HOSTILE_TEXT and name in TEXT_FIELDS:
                    # The form came back: what was typed is still there, as text.
                    assert "&lt;script&gt;alert(" in html, (url, name)
        if file_field:
            for upload in (
                SimpleUploadedFile("cv.pdf", b"<html><script>alert(1)</script></html>"),
                SimpleUploadedFile("../../etc/passwd", b"%PDF-1.4 fine"),
                SimpleUploadedFile("x" * 300 + ".pdf", b"%PDF-1.4 long name"),
            ):
                response = client.post(
                    url, {**valid, "email": f"{len(upload.name)}@customs.example", file_field: upload}
                )
                assert response.status_code < 500, upload.name
    assert Nomination.objects.count() >= nominations_before


def test_get_filters_survive_malformed_values(client, s):
    client.force_login(s.user("secretariat"))
    for url in (
        reverse("workshops:workshop_list"),
        reverse("workshops:nomination_list"),
        reverse("candidates:official_list"),
        reverse("candidates:account_list"),
        reverse("candidates:administration_list"),
    ):
        for value in MALFORMED:
            for field in ("q", "programme", "region", "year", "status", "workshop", "administration", "page"):
                response = client.get(url, {field: value})
                assert response.status_code < 500, (url, field, value[:40])
                assert "<script>alert('pwned')" not in response.content.decode()
