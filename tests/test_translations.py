"""The French catalogue: complete, faithful to the placeholders, and served to French readers."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

from workshops.enums import ExpertType, NominationStatus

FRENCH_PO = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfi]|%[sdfi]|\{\{\s*[\w.]+\s*\}\}")
TAG = re.compile(r"</?\w+[^>]*>")


@pytest.fixture(scope="module")
def catalogue():
    return polib.pofile(str(FRENCH_PO))


@pytest.fixture(scope="module", autouse=True)
def _compiled():
    """Pages are served from the .mo, which the build compiles from the .po: compile it the same way."""
    call_command("compiletranslations", verbosity=0)
    translation.trans_real._translations.clear()
    translation.trans_real._default = None


def _pairs(entry):
    """(source, translation) pairs of one entry: one for a singular, one per form for a plural."""
    if entry.msgid_plural:
        return [
            (entry.msgid if index == 0 else entry.msgid_plural, text) for index, text in entry.msgstr_plural.items()
        ]
    return [(entry.msgid, entry.msgstr)]


def test_french_catalogue_has_no_untranslated_or_fuzzy_entry(catalogue):
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert not catalogue.metadata_is_fuzzy
    assert catalogue.percent_translated() == 100
    assert len(catalogue) > 900


def test_french_catalogue_plurals_fill_both_forms(catalogue):
    assert catalogue.metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    for entry in catalogue:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == [0, 1], entry.msgid
            assert all(entry.msgstr_plural.values()), entry.msgid


def test_french_translation_keeps_every_placeholder_and_tag(catalogue):
    wrong = []
    for entry in catalogue:
        for source, text in _pairs(entry):
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                wrong.append((source, text))
            if sorted(TAG.findall(source)) != sorted(TAG.findall(text)):
                wrong.append((source, text))
    assert wrong == []


def test_french_translation_formats_like_its_source(catalogue):
    """A stray or missing percent sign would break the %-formatting of the translated string."""
    for entry in catalogue:
        if "python-format" not in entry.flags or not PLACEHOLDER.search(entry.msgid):
            continue  # xgettext also flags "(% of …)" as a format; such a string is never %-formatted
        for source, text in _pairs(entry):
            values = dict.fromkeys(re.findall(r"%\((\w+)\)", source), 1)
            assert source.count("%%") == text.count("%%"), source
            text % values  # raises on a malformed placeholder


def test_login_page_in_french_with_accept_language(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 200
    assert 'lang="fr"' in response.content.decode()
    assert "Connexion" in response.content.decode()
    assert "Log in" not in response.content.decode()


def test_login_page_in_french_with_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = client.get("/accounts/login/")

    assert "Connexion" in response.content.decode()


def test_login_page_stays_english_without_a_french_request(client):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")

    assert "Log in" in response.content.decode()


def test_model_labels_translate_to_wco_french_terms():
    with translation.override("fr"):
        assert str(ExpertType.TOA.label) == "Conseiller technique et opérationnel"
        assert str(NominationStatus.WAITLISTED.label) == "Liste d'attente"
