"""Log-in plumbing for django-axes."""

from django.conf import settings

USERNAME_MAX_LENGTH = 150  # auth.User.username; axes stores it in a 255-character column


def axes_username(request, credentials=None) -> str:
    """The username axes records for an attempt, cut to the length a username
    can have: a 100 000-character value typed in the log-in form would otherwise
    overflow axes' column on PostgreSQL and answer 500 instead of "wrong password"."""
    field = settings.AXES_USERNAME_FORM_FIELD
    value = credentials.get(field, "") if credentials else getattr(request, "POST", {}).get(field, "")
    return str(value or "")[:USERNAME_MAX_LENGTH]
