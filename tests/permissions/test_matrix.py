"""Every URL pattern × every role: the status each role gets (see __init__.py)."""

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .conftest import matrix_modules
from .scenario import ROLES

SKIPPED_PREFIXES = ("admin/", "i18n/", settings.STATIC_URL.lstrip("/"))


def url_pattern_names(patterns=None, prefix="", namespace=""):
    """(full name, route) of every pattern, recursively, skipping admin, i18n and static."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    found = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.extend(url_pattern_names(entry.url_patterns, route, inner))
        elif isinstance(entry, URLPattern):
            found.append((f"{namespace}{entry.name}" if entry.name else None, route))
    return found


def all_rows():
    rows = []
    for module in matrix_modules():
        for row in module.ROWS:
            rows.append((module.__name__.rsplit(".", 1)[-1], row))
    return rows


def cells():
    for module_name, row in all_rows():
        name, _kwargs, expected, *options = row
        method = (options[0] if options else {}).get("method", "get")
        for role in ROLES:
            yield pytest.param(row, role, id=f"{module_name}:{name}:{method}:{role}")


def test_every_url_pattern_has_a_row():
    covered = {row[0] for _module, row in all_rows()}
    missing = sorted(
        f"{name or '(unnamed)'} ({route})" for name, route in url_pattern_names() if name is None or name not in covered
    )
    assert not missing, "URL patterns without a row in tests/permissions/matrix_*.py: " + ", ".join(missing)


def test_every_row_names_a_url_pattern_and_every_role():
    names = {name for name, _route in url_pattern_names()}
    for module_name, (name, _kwargs, expected, *_options) in all_rows():
        assert name in names, f"{module_name}: no URL pattern is named {name}"
        assert set(expected) == set(ROLES), f"{module_name}: {name} must give a status for {sorted(ROLES)}"


@pytest.mark.parametrize(("row", "role"), list(cells()))
def test_matrix_cell(client, scenario, row, role):
    name, kwargs_factory, expected, *options = row
    options = options[0] if options else {}
    user = scenario.user(role)
    if user is not None:
        client.force_login(user)
    url = reverse(name, kwargs=kwargs_factory(scenario))
    if options.get("method", "get") == "post":
        data_factory = options.get("data")
        response = client.post(url, data_factory(scenario) if data_factory else {})
    else:
        response = client.get(url)
    assert response.status_code == expected[role], (
        f"{role} on {name} ({url}): expected {expected[role]}, got {response.status_code}"
    )
    if role == "anonymous" and response.status_code == 302 and name != "logout":
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL)), response["Location"]
