"""Searching people by their native-script name as well as their Latin one,
accent- and case-insensitively, in the database."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from candidates.models import Official
from tests.factories import OfficialFactory, make_workshop, nominate
from tests.permissions.scenario import build_scenario
from workshops.models import Workshop

pytestmark = pytest.mark.django_db


@pytest.fixture
def s():
    return build_scenario()


def test_official_list_finds_native_script_names(client, s):
    OfficialFactory(administration=s.administration, name_latin="Yamada Taro", name_native="山田 太郎")
    OfficialFactory(administration=s.administration, name_latin="Trần Thị Mai", name_native="Trần Thị Mai")
    OfficialFactory(administration=s.administration, name_latin="Ivanov Ivan", name_native="Иванов Иван")
    OfficialFactory(administration=s.other_administration, name_latin="Yamada Other", name_native="山田 花子")
    client.force_login(s.user("focal_point"))
    url = reverse("candidates:official_list")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url, {"q": "山田"}).content.decode()
    assert "Yamada Taro" in page
    assert "Yamada Other" not in page  # still only the focal point's administration
    assert "Trần Thị Mai" not in page
    # The match is a WHERE clause on the folded native name, not rows filtered in Python.
    assert any("name_native_key" in q["sql"] and "LIKE" in q["sql"].upper() for q in queries.captured_queries)
    assert "Ivanov Ivan" in client.get(url, {"q": "ИВАНОВ"}).content.decode()
    assert "Trần Thị Mai" in client.get(url, {"q": "TRAN thi"}).content.decode()
    assert "Yamada Taro" in client.get(url, {"q": "yamada"}).content.decode()


def test_nomination_list_finds_native_script_names(client, s):
    nominate(
        s.workshop, OfficialFactory(administration=s.administration, name_latin="Yamada Taro", name_native="山田太郎")
    )
    client.force_login(s.user("secretariat"))
    page = client.get(reverse("workshops:nomination_list"), {"q": "山田"}).content.decode()
    assert "Yamada Taro" in page
    assert "Ana Matrix" not in page


def test_native_key_follows_a_partial_save(s):
    official = Official.objects.get(pk=s.official.pk)
    official.name_native = "Ána Mátrix"
    official.save(update_fields=["name_native"])
    assert Official.objects.get(pk=official.pk).name_native_key == "ana matrix"


def test_workshop_list_search_is_done_by_the_database(client, s):
    make_workshop(actor=s.user("secretariat"), title="Atelier régional", city="Ōsaka", venue="大阪税関研修所")
    host = s.workshop.host_administration
    host.name = "Administration des Douanes du Sénégal"
    host.save()
    client.force_login(s.user("secretariat"))
    url = reverse("workshops:workshop_list")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url, {"q": "大阪"}).content.decode()
    assert "Atelier régional" in page
    assert "Matrix workshop" not in page
    # One WHERE clause on the stored folded key: no row is folded in Python.
    assert any("search_key" in q["sql"] and "LIKE" in q["sql"].upper() for q in queries.captured_queries)
    assert "Atelier régional" in client.get(url, {"q": "OSAKA"}).content.decode()
    # The host administration's name, folded in the database too.
    page = client.get(url, {"q": "douanes du senegal"}).content.decode()
    assert "Matrix workshop" in page


def test_workshop_search_key_follows_a_partial_save(s):
    workshop = Workshop.objects.get(pk=s.workshop.pk)
    workshop.city = "Genève"
    workshop.save(update_fields=["city"])
    assert "geneve" in Workshop.objects.get(pk=workshop.pk).search_key
    assert Workshop.objects.filter(pk=workshop.pk, search_key__contains="geneve").exists()
