import importlib
import pkgutil

import pytest

import tests.permissions as package

from .scenario import build_scenario


def matrix_modules():
    return [
        importlib.import_module(f"{package.__name__}.{info.name}")
        for info in pkgutil.iter_modules(package.__path__)
        if info.name.startswith("matrix_")
    ]


@pytest.fixture
def scenario(db):
    built = build_scenario()
    for module in matrix_modules():
        extend = getattr(module, "extend_scenario", None)
        if extend is not None:
            extend(built)
    return built


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hundreds of cells each build a scenario with eight accounts: hash cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
