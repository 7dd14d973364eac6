"""Private files: a CV is served as the type its bytes proved, under a
generated name, never as the uploader named it; a file whose name and
content disagree is refused; and every private download (CV, evidence,
certificate, CSV exports) tells caches to keep no copy."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accreditation import services
from accreditation.enums import MissionRole, MissionType
from tests.accreditation.scoring_helpers import Setup
from tests.factories import OfficialFactory, UserFactory, accredit
from tests.permissions.scenario import PDF_BYTES, build_scenario
from tests.workshops.test_views_nominations import nomination_data
from workshops import services as workshop_services
from workshops.models import Nomination

pytestmark = pytest.mark.django_db


def _private(response):
    assert response.status_code == 200
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control, response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_cv_named_html_with_pdf_content_comes_back_as_a_pdf_under_a_generated_name(client):
    """A file saved through the service under a hostile name (as the back
    office or an import could): the download ignores the name."""
    s = build_scenario()
    nomination = workshop_services.nomination_submit(
        actor=s.user("focal_point"),
        workshop=s.workshop,
        official=OfficialFactory(administration=s.administration, name_latin="Lan Nguyen"),
        letter_reference="A/9",
        nominating_officer="Director General",
        nomination_date=timezone.localdate(),
        cv=SimpleUploadedFile("evil.html", PDF_BYTES, content_type="text/html"),
        cv_name="evil.html",
    )
    assert nomination.cv_content_type == "application/pdf"
    client.force_login(s.user("focal_point"))
    response = client.get(reverse("workshops:nomination_cv", args=[nomination.pk]))
    _private(response)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="cv-lan-nguyen.pdf"'
    assert "html" not in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_cv_upload_whose_name_and_content_disagree_is_refused_and_nothing_typed_is_lost(client):
    s = build_scenario()
    client.force_login(s.user("focal_point"))
    before = Nomination.objects.count()
    upload = SimpleUploadedFile("evil.html", PDF_BYTES, content_type="text/html")
    response = client.post(reverse("workshops:nomination_create", args=[s.workshop.pk]), nomination_data(s, cv=upload))
    page = response.content.decode()
    assert response.status_code == 200
    assert "The file is named evil.html but its content is a PDF file" in page
    assert "VN/2025/17" in page and "Nguyễn Văn An" in page  # what was typed is still there
    assert Nomination.objects.count() == before


def test_evidence_named_as_an_image_with_pdf_content_is_refused(client):
    setup = Setup()
    setup.worked_example()
    decision = services.phase_one_decide(actor=setup.secretariat, nomination=setup.nomination)
    services.decision_release(actor=setup.secretariat, decision=decision)
    evaluator = UserFactory()
    evaluation = services.field_evaluation_assign(
        actor=setup.secretariat,
        nomination=setup.nomination,
        evaluator=evaluator,
        mission_place="Colombo",
        mission_start=setup.workshop.end_date,
        mission_end=setup.workshop.end_date,
        mission_type=MissionType.NATIONAL_TRAINING,
        role=MissionRole.LEAD,
    )
    client.force_login(evaluator)
    url = reverse("accreditation:field_evidence_upload", args=[evaluation.pk])
    response = client.post(url, {"file": SimpleUploadedFile("photo.png", PDF_BYTES)}, follow=True)
    assert "The file is named photo.png but its content is a PDF file" in response.content.decode()
    assert not evaluation.evidence.exists()

    client.post(url, {"file": SimpleUploadedFile("report.pdf", PDF_BYTES)})
    [evidence] = evaluation.evidence.all()
    _private(client.get(reverse("accreditation:field_evidence_download", args=[evidence.pk])))


def test_every_private_download_sends_cache_control_private_no_store(client):
    s = build_scenario()
    client.force_login(s.user("focal_point"))
    _private(client.get(reverse("workshops:nomination_cv", args=[s.nomination.pk])))

    setup = Setup()
    setup.worked_example()
    client.force_login(setup.assessors[0])
    _private(
        client.get(reverse("accreditation:score_sheet_export", args=[setup.workshop.pk, setup.exercises["PRES"].pk]))
    )
    client.force_login(setup.secretariat)
    _private(client.get(reverse("accreditation:workshop_results_export", args=[setup.workshop.pk])))

    [certificate] = accredit([OfficialFactory()], actor=setup.secretariat)
    services.certificate_render(certificate_id=certificate.pk)
    _private(client.get(reverse("accreditation:certificate_download", args=[certificate.pk])))
