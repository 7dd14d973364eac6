"""Every state change of accounts and focal points.

Invitations create an account without a usable password and e-mail a link to
set one (Django's password-reset token machinery, so the link dies once used).
Deactivating an account also ends its focal-point roles. Handing an
administration over keeps the old FocalPoint row (inactive, with its end date)
and adds a new one: the new focal point sees the administration's whole history
because visibility follows the administration, not the person.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from toa_portal.audit import audit_record
from toa_portal.errors import DomainError
from toa_portal.mail import mail_queue

from .enums import PortalLanguage
from .models import Administration, FocalPoint, Official, UserProfile


class InviteRole:
    FOCAL_POINT = "focal_point"
    ASSESSOR = "assessor"
    EXPERT = "expert"


def invitation_link(user) -> str:
    """The absolute set-password link of an invited account."""
    path = reverse(
        "candidates:invitation_accept",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{settings.PUBLIC_BASE_URL}{path}"


def _send_invitation(user_id: int, role: str) -> None:
    """Queue the e-mail with the set-password link (rendered now: the link is
    valid until the password is set)."""
    user = get_user_model().objects.select_related("profile").filter(pk=user_id).first()
    if user is None or not user.email:
        return
    language = getattr(getattr(user, "profile", None), "language", None) or settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "user": user,
            "role": role,
            "link": invitation_link(user),
            "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        }
        subject = " ".join(render_to_string("candidates/emails/invitation_subject.txt", context).split())
        body = render_to_string("candidates/emails/invitation.txt", context)
    mail_queue(subject=subject, body=body, to=user.email)


def _username_for(email: str) -> str:
    User = get_user_model()
    base = email.strip().casefold()[:140]
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    return username


def _account_create(*, email, first_name, last_name, administration, language):
    user = get_user_model()(username=_username_for(email), email=email, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.save()
    UserProfile.objects.update_or_create(
        user=user, defaults={"home_administration": administration, "language": language}
    )
    return user


@transaction.atomic
def account_invite(
    *,
    actor,
    email: str,
    first_name: str = "",
    last_name: str = "",
    role: str,
    administration: Administration | None = None,
    official: Official | None = None,
    language: str = PortalLanguage.EN,
):
    """Create an account without a usable password and e-mail its owner a link to
    set one. A focal point is attached to its administration, an expert to their
    Official record; an assessor's administration is their home administration
    (used for conflicts of interest). Refused when the e-mail already has an account."""
    User = get_user_model()
    email = (email or "").strip()
    if not email:
        raise DomainError(_("Give the e-mail address of the person to invite."))
    if User.objects.filter(email__iexact=email).exists():
        raise DomainError(_("An account with the e-mail %(email)s already exists.") % {"email": email})
    if role == InviteRole.FOCAL_POINT and administration is None:
        raise DomainError(_("Choose the administration the focal point will represent."))
    if role == InviteRole.EXPERT:
        if official is None:
            raise DomainError(_("Choose the official this account belongs to."))
        official = Official.objects.select_for_update().get(pk=official.pk)
        if official.user_id is not None:
            raise DomainError(_("%(name)s already has an account.") % {"name": official.name_latin})
        administration = official.administration
    user = _account_create(
        email=email, first_name=first_name, last_name=last_name, administration=administration, language=language
    )
    if role == InviteRole.FOCAL_POINT:
        FocalPoint.objects.create(user=user, administration=administration)
    elif role == InviteRole.EXPERT:
        official.user = user
        official.save(update_fields=["user"])
    audit_record(
        actor=actor,
        action="account.invite",
        obj=user,
        after={"role": role, "email": email, "administration": administration},
        official_id=official.pk if official is not None else None,
    )
    transaction.on_commit(lambda: _send_invitation(user.pk, role), robust=True)
    return user


@transaction.atomic
def account_resend_invitation(*, actor, user) -> None:
    """Send the set-password link again (only to accounts that never set a password)."""
    if user.has_usable_password():
        raise DomainError(_("This person has already set a password; they can reset it from the login page."))
    audit_record(actor=actor, action="account.reinvite", obj=user)
    transaction.on_commit(lambda: _send_invitation(user.pk, ""), robust=True)


@transaction.atomic
def account_deactivate(*, actor, user, reason: str = ""):
    """Deactivate an account: it can no longer log in, and its focal-point roles end."""
    if user.pk == getattr(actor, "pk", None):
        raise DomainError(_("You cannot deactivate your own account."))
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return user
    user.is_active = False
    user.save(update_fields=["is_active"])
    ended = FocalPoint.objects.filter(user=user, active=True)
    ended_names = [str(fp.administration) for fp in ended.select_related("administration")]
    ended.update(active=False, until=timezone.now())
    audit_record(
        actor=actor,
        action="account.deactivate",
        obj=user,
        before={"is_active": True},
        after={"is_active": False, "focal_point_ended": ended_names},
        reason=reason,
    )
    return user


@transaction.atomic
def account_reactivate(*, actor, user):
    """Let a deactivated account log in again (its focal-point roles stay ended)."""
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        return user
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor, action="account.reactivate", obj=user, before={"is_active": False}, after={"is_active": True}
    )
    return user


@transaction.atomic
def focal_point_handover(
    *,
    actor,
    administration: Administration,
    email: str,
    first_name: str = "",
    last_name: str = "",
    language: str = PortalLanguage.EN,
    reason: str = "",
) -> FocalPoint:
    """Hand an administration over to a new focal point. The current focal points'
    rows end (active=False, until=now) and stay as history; the new person (an
    existing account with that e-mail, or a newly invited one) gets a new row."""
    User = get_user_model()
    email = (email or "").strip()
    if not email:
        raise DomainError(_("Give the e-mail address of the new focal point."))
    Administration.objects.select_for_update().get(pk=administration.pk)
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and not user.is_active:
        raise DomainError(_("The account of %(email)s is deactivated; reactivate it first.") % {"email": email})
    previous = list(FocalPoint.objects.filter(administration=administration, active=True).select_related("user"))
    if user is not None and any(fp.user_id == user.pk for fp in previous) and len(previous) == 1:
        raise DomainError(_("%(email)s is already the focal point of this administration.") % {"email": email})
    now = timezone.now()
    FocalPoint.objects.filter(pk__in=[fp.pk for fp in previous]).update(active=False, until=now)
    invited = user is None
    if invited:
        user = _account_create(
            email=email, first_name=first_name, last_name=last_name, administration=administration, language=language
        )
    focal_point = FocalPoint.objects.create(user=user, administration=administration)
    audit_record(
        actor=actor,
        action="focal_point.handover",
        obj=focal_point,
        before={"focal_points": [fp.user.get_username() for fp in previous]},
        after={"focal_point": user.get_username(), "administration": administration},
        reason=reason,
    )
    if invited:
        transaction.on_commit(lambda: _send_invitation(user.pk, InviteRole.FOCAL_POINT), robust=True)
    return focal_point


@transaction.atomic
def official_create(*, actor, administration: Administration, **fields) -> Official:
    """Record a new official of an administration (the form has already offered
    any existing person with the same e-mail or name)."""
    official = Official(administration=administration, **fields)
    official.full_clean(exclude=["name_key", "email_key", "user"])
    official.save()
    audit_record(
        actor=actor,
        action="official.create",
        obj=official,
        after={"administration": administration, "email": official.email},
        official_id=official.pk,
    )
    return official
