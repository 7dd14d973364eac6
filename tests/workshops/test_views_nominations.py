"""Focal points nominate, the Secretariat selects: the nomination pages."""

import datetime as dt
import io
import os
import re
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from django.core import mail, signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from candidates.models import Official, UserProfile
from tests.factories import OfficialFactory, make_workshop, nominate
from tests.permissions.scenario import build_scenario, pdf_upload
from toa_portal import pending_uploads
from toa_portal.models import AuditEntry
from workshops.enums import Attendance, NominationStatus
from workshops.models import Nomination, WorkshopQuota

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def s():
    return build_scenario()


def nomination_data(s, **overrides):
    data = {
        "administration": s.administration.pk,
        "official": "",
        "name_latin": "Nguyễn Văn An",
        "name_native": "",
        "email": "an.nguyen@customs.example",
        "position": "Inspector",
        "languages": "English",
        "years_experience": "7",
        "preferred_language": "fr",
        "letter_reference": "VN/2025/17",
        "nominating_officer": "Director General",
        "nomination_date": timezone.localdate().isoformat(),
        "cv": pdf_upload("An CV.pdf"),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_nominate_new_official_creates_official_and_nomination(client, s):
    client.force_login(s.user("focal_point"))
    response = client.post(reverse("workshops:nomination_create", args=[s.workshop.pk]), nomination_data(s))
    nomination = Nomination.objects.get(official__email="an.nguyen@customs.example")
    assert response.status_code == 302
    assert response["Location"] == nomination.get_absolute_url()
    assert nomination.official.administration == s.administration
    assert nomination.official.preferred_language == "fr"
    assert nomination.letter_reference == "VN/2025/17"
    assert nomination.cv_name == "An CV.pdf"
    assert "An CV" not in nomination.cv.name  # stored under a generated name
    assert nomination.status == NominationStatus.SUBMITTED


def test_nominate_same_email_offers_existing_official_instead_of_duplicate(client, s):
    existing = OfficialFactory(
        administration=s.administration, name_latin="An Nguyen", email="AN.NGUYEN@customs.example"
    )
    client.force_login(s.user("focal_point"))
    response = client.post(reverse("workshops:nomination_create", args=[s.workshop.pk]), nomination_data(s))
    assert response.status_code == 200
    page = response.content.decode()
    assert "An official with this e-mail is already recorded" in page
    assert f'name="official" value="{existing.pk}"' in page  # the offer: one click nominates her
    assert 'value="VN/2025/17"' in page  # nothing typed is lost
    assert Official.objects.filter(email_key="an.nguyen@customs.example").count() == 1
    # Taking the offer nominates the existing person.
    response = client.post(
        reverse("workshops:nomination_create", args=[s.workshop.pk]), nomination_data(s, official=existing.pk)
    )
    assert response.status_code == 302
    assert Nomination.objects.get(workshop=s.workshop, official=existing)
    assert Official.objects.filter(email_key="an.nguyen@customs.example").count() == 1


def test_nominate_same_folded_name_offers_existing_until_confirmed_different(client, s):
    existing = OfficialFactory(
        administration=s.administration, name_latin="NGUYEN van an", email="other@customs.example"
    )
    client.force_login(s.user("focal_point"))
    url = reverse("workshops:nomination_create", args=[s.workshop.pk])
    response = client.post(url, nomination_data(s))
    assert "An official with the same name is already recorded" in response.content.decode()
    assert f'value="{existing.pk}"' in response.content.decode()
    assert not Nomination.objects.filter(official__email="an.nguyen@customs.example").exists()
    response = client.post(url, nomination_data(s, different_person="on"))
    assert response.status_code == 302
    assert Official.objects.filter(name_key="nguyen van an").count() == 2


def test_nominate_match_in_another_administration_is_never_offered(client, s):
    OfficialFactory(
        administration=s.other_administration, name_latin="Nguyen Van An", email="an.nguyen@customs.example"
    )
    client.force_login(s.user("focal_point"))
    response = client.post(reverse("workshops:nomination_create", args=[s.workshop.pk]), nomination_data(s))
    assert response.status_code == 302
    assert "Other Administration" not in client.get(response["Location"]).content.decode()


def test_nominate_official_twice_is_refused_with_a_sentence(client, s):
    client.force_login(s.user("focal_point"))
    response = client.post(
        reverse("workshops:nomination_create", args=[s.workshop.pk]), nomination_data(s, official=s.official.pk)
    )
    assert response.status_code == 200
    assert "Ana Matrix is already nominated to this workshop." in response.content.decode()
    assert Nomination.objects.filter(official=s.official).count() == 1


def test_nominate_after_deadline_in_workshop_time_zone_is_refused(client, s):
    # 23:30 in Tokyo on the deadline day is already past a 17:00 Tokyo deadline.
    workshop = make_workshop(
        actor=s.user("secretariat"),
        nomination_deadline=timezone.now() - dt.timedelta(minutes=5),
        timezone="Asia/Tokyo",
    )
    client.force_login(s.user("focal_point"))
    response = client.post(reverse("workshops:nomination_create", args=[workshop.pk]), nomination_data(s))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Nominations closed on" in page
    assert "(Asia/Tokyo)" in page
    assert not Nomination.objects.filter(workshop=workshop).exists()
    assert not Official.objects.filter(email_key="an.nguyen@customs.example").exists()  # rolled back


def test_nominate_over_quota_is_refused(client, s):
    WorkshopQuota.objects.create(workshop=s.workshop, administration=s.administration, limit=2)
    client.force_login(s.user("focal_point"))
    response = client.post(reverse("workshops:nomination_create", args=[s.workshop.pk]), nomination_data(s))
    assert "has used its quota of 2 nominations for this workshop" in response.content.decode()
    assert Nomination.objects.filter(workshop=s.workshop).count() == 2


def test_nominate_capacity_does_not_limit_nominations(client, s):
    s.workshop.capacity = 1
    s.workshop.save(update_fields=["capacity"])
    client.force_login(s.user("focal_point"))
    response = client.post(reverse("workshops:nomination_create", args=[s.workshop.pk]), nomination_data(s))
    assert response.status_code == 302


def _docx_bytes():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("cv.pdf", b"MZ\x90\x00 not a pdf at all"), "Only PDF, Word (DOCX), JPEG and PNG"),
        (SimpleUploadedFile("cv.pdf", b""), "The submitted file is empty."),
        (SimpleUploadedFile("cv.exe.pdf", b"<script>alert(1)</script>"), "Only PDF, Word (DOCX), JPEG and PNG"),
    ],
)
def test_nominate_cv_checked_by_content(client, s, upload, message):
    client.force_login(s.user("focal_point"))
    response = client.post(reverse("workshops:nomination_create", args=[s.workshop.pk]), nomination_data(s, cv=upload))
    assert message in response.content.decode()
    assert not Nomination.objects.filter(official__email="an.nguyen@customs.example").exists()


