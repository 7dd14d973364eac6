"""Blind double scoring holds in the back office: an assessor who is also
Secretariat staff sees no other assessor's value of an unsubmitted workshop
in the admin's score list or audit trail."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from accreditation.demo import IN_PROGRESS_TITLE, KASHIWA_TITLE
from accreditation.models import PhaseOneScore
from candidates.enums import SECRETARIAT_GROUP
from toa_portal.models import AuditEntry
from workshops.models import Workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_assessor(demo):
    user = get_user_model().objects.get(username="assessor2")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=SECRETARIAT_GROUP))
    return user


def test_admin_score_list_hides_other_assessors_values_of_a_workshop_in_progress(client, staff_assessor):
    client.force_login(staff_assessor)
    in_progress = Workshop.objects.get(title=IN_PROGRESS_TITLE)
    response = client.get("/admin/accreditation/phaseonescore/", {"nomination__workshop__id__exact": in_progress.pk})
    assert response.status_code == 200
    shown = list(response.context["cl"].queryset)
    assert shown, "the assessor's own scores are listed"
    assert {score.assessor_id for score in shown} == {staff_assessor.pk}
    other = PhaseOneScore.objects.filter(nomination__workshop=in_progress).exclude(assessor=staff_assessor).first()
    assert other is not None
    assert client.get(f"/admin/accreditation/phaseonescore/{other.pk}/change/").status_code in (302, 404)


def test_admin_score_list_shows_everything_once_all_sheets_are_submitted(client, staff_assessor):
    client.force_login(staff_assessor)
    kashiwa = Workshop.objects.get(title=KASHIWA_TITLE)
    response = client.get("/admin/accreditation/phaseonescore/", {"nomination__workshop__id__exact": kashiwa.pk})
    assessors = {score.assessor.username for score in response.context["cl"].queryset}
    assert assessors == {"assessor1", "assessor2"}


def test_admin_audit_trail_withholds_other_assessors_score_entries_while_blind(client, staff_assessor):
    client.force_login(staff_assessor)
    in_progress = Workshop.objects.get(title=IN_PROGRESS_TITLE)
    hidden = AuditEntry.objects.filter(workshop_id=in_progress.pk, action="score.record", actor__username="assessor1")
    assert hidden.exists()
    response = client.get("/admin/toa_portal/auditentry/", {"action__exact": "score.record"})
    assert response.status_code == 200
    shown = set(response.context["cl"].queryset.values_list("pk", flat=True))
    assert not shown & set(hidden.values_list("pk", flat=True))
    own = AuditEntry.objects.filter(workshop_id=in_progress.pk, action="score.record", actor=staff_assessor)
    assert set(own.values_list("pk", flat=True)) <= shown
    kashiwa = Workshop.objects.get(title=KASHIWA_TITLE)
    assert (
        AuditEntry.objects.filter(workshop_id=kashiwa.pk, action="score.record", actor__username="assessor1").first().pk
        in shown
    )
