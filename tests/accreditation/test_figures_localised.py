"""Figures in the reader's language on pages and exports, and in one language
in what is stored: a decision recorded by a French-speaking Secretariat keeps
the same explanation as one recorded in English."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from accreditation import services
from accreditation.enums import Outcome
from accreditation.models import Accreditation, Decision
from tests.accreditation.test_exact_rule import scored_workshop, thirds_programme

pytestmark = pytest.mark.django_db

# Three assessors: K in E1 = (2+2+3)/3 = 7/3, a combined score with no finite decimal form.
THIRDS = [
    {"E1": (2, 4), "E2": (2, 5), "E3": (3, 5)},
    {"E1": (2, 4), "E2": (2, 5), "E3": (3, 5)},
    {"E1": (3, 4), "E2": (2, 5), "E3": (3, 5)},
]


def test_results_export_writes_combined_scores_as_decimals_in_the_readers_language(client):
    secretariat, nomination = scored_workshop(thirds_programme(), THIRDS)
    client.force_login(secretariat)
    url = reverse("accreditation:workshop_results_export", args=[nomination.workshop_id])
    english = client.get(url).content.decode("utf-8-sig")
    assert "7/3" not in english
    assert ",2.333," in english
    client.cookies["django_language"] = "fr"
    french = client.get(url).content.decode("utf-8-sig")
    assert "7/3" not in french
    assert '"2,333"' in french


def test_a_decision_stores_the_same_explanation_whatever_the_deciders_language():
    secretariat, nomination = scored_workshop(thirds_programme(), THIRDS)
    with translation.override("fr"):
        decision = services.phase_one_decide(actor=secretariat, nomination=nomination)
    threshold = next(c for c in decision.explanation["checks"] if c["key"] == "threshold")
    assert decision.explanation["percent_display"] == threshold["value"]
    assert "," not in decision.explanation["percent_display"]
    assert threshold["required"] == "60%"
    assert decision.explanation["percent"] == str(decision.score_percent)


def test_recheck_page_in_french_writes_every_score_with_a_decimal_comma(client):
    secretariat, nomination = scored_workshop(thirds_programme(), {"E1": (2, 4), "E2": (2, 5), "E3": (3, 5)})
    decision = services.phase_one_decide(actor=secretariat, nomination=nomination)
    Accreditation.objects.filter(nomination=nomination).delete()
    Decision.objects.filter(pk=decision.pk).update(outcome=Outcome.FAILED, grade="", score_percent=Decimal("59.99"))
    client.force_login(secretariat)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("accreditation:decisions_recheck", args=[nomination.workshop_id])).content.decode()
    assert "59.99" not in page and "60.00" not in page
    assert "59,99\u00a0%" in page and "60,00\u00a0%" in page


def test_a_correction_sent_twice_is_recorded_once_and_the_second_is_told_why(client):
    secretariat, nomination = scored_workshop(thirds_programme(), {"E1": (2, 4), "E2": (2, 5), "E3": (3, 5)})
    decision = services.phase_one_decide(actor=secretariat, nomination=nomination)
    Accreditation.objects.filter(nomination=nomination).delete()
    Decision.objects.filter(pk=decision.pk).update(outcome=Outcome.FAILED, grade="", score_percent=Decimal("59.99"))
    client.force_login(secretariat)
    url = reverse("accreditation:decision_correct", args=[decision.pk])
    first = client.post(url, {"reason": "Exact arithmetic."})
    assert first.status_code == 302
    second = client.post(url, {"reason": "Exact arithmetic."}, follow=True)
    assert second.status_code == 200
    assert "This decision has already been replaced by a correction." in second.content.decode()
    assert Decision.all_objects.filter(nomination=nomination).count() == 2
