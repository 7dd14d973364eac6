"""Log-in plumbing for django-axes: what is recorded for an attempt, and the
two limits (per account, per address) that lock sign-in."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render

USERNAME_MAX_LENGTH = 150  # auth.User.username; axes stores it in a 255-character column


def axes_username(request, credentials=None) -> str:
    """The username axes records for an attempt, cut to the length a username
    can have: a 100 000-character value typed in the log-in form would otherwise
    overflow axes' column on PostgreSQL and answer 500 instead of "wrong password"."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = credentials.get(field, "") if credentials else getattr(request, "POST", {}).get(field, "")
    return str(value or "")[:USERNAME_MAX_LENGTH]


class AccountAndAddressHandler(AxesDatabaseHandler):
    """Axes' database handler with two separate limits.

    Axes compares one number with one limit (AXES_FAILURE_LIMIT, the
    per-account limit). Here that number is the account's recent failures
    (from any address), raised to the limit when the address has reached its
    own, higher limit (failures for any account): either lock blocks the
    attempt. A successful sign-in clears only the account's own failures, so
    signing in to one's own account never wipes the count of another."""

    def failure_counts(self, request, credentials=None) -> tuple[int, int]:
        """The recent failures of the account (any address) and of the address (any account)."""
        by_account, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return by_account, by_address

    def get_failures(self, request, credentials=None) -> int:
        by_account, by_address = self.failure_counts(request, credentials)
        if by_address >= settings.LOGIN_FAILURES_PER_ADDRESS:
            return max(by_account, settings.LOGIN_FAILURES_PER_ACCOUNT)
        return by_account

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        deleted, _ = AccessAttempt.objects.filter(username=username).delete()
        return deleted


def account_failures_clear(username: str) -> None:
    """Forget an account's failed sign-ins (its owner has just set a new password)."""
    AccessAttempt.objects.filter(username=username[:USERNAME_MAX_LENGTH]).delete()


def lockout_response(request, original_response=None, credentials=None):
    """The lock-out page: the owner of a locked account learns that a new
    password unlocks it at once; someone whose address is locked (a flood from
    a shared address, whatever the account) that only time does."""
    by_account, by_address = AccountAndAddressHandler().failure_counts(request, credentials)
    address_locked = (
        by_address >= settings.LOGIN_FAILURES_PER_ADDRESS and by_account < settings.LOGIN_FAILURES_PER_ACCOUNT
    )
    return render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {"address_locked": address_locked},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