def test_nominate_cv_over_ten_megabytes_refused(client, s, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(s.user("focal_point"))
    upload = SimpleUploadedFile("cv.pdf", b"%PDF-1.4\n" + b"0" * 2048)
    response = client.post(reverse("workshops:nomination_create", args=[s.workshop.pk]), nomination_data(s, cv=upload))
    assert "the limit is 1.0" in response.content.decode()


def test_nominate_docx_cv_accepted(client, s):
    client.force_login(s.user("focal_point"))
    upload = SimpleUploadedFile("cv.docx", _docx_bytes())
    response = client.post(reverse("workshops:nomination_create", args=[s.workshop.pk]), nomination_data(s, cv=upload))
    assert response.status_code == 302


def test_cv_download_is_an_attachment_named_after_the_official(client, s):
    client.force_login(s.user("focal_point"))
    response = client.get(reverse("workshops:nomination_cv", args=[s.nomination.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="cv-ana-matrix.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_focal_point_sees_only_own_administration_nominations(client, s):
    nominate(s.workshop, OfficialFactory(administration=s.other_administration, name_latin="Zed Foreign"))
    client.force_login(s.user("focal_point"))
    page = client.get(reverse("workshops:nomination_list")).content.decode()
    assert "Ana Matrix" in page
    assert "Zed Foreign" not in page
    page = client.get(reverse("workshops:workshop_detail", args=[s.workshop.pk])).content.decode()
    assert "Zed Foreign" not in page
    page = client.get(reverse("workshops:nomination_list"), {"q": "zed"}).content.decode()
    assert "Zed Foreign" not in page


def test_nomination_list_search_ignores_accents_and_case(client, s):
    nominate(s.workshop, OfficialFactory(administration=s.administration, name_latin="Nguyễn Thị Lan"))
    client.force_login(s.user("secretariat"))
    page = client.get(reverse("workshops:nomination_list"), {"q": "NGUYEN thi"}).content.decode()
    assert "Nguyễn Thị Lan" in page
    assert "Ana Matrix" not in page


def test_withdraw_before_deadline_records_history(client, s):
    client.force_login(s.user("focal_point"))
    response = client.post(
        reverse("workshops:nomination_withdraw", args=[s.pending_nomination.pk]), {"reason": "Posted abroad"}
    )
    assert response.status_code == 302
    s.pending_nomination.refresh_from_db()
    assert s.pending_nomination.status == NominationStatus.WITHDRAWN
    page = client.get(s.pending_nomination.get_absolute_url()).content.decode()
    assert "Withdrawn" in page
    assert "Posted abroad" in page


def test_withdraw_after_deadline_refused_with_a_sentence(client, s):
    s.workshop.nomination_deadline = timezone.now() - dt.timedelta(hours=1)
    s.workshop.save(update_fields=["nomination_deadline"])
    client.force_login(s.user("focal_point"))
    response = client.post(reverse("workshops:nomination_withdraw", args=[s.pending_nomination.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "The nomination deadline has passed" in response.content.decode()
    s.pending_nomination.refresh_from_db()
    assert s.pending_nomination.status == NominationStatus.SUBMITTED


def test_focal_point_confirms_attendance_once_accepted(client, s):
    client.force_login(s.user("focal_point"))
    response = client.post(
        reverse("workshops:nomination_attendance", args=[s.nomination.pk]), {"attendance": "confirmed"}
    )
    assert response.status_code == 302
    s.nomination.refresh_from_db()
    assert s.nomination.attendance == Attendance.CONFIRMED
    # A focal point cannot record a no-show: that is the Secretariat's.
    response = client.post(
        reverse("workshops:nomination_attendance", args=[s.nomination.pk]), {"attendance": "no_show"}
    )
    assert response.status_code == 400
    s.nomination.refresh_from_db()
    assert s.nomination.attendance == Attendance.CONFIRMED


def test_focal_point_cannot_confirm_attendance_before_acceptance(client, s):
    client.force_login(s.user("focal_point"))
    response = client.post(
        reverse("workshops:nomination_attendance", args=[s.pending_nomination.pk]), {"attendance": "confirmed"}
    )
    assert response.status_code == 400
    assert "Attendance is recorded for accepted nominations only." in response.content.decode()


def test_secretariat_records_no_show(client, s):
    client.force_login(s.user("secretariat"))
    client.post(reverse("workshops:nomination_attendance", args=[s.nomination.pk]), {"attendance": "no_show"})
    s.nomination.refresh_from_db()
    assert s.nomination.attendance == Attendance.NO_SHOW


def test_decline_without_reason_keeps_the_form_and_says_why(client, s):
    client.force_login(s.user("secretariat"))
    response = client.post(
        reverse("workshops:nomination_decide", args=[s.pending_nomination.pk]), {"decision": "decline", "reason": " "}
    )
    assert response.status_code == 400
    assert "Give the reason for declining." in response.content.decode()
    s.pending_nomination.refresh_from_db()
    assert s.pending_nomination.status == NominationStatus.SUBMITTED


def test_bulk_accept_within_capacity_refuses_the_rest_with_a_sentence(client, s):
    s.workshop.capacity = 2
    s.workshop.save(update_fields=["capacity"])
    extra = nominate(s.workshop, OfficialFactory(administration=s.administration, name_latin="Cy Third"))
    client.force_login(s.user("secretariat"))
    response = client.post(
        reverse("workshops:nomination_bulk", args=[s.workshop.pk]),
        {"nominations": [s.pending_nomination.pk, extra.pk], "decision": "accept", "reason": ""},
        follow=True,
    )
    page = response.content.decode()
    assert "1 nomination decided." in page
    assert "The workshop is full: 2 of 2 places are taken." in page
    statuses = set(
        Nomination.objects.filter(pk__in=[s.pending_nomination.pk, extra.pk]).values_list("status", flat=True)
    )
    assert statuses == {NominationStatus.ACCEPTED, NominationStatus.SUBMITTED}


def test_bulk_decline_requires_a_reason(client, s):
    client.force_login(s.user("secretariat"))
    response = client.post(
        reverse("workshops:nomination_bulk", args=[s.workshop.pk]),
        {"nominations": [s.pending_nomination.pk], "decision": "decline", "reason": ""},
    )
    assert response.status_code == 400
    assert "Give the reason for declining." in response.content.decode()


def test_bulk_waitlist_then_accept_from_waiting_list(client, s):
    client.force_login(s.user("secretariat"))
    client.post(
        reverse("workshops:nomination_bulk", args=[s.workshop.pk]),
        {"nominations": [s.pending_nomination.pk], "decision": "waitlist", "reason": "Full for now"},
    )
    s.pending_nomination.refresh_from_db()
    assert s.pending_nomination.status == NominationStatus.WAITLISTED
    client.post(reverse("workshops:nomination_decide", args=[s.pending_nomination.pk]), {"decision": "accept"})
    s.pending_nomination.refresh_from_db()
    assert s.pending_nomination.status == NominationStatus.ACCEPTED


def test_bulk_cannot_touch_another_workshops_nomination(client, s):
    other = nominate(s.other_workshop)
    client.force_login(s.user("secretariat"))
    response = client.post(
        reverse("workshops:nomination_bulk", args=[s.workshop.pk]),
        {"nominations": [other.pk], "decision": "waitlist"},
    )
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.status == NominationStatus.SUBMITTED


def test_nomination_flows_from_focal_point_to_secretariat_and_back_with_emails(
    client, s, django_capture_on_commit_callbacks
):
    """Focal point nominates → the Secretariat's list shows it → decision → the focal
    point sees it; the e-mails go out, each in its recipient's language."""
    focal = s.user("focal_point")
    UserProfile.objects.filter(user=focal).update(language="fr")
    # The workshop starts in a month whose name differs in French and English.
    s.workshop.start_date = s.workshop.start_date.replace(month=3, day=2)
    s.workshop.end_date = s.workshop.start_date + dt.timedelta(days=3)
    s.workshop.save(update_fields=["start_date", "end_date"])
    mail.outbox.clear()
    client.force_login(focal)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("workshops:nomination_create", args=[s.workshop.pk]),
            nomination_data(s, preferred_language="en"),
        )
    nomination = Nomination.objects.get(official__email="an.nguyen@customs.example")
    received = [m for m in mail.outbox if focal.email in m.to]
    assert len(received) == 1
    assert "Nguyễn Văn An" in received[0].subject

    client.force_login(s.user("secretariat"))
    page = client.get(reverse("workshops:nomination_list"), {"status": "submitted"}).content.decode()
    assert "Nguyễn Văn An" in page
    page = client.get(reverse("workshops:workshop_detail", args=[s.workshop.pk])).content.decode()
    assert nomination.get_absolute_url() in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("workshops:nomination_decide", args=[nomination.pk]),
            {"decision": "decline", "reason": "Profile <b>too junior</b> this year"},
        )
    recipients = {address for message in mail.outbox for address in message.to}
    assert recipients == {focal.email, "an.nguyen@customs.example"}
    nomination.refresh_from_db()
    month = nomination.workshop.start_date
    by_recipient = {message.to[0]: message for message in mail.outbox}
    for address, language in ((focal.email, "fr"), ("an.nguyen@customs.example", "en")):
        message = by_recipient[address]
        assert "too junior" in message.body
        with translation.override(language):
            expected_subject = render_to_string(
                "emails/nomination_notice_subject.txt",
                {"event": "declined", "nomination": nomination, "workshop": nomination.workshop},
            )
            expected_month = date_format(month, "F")
        assert message.subject == " ".join(expected_subject.split())
        assert expected_month in message.body  # dates are written in the recipient's language

    client.force_login(focal)
    page = client.get(nomination.get_absolute_url()).content.decode()
    assert "Declined" in page
    assert "Profile &lt;b&gt;too junior&lt;/b&gt; this year" in page  # shown as text, never as HTML
    assert AuditEntry.objects.filter(object_id=str(nomination.pk), action="nomination.decline").exists()


def test_second_focal_point_after_handover_sees_the_whole_history(client, s):
    from candidates import services as candidate_services

    candidate_services.focal_point_handover(
        actor=s.user("secretariat"), administration=s.administration, email="new.focal@customs.example"
    )
    successor = s.administration.focal_points.get(active=True).user
    client.force_login(successor)
    page = client.get(reverse("workshops:nomination_list")).content.decode()
    assert "Ana Matrix" in page and "Ben Pending" in page
    client.force_login(s.user("focal_point"))
    assert client.get(s.nomination.get_absolute_url()).status_code == 404


def test_nominate_page_for_focal_point_of_two_administrations_lets_them_choose(client, s):
    focal = s.user("focal_point")
    from candidates.models import FocalPoint

    FocalPoint.objects.create(user=focal, administration=s.other_administration)
    client.force_login(focal)
    page = client.get(reverse("workshops:nomination_create", args=[s.workshop.pk])).content.decode()
    assert "Owning Administration" in page and "Other Administration" in page


def test_nomination_list_query_count_does_not_grow(client, s, django_assert_num_queries):
    Nomination.objects.exclude(pk=s.nomination.pk).delete()
    client.force_login(s.user("secretariat"))
    url = reverse("workshops:nomination_list")
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        response = client.get(url)
    assert "1 nomination" in response.content.decode()
    nominate(s.workshop)
    nominate(s.workshop)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert "3 nominations" in response.content.decode()


def test_nomination_form_says_up_front_how_many_places_are_left(client, s):
    WorkshopQuota.objects.create(workshop=s.workshop, administration=s.administration, limit=3)
    client.force_login(s.user("focal_point"))
    url = reverse("workshops:nomination_create", args=[s.workshop.pk])
    page = " ".join(client.get(url).content.decode().split())
    # Two of the three places are used by Ana Matrix and Ben Pending.
    assert "Owning Administration: 1 place left of 3 for this workshop." in page
    assert page.index("place left of 3") < page.index("Submit the nomination")
    WorkshopQuota.objects.filter(workshop=s.workshop).update(limit=2)
    page = " ".join(client.get(url).content.decode().split())
    assert "Owning Administration has used its quota of 2 nominations for this workshop: no place is left." in page
    client.cookies["django_language"] = "fr"
    WorkshopQuota.objects.filter(workshop=s.workshop).update(limit=4)
    page = " ".join(client.get(url).content.decode().split())
    assert "Owning Administration : 2 places restantes sur 4 pour cet atelier." in page


def test_duplicate_person_warning_keeps_the_chosen_cv(client, s):
    existing = OfficialFactory(
        administration=s.administration, name_latin="An Nguyen", email="AN.NGUYEN@customs.example"
    )
    client.force_login(s.user("focal_point"))
    url = reverse("workshops:nomination_create", args=[s.workshop.pk])
    page = client.post(url, nomination_data(s, cv=pdf_upload("An CV.pdf"))).content.decode()
    assert "An official with this e-mail is already recorded" in page
    assert "The CV you chose is kept: An CV.pdf." in page
    kept = re.search(r'name="cv_kept" value="([^"]+)"', page).group(1)
    # Taking the offer without choosing the file again: the kept CV goes with the nomination.
    data = nomination_data(s, official=existing.pk, cv=None)
    response = client.post(url, {**data, "cv_kept": kept})
    assert response.status_code == 302
    nomination = Nomination.objects.get(workshop=s.workshop, official=existing)
    assert nomination.cv_name == "An CV.pdf"
    with nomination.cv.open("rb") as handle:
        assert handle.read().startswith(b"%PDF-")
    # Another account cannot use the token.
    client.force_login(s.user("other_focal_point"))
    assert pending_uploads.name_of(kept, user_id=s.user("other_focal_point").pk) is None


def test_cv_kept_for_an_abandoned_form_is_swept_after_its_token_expires(client, s, settings):
    from toa_portal.tasks import sweep_pending_uploads

    assert settings.CELERY_BEAT_SCHEDULE["pending-uploads-sweep"]["task"] == sweep_pending_uploads.name
    OfficialFactory(administration=s.administration, name_latin="An Nguyen", email="an.nguyen@customs.example")
    client.force_login(s.user("focal_point"))
    url = reverse("workshops:nomination_create", args=[s.workshop.pk])
    abandoned = client.post(url, nomination_data(s, cv=pdf_upload("Old CV.pdf"))).content.decode()
    recent = client.post(url, nomination_data(s, cv=pdf_upload("New CV.pdf"))).content.decode()
    old_token = re.search(r'name="cv_kept" value="([^"]+)"', abandoned).group(1)
    new_token = re.search(r'name="cv_kept" value="([^"]+)"', recent).group(1)
    folder = Path(settings.MEDIA_ROOT) / "pending"
    assert len(list(folder.iterdir())) == 2
    old_file = folder / signing.loads(old_token, salt=pending_uploads.SALT)["path"].split("/")[-1]
    two_days_ago = time.time() - 2 * pending_uploads.MAX_AGE
    os.utime(old_file, (two_days_ago, two_days_ago))

    assert sweep_pending_uploads.delay().get() == 1

    assert not old_file.exists()
    assert len(list(folder.iterdir())) == 1
    assert pending_uploads.name_of(new_token, user_id=s.user("focal_point").pk) == "New CV.pdf"
    # Nothing left to sweep; without any kept file at all, no error either.
    assert sweep_pending_uploads.delay().get() == 0
    shutil.rmtree(folder)
    assert sweep_pending_uploads.delay().get() == 0
