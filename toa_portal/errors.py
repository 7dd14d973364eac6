"""The domain error every service raises when a rule refuses a change."""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A workflow rule refused the change; the message says why, for a person."""
