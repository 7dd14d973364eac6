"""Shorthands for writing matrix rows."""

from .scenario import ROLES


def expect(default: int, **overrides: int) -> dict[str, int]:
    """A status for every role: `default`, except the roles named."""
    unknown = set(overrides) - set(ROLES)
    if unknown:
        raise ValueError(f"Unknown roles: {sorted(unknown)}")
    return {role: overrides.get(role, default) for role in ROLES}


def no_kwargs(scenario) -> dict:
    return {}


POST = "post"
