"""Accounts: log in and out, lock-out, password reset, invitations, deactivation, handover."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from candidates import services
from candidates.models import FocalPoint, Official
from tests.factories import AdministrationFactory, OfficialFactory, UserFactory, focal_point_user
from tests.permissions.scenario import build_scenario
from toa_portal.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-2023"
NEW_PASSWORD = "Kashiwa-October-2023!"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def s():
    return build_scenario()


def log_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def link_in(message):
    return re.search(r"https?://\S+", message.body.split("\n\n", 2)[-1]).group(0)


def test_login_then_home_then_logout(client, s):
    response = log_in(client, "focal", PASSWORD)
    assert response.status_code == 302 and response["Location"] == reverse("home")
    assert "Focal point of Owning Administration" in client.get(reverse("home")).content.decode()
    assert client.get(reverse("logout")).status_code == 405  # logging out takes a POST
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_login_repeated_failures_show_the_lockout_page(client, s, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "focal", "wrong password")
    response = log_in(client, "focal", PASSWORD)
    assert response.status_code in (403, 429)
    assert "Too many failed log-in attempts" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302  # still not logged in
    assert "Too many failed" in client.get(reverse("candidates:locked_out")).content.decode()


def test_password_reset_by_email(client, s, mailoutbox):
    response = client.post(reverse("password_reset"), {"email": "focal@example.org"})
    assert response.status_code == 302
    [message] = mailoutbox
    link = re.search(r"http://\S+", message.body).group(0)
    response = client.get(link, follow=True)
    assert "Choose a new password" in response.content.decode()
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert log_in(client, "focal", NEW_PASSWORD).status_code == 302


def test_password_change(client, s):
    client.force_login(s.user("expert"))
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    s.user("expert").refresh_from_db()
    assert s.user("expert").check_password(NEW_PASSWORD)


def test_invite_focal_point_sets_password_through_the_emailed_link(client, s, mailoutbox):
    client.force_login(s.user("secretariat"))
    with_callbacks = client.post(
        reverse("candidates:account_invite"),
        {
            "email": "Kim.Lee@customs.example",
            "first_name": "Kim",
            "last_name": "Lee",
            "role": "focal_point",
            "administration": s.other_administration.pk,
            "language": "fr",
        },
    )
    assert with_callbacks.status_code == 302
    invited = get_user_model().objects.get(email="Kim.Lee@customs.example")
    assert not invited.has_usable_password()
    assert FocalPoint.objects.filter(user=invited, administration=s.other_administration, active=True).exists()
    assert invited.profile.language == "fr"
    assert AuditEntry.objects.filter(action="account.invite", object_id=str(invited.pk)).exists()


def test_invitation_email_link_lets_the_person_log_in(client, s, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invited = services.account_invite(
            actor=s.user("secretariat"),
            email="ravi@customs.example",
            role="assessor",
            administration=s.administration,
        )
    [message] = mailoutbox
    assert message.to == ["ravi@customs.example"]
    link = link_in(message)
    path = link.split("127.0.0.1:8000", 1)[-1]
    response = client.get(path, follow=True)
    assert "Welcome to the TOA Portal" in response.content.decode()
    response = client.post(
        response.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert log_in(client, invited.username, NEW_PASSWORD).status_code == 302
    # The link works once.
    client.post(reverse("logout"))
    assert "no longer works" in client.get(path, follow=True).content.decode()


def test_invite_existing_email_refused_and_values_kept(client, s):
    client.force_login(s.user("secretariat"))
    response = client.post(
        reverse("candidates:account_invite"),
        {"email": "FOCAL@example.org", "first_name": "Émile <i>", "role": "assessor", "language": "en"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "An account with the e-mail FOCAL@example.org already exists." in page
    assert 'value="Émile &lt;i&gt;"' in page


def test_invite_focal_point_without_administration_says_which_field(client, s):
    client.force_login(s.user("secretariat"))
    response = client.post(
        reverse("candidates:account_invite"), {"email": "x@customs.example", "role": "focal_point", "language": "en"}
    )
    assert "A focal point represents an administration: choose it." in response.content.decode()
    assert not get_user_model().objects.filter(email="x@customs.example").exists()


def test_invite_expert_links_the_official(client, s):
    official = OfficialFactory(administration=s.administration, email="expert2@customs.example")
    client.force_login(s.user("secretariat"))
    client.post(
        reverse("candidates:account_invite"),
        {"email": official.email, "role": "expert", "official": official.pk, "language": "en"},
    )
    official.refresh_from_db()
    assert official.user is not None and official.user.email == official.email
    assert official.user.profile.home_administration == s.administration


def test_deactivate_ends_login_and_focal_point_role(client, s):
    client.force_login(s.user("secretariat"))
    focal = s.user("focal_point")
    response = client.post(reverse("candidates:account_deactivate", args=[focal.pk]), {"reason": "Retired"})
    assert response.status_code == 302
    focal.refresh_from_db()
    assert not focal.is_active
    row = FocalPoint.objects.get(user=focal)
    assert not row.active and row.until is not None
    client.post(reverse("logout"))
    assert log_in(client, "focal", PASSWORD).status_code == 200  # the login form again, with an error


def test_deactivate_own_account_refused(client, s):
    secretariat = s.user("secretariat")
    client.force_login(secretariat)
    response = client.post(reverse("candidates:account_deactivate", args=[secretariat.pk]), follow=True)
    assert "You cannot deactivate your own account." in response.content.decode()
    secretariat.refresh_from_db()
    assert secretariat.is_active


def test_handover_to_existing_account_keeps_history(client, s):
    successor = UserFactory(username="successor", email="successor@customs.example")
    client.force_login(s.user("secretariat"))
    response = client.post(
        reverse("candidates:administration_handover", args=[s.administration.pk]),
        {"email": "SUCCESSOR@customs.example", "language": "en", "reason": "Rotation"},
    )
    assert response.status_code == 302
    rows = list(FocalPoint.objects.filter(administration=s.administration).order_by("since"))
    assert [(r.user.username, r.active) for r in rows] == [("focal", False), ("successor", True)]
    assert rows[0].until is not None
    client.force_login(successor)
    page = client.get(reverse("candidates:official_detail", args=[s.official.pk])).content.decode()
    assert "Nomination submitted" in page and "Accepted" in page


def test_handover_to_new_person_invites_them(s, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        focal_point = services.focal_point_handover(
            actor=s.user("secretariat"), administration=s.administration, email="fresh@customs.example"
        )
    assert focal_point.user.email == "fresh@customs.example"
    assert not focal_point.user.has_usable_password()
    [message] = mailoutbox
    assert "focal point" in message.body


def test_handover_to_current_focal_point_refused(client, s):
    client.force_login(s.user("secretariat"))
    response = client.post(
        reverse("candidates:administration_handover", args=[s.administration.pk]),
        {"email": "focal@example.org", "language": "en"},
    )
    assert "is already the focal point of this administration" in response.content.decode()


def test_home_shows_a_section_for_each_role_held(client, s):
    person = s.user("secretariat")
    FocalPoint.objects.create(user=person, administration=s.other_administration)
    OfficialFactory(administration=s.other_administration, user=person)
    client.force_login(person)
    page = client.get(reverse("home")).content.decode()
    assert 'id="secretariat-heading"' in page
    assert 'id="focal-heading"' in page
    assert 'id="expert-heading"' in page
    assert 'id="assessor-heading"' not in page


def test_home_of_assessor_lists_assigned_workshops_only(client, s):
    client.force_login(s.user("assessor"))
    page = client.get(reverse("home")).content.decode()
    assert "Matrix workshop" in page and "Other workshop" not in page


def test_official_detail_timeline_hides_internal_entries_from_focal_points(client, s):
    from toa_portal.audit import audit_record

    audit_record(actor=s.user("assessor"), action="score.record", obj=s.official, official_id=s.official.pk)
    client.force_login(s.user("focal_point"))
    page = client.get(reverse("candidates:official_detail", args=[s.official.pk])).content.decode()
    assert "Phase One score entered" not in page
    client.force_login(s.user("secretariat"))
    page = client.get(reverse("candidates:official_detail", args=[s.official.pk])).content.decode()
    assert "Phase One score entered" in page


def test_official_search_ignores_accents_and_case_and_stays_in_scope(client, s):
    OfficialFactory(administration=s.administration, name_latin="Nguyễn Thị Lan")
    OfficialFactory(administration=s.other_administration, name_latin="Nguyen Thi Other")
    client.force_login(s.user("focal_point"))
    page = client.get(reverse("candidates:official_list"), {"q": "nguyen THI"}).content.decode()
    assert "Nguyễn Thị Lan" in page
    assert "Nguyen Thi Other" not in page


def test_duplicate_finder_groups_same_email_and_same_folded_name(client, s):
    OfficialFactory(administration=s.administration, name_latin="ANA  MATRIX", email="ana.two@customs.example")
    OfficialFactory(administration=s.other_administration, name_latin="Someone", email=s.official.email.upper())
    OfficialFactory(administration=s.other_administration, name_latin="Ana Matrix", email="third@customs.example")
    client.force_login(s.user("secretariat"))
    response = client.get(reverse("candidates:official_duplicates"))
    groups = {(g["kind"], g["key"]): {o.name_latin for o in g["officials"]} for g in response.context["groups"]}
    assert groups[("name", "ana matrix")] == {"Ana Matrix", "ANA  MATRIX"}  # the same administration only
    assert groups[("email", s.official.email_key)] == {"Ana Matrix", "Someone"}


def _same_queries_at_one_and_three(client, url, make_two_more, django_assert_num_queries, context_key="page"):
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    before = len(response.context[context_key].object_list) if context_key == "page" else None
    make_two_more()
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    if before is not None:
        assert len(response.context[context_key].object_list) == before + 2


def test_official_list_query_count_does_not_grow(client, s, django_assert_num_queries):
    Official.objects.exclude(pk=s.official.pk).filter(nominations__isnull=True).delete()
    client.force_login(s.user("focal_point"))
    _same_queries_at_one_and_three(
        client,
        reverse("candidates:official_list"),
        lambda: OfficialFactory.create_batch(2, administration=s.administration),
        django_assert_num_queries,
    )


def test_account_list_query_count_does_not_grow(client, s, django_assert_num_queries):
    client.force_login(s.user("secretariat"))

    def more():
        focal_point_user(AdministrationFactory())
        OfficialFactory(user=UserFactory())

    _same_queries_at_one_and_three(client, reverse("candidates:account_list"), more, django_assert_num_queries)


def test_administration_list_query_count_does_not_grow(client, s, django_assert_num_queries):
    client.force_login(s.user("secretariat"))
    _same_queries_at_one_and_three(
        client,
        reverse("candidates:administration_list"),
        lambda: [focal_point_user(AdministrationFactory()) for _ in range(2)],
        django_assert_num_queries,
    )


def test_duplicate_finder_query_count_does_not_grow(client, s, django_assert_num_queries):
    client.force_login(s.user("secretariat"))

    def more():
        OfficialFactory(administration=s.administration, name_latin="Ben Pending")
        OfficialFactory(administration=s.administration, name_latin="ana matrix")

    _same_queries_at_one_and_three(
        client, reverse("candidates:official_duplicates"), more, django_assert_num_queries, context_key="groups"
    )
