"""Log-in plumbing for django-axes: what is recorded for an attempt, and the
two limits (per account, per address) that lock sign-in."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum

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

    def get_failures(self, request, credentials=None) -> int:
        by_account, by_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
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
