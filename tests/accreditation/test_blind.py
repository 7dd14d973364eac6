"""Blind double scoring: before every assessor has submitted, nothing an
assessor can reach depends on another assessor's values — not a page, an htmx
fragment or an export — even when the assessor is also Secretariat; and again
after a sheet is reopened.

The test is a differential one: every reachable response is rendered, the other
assessor's values are changed, everything is rendered again, and the two must
be identical (tokens aside). Once all sheets are submitted, the Secretariat
grid does change: the check is sensitive.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accreditation import services
from accreditation.models import PhaseOneScore, ScoreSheet
from accreditation.selectors import phase_one_scores_visible_to, scores_visible_to
from candidates.enums import SECRETARIAT_GROUP
from tests.factories import AdministrationFactory, UserFactory

from .scoring_helpers import PASSING, Setup, save_url

pytestmark = pytest.mark.django_db

TOKENS = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def _normalise(response) -> str:
    return TOKENS.sub(r"\1…", response.content.decode("utf-8", "replace"))


def _reachable(setup, assessor):
    """(label, method, url, data) of everything the assessor can request about the workshop."""
    w = setup.workshop
    n = setup.nomination
    urls = [
        ("home", "get", reverse("accreditation:assessment_home"), None),
        ("workshop", "get", reverse("accreditation:workshop_assessment", args=[w.pk]), None),
        ("results", "get", reverse("accreditation:workshop_results", args=[w.pk]), None),
        ("results export", "get", reverse("accreditation:workshop_results_export", args=[w.pk]), None),
        ("decide", "get", reverse("accreditation:decide", args=[n.pk]), None),
        ("audit", "get", reverse("accreditation:candidate_audit", args=[n.official_id]), None),
        ("phase two", "get", reverse("accreditation:phase_two_list"), None),
    ]
    for code, exercise in setup.exercises.items():
        urls += [
            (f"sheet {code}", "get", reverse("accreditation:score_sheet", args=[w.pk, exercise.pk]), None),
            (f"export {code}", "get", reverse("accreditation:score_sheet_export", args=[w.pk, exercise.pk]), None),
        ]
        for criterion in exercise.criteria.all():
            urls.append(
                (
                    f"moderate {code}/{criterion.code}",
                    "get",
                    reverse("accreditation:moderate", args=[n.pk, exercise.pk, criterion.pk]),
                    None,
                )
            )
    own = PhaseOneScore.objects.filter(assessor=assessor, nomination=n, exercise__code="PRES", criterion__code="T")
    version = own.first().version if own.exists() else 0
    value = own.first().value if own.exists() else 4
    comment = own.first().comment if own.exists() else ""
    data = {"value": str(value), "version": str(version), "comment": comment}
    urls.append(("save fragment", "post", save_url(setup, n), data))
    return urls


def _render_all(client, setup, assessor):
    out = {}
    for label, method, url, data in _reachable(setup, assessor):
        response = getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
        out[label] = (response.status_code, _normalise(response))
    return out


def _change_other_values(other, new_value):
    """Change every value and private comment of the other assessor behind the pages' back (no audit row is added)."""
    for score in PhaseOneScore.objects.filter(assessor=other):
        PhaseOneScore.objects.filter(pk=score.pk).update(
            value=new_value, version=score.version + 7, comment=f"Other's comment {new_value} <b>{score.pk}</b>"
        )


def _assert_blind(client, setup, assessor, other):
    before = _render_all(client, setup, assessor)
    _change_other_values(other, 1)
    after = _render_all(client, setup, assessor)
    leaking = [label for label in before if before[label] != after[label]]
    assert leaking == [], f"responses that depend on the other assessor's values: {leaking}"
    return before


def _make_secretariat(user):
    user.groups.add(Group.objects.get_or_create(name=SECRETARIAT_GROUP)[0])


