"""People and administrations: the search keys an official keeps, one active
focal point row per user and administration, and a profile for every account."""

import pytest
from django.db import IntegrityError, transaction

from candidates.models import FocalPoint, Official
from tests.factories import AdministrationFactory, OfficialFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_official_search_keys_fold_accents_and_case():
    official = OfficialFactory(name_latin="Nguyễn Thị Lan", email="  Lan.Nguyen@Customs.VN ")
    official.refresh_from_db()
    assert official.name_key == "nguyen thi lan"
    assert official.email_key == "lan.nguyen@customs.vn"
    assert Official.objects.filter(name_key="nguyen thi lan").get() == official


def test_official_search_keys_follow_a_partial_save():
    official = OfficialFactory(name_latin="Sato Haruki")
    official.name_latin = "Satō Haruki"
    official.save(update_fields=["name_latin"])
    official.refresh_from_db()
    assert official.name_key == "sato haruki"


def test_official_name_required_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Official.objects.create(administration=AdministrationFactory(), name_latin="", email="x@example.org")


def test_focal_point_one_active_row_per_user_and_administration_history_kept():
    user, administration = UserFactory(), AdministrationFactory()
    first = FocalPoint.objects.create(user=user, administration=administration)
    with pytest.raises(IntegrityError), transaction.atomic():
        FocalPoint.objects.create(user=user, administration=administration)
    FocalPoint.objects.filter(pk=first.pk).update(active=False)
    FocalPoint.objects.create(user=user, administration=administration)
    assert FocalPoint.objects.filter(user=user, administration=administration).count() == 2


def test_user_profile_holds_the_home_administration():
    administration = AdministrationFactory()
    user = UserFactory(home=administration)
    assert user.profile.home_administration == administration
    assert str(user.profile) == user.username
