from django.conf import settings


def portal(request):
    """Values every page needs: the public address and the user's roles."""
    from accreditation.rules import roles_of

    user = getattr(request, "user", None)
    return {
        "PUBLIC_BASE_URL": settings.PUBLIC_BASE_URL,
        "user_roles": roles_of(user) if user is not None else frozenset(),
    }