@pytest.mark.parametrize("also_secretariat", [False, True], ids=["assessor", "assessor-and-secretariat"])
def test_nothing_reachable_depends_on_the_other_assessors_values_before_all_submitted(client, also_secretariat):
    a = UserFactory(home=AdministrationFactory())
    b = UserFactory(home=AdministrationFactory())
    if also_secretariat:
        _make_secretariat(a)
    setup = Setup(assessor_users=[a, b], candidates=2)
    setup.score_all([PASSING, [5] * 9])
    PhaseOneScore.objects.filter(assessor=a).update(comment="A's own note")
    PhaseOneScore.objects.filter(assessor=b).update(comment="B's first note")
    # Every sheet submitted but one of A's own: the workshop is still blind for A.
    for code in setup.exercises:
        setup.submit(b, code)
    setup.submit(a, "PRES")
    setup.submit(a, "GROUP")
    client.force_login(a)
    before = _assert_blind(client, setup, a, b)
    if also_secretariat:
        assert before["results"][0] == 200
        assert "stays hidden from you until every assessor has submitted every sheet" in before["results"][1]
        assert before["results export"][0] == 403
        audit = before["audit"][1]
        assert "Hidden from you until every sheet is submitted" in audit
        assert "Score: 4" in audit  # A's own entries are shown …
        assert "Score: 5" not in audit and "→ 5" not in audit  # … B's values are not
    else:
        assert before["results"][0] == 403
        assert before["audit"][0] == 404
    assert not any("B&#x27;s first note" in body or "B's first note" in body for _status, body in before.values())
    assert "A&#x27;s own note" in before["sheet PRES"][1]


def test_assigned_secretariat_sees_the_grid_once_all_are_submitted_and_blind_again_after_a_reopening(client):
    a = UserFactory(home=AdministrationFactory())
    b = UserFactory(home=AdministrationFactory())
    _make_secretariat(a)
    setup = Setup(assessor_users=[a, b])
    setup.score_all([PASSING, [5] * 9])
    setup.submit_all()
    client.force_login(a)
    url = reverse("accreditation:workshop_results", args=[setup.workshop.pk])
    PhaseOneScore.objects.filter(assessor=b, exercise__code="PRES", criterion__code="T").update(comment="B's note")
    open_grid = _normalise(client.get(url))
    assert "Phase One results" in open_grid and "stays hidden" not in open_grid
    assert "B&#x27;s note" in open_grid
    _change_other_values(b, 1)
    assert _normalise(client.get(url)) != open_grid  # the check is sensitive once the workshop is unblinded

    sheet = ScoreSheet.objects.get(assessor=b, exercise=setup.exercises["ROLE"])
    services.score_sheet_reopen(actor=setup.secretariat, sheet=sheet, reason="Recount")
    _assert_blind(client, setup, a, b)
    assert "stays hidden" in client.get(url).content.decode()


def test_a_plain_assessor_is_blind_again_after_a_reopening_even_for_submitted_exercises_of_others(client):
    setup = Setup()
    a, b = setup.assessors
    setup.score_all([PASSING, [5] * 9])
    setup.submit_all()
    services.score_sheet_reopen(
        actor=setup.secretariat, sheet=ScoreSheet.objects.get(assessor=a, exercise=setup.exercises["PRES"]), reason="x"
    )
    client.force_login(a)
    _assert_blind(client, setup, a, b)


def test_scores_visible_to_hides_other_assessors_until_the_exercise_is_fully_submitted():
    a = UserFactory(home=AdministrationFactory())
    b = UserFactory(home=AdministrationFactory())
    _make_secretariat(a)
    setup = Setup(assessor_users=[a, b])
    setup.score_all([PASSING, PASSING])
    assert set(scores_visible_to(a, setup.workshop).values_list("assessor", flat=True)) == {a.pk}
    assert set(phase_one_scores_visible_to(a).values_list("assessor", flat=True)) == {a.pk}
    setup.submit_all(exercise="PRES")
    visible = scores_visible_to(a, setup.workshop).exclude(assessor=a)
    assert set(visible.values_list("exercise__code", flat=True)) == {"PRES"}
    assert set(phase_one_scores_visible_to(a).exclude(assessor=a).values_list("exercise__code", flat=True)) == {"PRES"}
    # An unassigned Secretariat user sees everything; a focal point nothing.
    assert scores_visible_to(setup.secretariat, setup.workshop).count() == PhaseOneScore.objects.count()
    assert phase_one_scores_visible_to(b).exclude(assessor=b).count() == 0
