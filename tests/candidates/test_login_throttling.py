"""Sign-in and password reset hold against guessing and flooding: failures
count per account and per address as two limits, a success clears only its
own account, the client address trusts X-Forwarded-For only as far as
TRUSTED_PROXIES says, and password reset requests are throttled without
telling anyone so."""

import re

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "pw-for-tests-2023"
NEW_PASSWORD = "Kashiwa-October-2023!"
LOCKED = "Too many failed log-in attempts"


@pytest.fixture(autouse=True)
def _fresh_counters():
    cache.clear()
    yield
    cache.clear()


def log_in(client, username, password, **extra):
    response = client.post(reverse("login"), {"username": username, "password": password}, **extra)
    if response.status_code == 302:
        client.post(reverse("logout"), **extra)
    return response


def test_login_success_on_another_account_does_not_reset_the_guesses_at_a_victim(client):
    """Four wrong passwords for the victim, then the attacker's own correct
    login from the same address, three times over: the victim's account is
    locked at its fifth failure, whatever the successes in between."""
    victim = UserFactory(username="victim")
    attacker = UserFactory(username="attacker")
    answers = []
    for _round in range(3):
        for _ in range(4):
            answers.append(log_in(client, victim.username, "guess"))
        assert log_in(client, attacker.username, PASSWORD).status_code == 302
    assert [r.status_code for r in answers[:4]] == [200] * 4
    assert all(r.status_code == 429 and LOCKED in r.content.decode() for r in answers[5:])
    # Even the right password is refused while the account is locked.
    response = log_in(client, victim.username, PASSWORD)
    assert response.status_code == 429 and LOCKED in response.content.decode()


def test_login_failures_behind_one_shared_address_do_not_lock_out_everyone(client):
    """Ten colleagues behind one address each mistype once: nobody is locked out."""
    users = [UserFactory(username=f"colleague{n}") for n in range(10)]
    for user in users:
        assert log_in(client, user.username, "typo", REMOTE_ADDR="198.51.100.20").status_code == 200
    for user in users:
        assert log_in(client, user.username, PASSWORD, REMOTE_ADDR="198.51.100.20").status_code == 302


def test_login_a_flood_from_one_address_locks_that_address(client, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 8
    user = UserFactory(username="bystander")
    for n in range(8):
        log_in(client, f"sprayed{n}", "guess", REMOTE_ADDR="203.0.113.9")
    response = log_in(client, user.username, PASSWORD, REMOTE_ADDR="203.0.113.9")
    page = response.content.decode()
    assert response.status_code == 429 and LOCKED in page
    # The page blames the address, not the account: a new password would not help.
    assert "came from your network address" in page
    assert "your account is unlocked as soon as the new password is set" not in page
    # From another address the same account signs in.
    assert log_in(client, user.username, PASSWORD, REMOTE_ADDR="203.0.113.10").status_code == 302


def test_login_account_limit_holds_across_addresses(client):
    user = UserFactory(username="target")
    for n in range(5):
        log_in(client, user.username, "guess", REMOTE_ADDR=f"192.0.2.{n + 1}")
    response = log_in(client, user.username, PASSWORD, REMOTE_ADDR="192.0.2.99")
    assert response.status_code == 429 and LOCKED in response.content.decode()


def test_login_forwarded_header_ignored_without_trusted_proxies(client, settings):
    """With no trusted proxy a client cannot escape its address's count by writing X-Forwarded-For."""
    settings.TRUSTED_PROXIES = 0
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    for n in range(4):
        log_in(client, f"spray{n}", "guess", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    user = UserFactory(username="later")
    response = log_in(client, user.username, PASSWORD, REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429


def test_login_forwarded_header_names_the_client_behind_a_trusted_proxy(client, settings):
    """Behind one trusted proxy, the address it appended is the client's: two
    clients behind the same proxy have separate counts, and an address the
    client wrote itself further left changes nothing."""
    settings.TRUSTED_PROXIES = 1
    settings.LOGIN_FAILURES_PER_ADDRESS = 4
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for n in range(4):
        log_in(client, f"spray{n}", "guess", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.5", **proxy)
    user = UserFactory(username="neighbour")
    flooded = log_in(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert flooded.status_code == 429
    other = log_in(client, user.username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy)
    assert other.status_code == 302


@pytest.mark.parametrize(
    ("forwarded", "counted_as"),
    [
        ("192.0.2.1, 203.0.113.7:5678", "203.0.113.7"),  # a proxy that adds the port
        ("[2001:db8::7]:443", "2001:db8::7"),
        ("2001:db8::8", "2001:db8::8"),
        ("unknown", "10.0.0.1"),  # not an address: the peer (the proxy) counts
        ("<script>", "10.0.0.1"),
    ],
)
def test_login_forwarded_address_as_proxies_write_it_or_not_an_address_at_all(client, settings, forwarded, counted_as):
    """Whatever the trusted hop holds, a wrong password gets the form's
    answer (never a server error) and the failure is counted against an address."""
    settings.TRUSTED_PROXIES = 1
    user = UserFactory(username="behind-proxy")
    response = log_in(client, user.username, "guess", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert list(AccessAttempt.objects.values_list("username", "ip_address")) == [(user.username, counted_as)]
    reset = client.post(
        reverse("password_reset"), {"email": "a@example.org"}, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded
    )
    assert (reset.status_code, reset["Location"]) == (302, reverse("password_reset_done"))


def test_login_locked_out_page_says_how_to_get_back_in_and_a_password_reset_does(client, mailoutbox):
    user = UserFactory(username="forgetful", email="forgetful@example.org")
    for _ in range(5):
        log_in(client, user.username, "guess")
    locked = log_in(client, user.username, PASSWORD)
    page = locked.content.decode()
    assert LOCKED in page and reverse("password_reset") in page and "Reset my password" in page
    assert "your account is unlocked as soon as the new password is set" in page
    assert "came from your network address" not in page

    client.post(reverse("password_reset"), {"email": user.email})
    [message] = mailoutbox
    link = re.search(r"https?://\S+", message.body).group(0)
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert log_in(client, user.username, NEW_PASSWORD).status_code == 302


def test_password_reset_flood_sends_few_mails_and_answers_alike(client, settings, mailoutbox):
    """Twelve requests for one account in a second: the first few send, the
    rest answer exactly the same page and send nothing."""
    settings.PASSWORD_RESETS_PER_ACCOUNT = 3
    UserFactory(username="flooded", email="flooded@example.org")
    answers = [client.post(reverse("password_reset"), {"email": "flooded@example.org"}) for _ in range(12)]
    assert len(mailoutbox) == 3
    assert {(r.status_code, r["Location"]) for r in answers} == {(302, reverse("password_reset_done"))}
    # A request for an address with no account answers the same.
    unknown = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert (unknown.status_code, unknown["Location"]) == (302, reverse("password_reset_done"))


def test_password_reset_flood_from_one_address_over_many_accounts(client, settings, mailoutbox):
    settings.PASSWORD_RESETS_PER_ADDRESS = 4
    for n in range(8):
        UserFactory(username=f"member{n}", email=f"member{n}@example.org")
    for n in range(8):
        response = client.post(reverse("password_reset"), {"email": f"member{n}@example.org"}, REMOTE_ADDR="192.0.2.50")
        assert response.status_code == 302
    assert len(mailoutbox) == 4
    # Someone at another address is served.
    client.post(reverse("password_reset"), {"email": "member7@example.org"}, REMOTE_ADDR="192.0.2.51")
    assert len(mailoutbox) == 5
