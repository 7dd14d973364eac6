"""The people and objects every cell of the permission matrix is tried against.

Built through the services (and the factories that call them), so every state
is one the portal itself could reach.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from candidates.models import Official
from tests.factories import (
    AdministrationFactory,
    OfficialFactory,
    UserFactory,
    focal_point_user,
    make_workshop,
    secretariat_user,
)
from workshops import services as workshop_services

ROLES = (
    "anonymous",
    "secretariat",
    "focal_point",
    "other_focal_point",
    "assessor",
    "other_assessor",
    "expert",
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf_upload(name="cv.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@dataclass
class Scenario:
    users: dict[str, Any]
    administration: Any
    other_administration: Any
    workshop: Any
    other_workshop: Any
    official: Any
    nomination: Any
    pending_nomination: Any
    extra: dict[str, Any] = field(default_factory=dict)

    def user(self, role):
        return self.users[role]


def build_scenario() -> Scenario:
    """The owning administration A and another one B; a workshop open for
    nominations with two assigned assessors; an official of A with an expert
    account, accepted to the workshop with a CV; a second official of A whose
    nomination is still submitted."""
    administration = AdministrationFactory(name="Owning Administration")
    other_administration = AdministrationFactory(name="Other Administration")
    secretariat = secretariat_user(username="sec")
    focal = focal_point_user(administration, username="focal")
    other_focal = focal_point_user(other_administration, username="otherfocal")
    assessor = UserFactory(username="assessor", home=other_administration)
    second_assessor = UserFactory(username="assessor2", home=other_administration)
    other_assessor = UserFactory(username="otherassessor")
    expert = UserFactory(username="expert", home=administration)

    workshop = make_workshop(actor=secretariat, title="Matrix workshop", capacity=5)
    other_workshop = make_workshop(actor=secretariat, title="Other workshop")
    for user in (assessor, second_assessor):
        workshop_services.assessor_assign(actor=secretariat, workshop=workshop, assessor=user)
    workshop_services.assessor_assign(actor=secretariat, workshop=other_workshop, assessor=other_assessor)

    official = OfficialFactory(administration=administration, name_latin="Ana Matrix", user=expert)
    pending_official = OfficialFactory(administration=administration, name_latin="Ben Pending")
    nomination = workshop_services.nomination_submit(
        actor=focal,
        workshop=workshop,
        official=official,
        letter_reference="A/1",
        nominating_officer="Director General",
        nomination_date=timezone.localdate() - dt.timedelta(days=1),
        cv=pdf_upload(),
        cv_name="ana-cv.pdf",
    )
    nomination = workshop_services.nomination_accept(actor=secretariat, nomination=nomination)
    pending_nomination = workshop_services.nomination_submit(
        actor=focal,
        workshop=workshop,
        official=pending_official,
        letter_reference="A/2",
        nominating_officer="Director General",
        nomination_date=timezone.localdate(),
    )
    return Scenario(
        users={
            "anonymous": None,
            "secretariat": secretariat,
            "focal_point": focal,
            "other_focal_point": other_focal,
            "assessor": assessor,
            "other_assessor": other_assessor,
            "expert": expert,
        },
        administration=administration,
        other_administration=other_administration,
        workshop=workshop,
        other_workshop=other_workshop,
        official=Official.objects.get(pk=official.pk),
        nomination=nomination,
        pending_nomination=pending_nomination,
    )
