"""The certificate PDF is archival: PDF/A-3u, tagged, with its metadata and
the signed credential attached as associated data, checked with pikepdf and
poppler."""

import io
import subprocess

import pikepdf
import pytest
from django.urls import reverse

from accreditation import services
from accreditation.models import Certificate
from tests.factories import OfficialFactory, accredit

PDFAID = "{http://www.aiim.org/pdfa/ns/id/}"


@pytest.fixture
def pdf_and_certificate(db):
    official = OfficialFactory(name_latin="Sato Haruki", name_native="佐藤 陽輝", name_native_lang="ja")
    [certificate] = accredit([official])
    services.certificate_render(certificate_id=certificate.pk)
    certificate = Certificate.objects.get(pk=certificate.pk)
    with certificate.pdf.open("rb") as handle:
        return handle.read(), certificate


def test_certificate_pdf_declares_pdfa_3u_with_an_output_intent(pdf_and_certificate):
    data, certificate = pdf_and_certificate
    assert data.startswith(b"%PDF-1.7")
    with pikepdf.open(io.BytesIO(data)) as pdf:
        metadata = pdf.open_metadata()
        assert metadata[PDFAID + "part"] == "3"
        assert metadata[PDFAID + "conformance"] == "U"
        assert metadata["dc:title"] == f"Certificate of accreditation {certificate.number}"
        assert "World Customs Organization" in metadata["dc:creator"][0]
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        assert "sRGB" in str(intent.OutputConditionIdentifier)
        assert len(intent.DestOutputProfile.read_bytes()) > 0
        assert pdf.Root.Lang == certificate.language
        assert pdf.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in pdf.Root


def test_certificate_pdf_embeds_every_font(pdf_and_certificate, tmp_path):
    data, _certificate = pdf_and_certificate
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
    fonts = lines[2:]
    assert any("Noto-Serif-CJK-JP" in line for line in fonts)
    for line in fonts:
        # name type encoding emb sub uni object-id generation
        emb, _sub, uni = line.split()[-5:-2]
        assert (emb, uni) == ("yes", "yes"), line


def test_certificate_pdf_attaches_the_served_credential_as_associated_data(pdf_and_certificate, client):
    data, certificate = pdf_and_certificate
    served = client.get(reverse("accreditation:verify_credential", args=[certificate.verification_code])).content
    with pikepdf.open(io.BytesIO(data)) as pdf:
        [spec] = pdf.Root.AF
        assert spec.Type == "/Filespec"
        assert spec.AFRelationship == "/Data"
        assert str(spec.UF) == "credential.json"
        assert spec.EF.F.Subtype == "/application/json"
        assert spec.EF.F.read_bytes() == served
        assert pdf.attachments["credential.json"].get_file().read_bytes() == served
