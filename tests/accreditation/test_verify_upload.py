"""The verification page checks an uploaded credential (JSON) or certificate
PDF: whether its proof holds and its status today. Size-capped, throttled,
never stored."""

import datetime as dt
import json

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accreditation import services
from accreditation.models import Certificate
from accreditation.suspension import certificate_suspend
from tests.factories import OfficialFactory, accredit, secretariat_user

URL = "/verify/"


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def actor(db):
    return secretariat_user()


@pytest.fixture
def rendered(actor):
    [certificate] = accredit([OfficialFactory(name_latin="Farhana Rahman")], actor=actor)
    services.certificate_render(certificate_id=certificate.pk)
    return Certificate.objects.get(pk=certificate.pk)


def _upload(client, name, content, content_type="application/json"):
    return client.post(URL, {"file": SimpleUploadedFile(name, content, content_type=content_type)})


def _files(root):
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_uploaded_credential_is_genuine_and_valid(client, rendered, settings, tmp_path):
    before = _files(tmp_path)
    response = _upload(client, "credential.json", rendered.credential.encode())
    page = response.content.decode()
    assert response.status_code == 200
    assert "The signature holds" in page
    assert "Valid" in page
    assert "Farhana Rahman" in page
    assert rendered.number in page
    assert _files(tmp_path) == before  # nothing stored


def test_uploaded_certificate_pdf_is_checked_through_its_attached_credential(client, rendered, actor):
    certificate_suspend(actor=actor, certificate=rendered, reason="R", ends_on=timezone.localdate() + dt.timedelta(7))
    with rendered.pdf.open("rb") as handle:
        response = _upload(client, "certificate.pdf", handle.read(), "application/pdf")
    page = response.content.decode()
    assert "The signature holds" in page
    assert "Suspended" in page


def test_uploaded_credential_changed_after_signing_is_not_genuine(client, rendered):
    credential = json.loads(rendered.credential)
    credential["credentialSubject"]["name"] = "Somebody Else"
    page = _upload(client, "credential.json", json.dumps(credential).encode()).content.decode()
    assert "Not genuine" in page
    assert "changed after signing" in page
    assert "Somebody Else" not in page


def test_uploaded_credential_with_an_unsigned_addition_is_not_genuine(client, rendered):
    credential = json.loads(rendered.credential)
    credential["note"] = "Accredited for life"
    page = _upload(client, "credential.json", json.dumps(credential).encode()).content.decode()
    assert "Not genuine" in page
    assert "differs from the one the portal issued" in page


def test_credential_the_portal_never_issued_is_not_called_a_broken_signature(client, rendered):
    credential = json.loads(rendered.credential)
    credential["id"] = "https://badges.example.org/credentials/42"
    page = _upload(client, "credential.json", json.dumps(credential).encode()).content.decode()
    assert "Not genuine" in page
    assert "The portal has no record of this credential." in page
    assert "signature" not in page.split("Not genuine", 1)[1].split("</div>", 1)[0]


def test_revoked_credential_says_revoked(client, rendered, actor):
    services.certificate_revoke(actor=actor, certificate=rendered, reason="Fraud.")
    page = _upload(client, "credential.json", rendered.credential.encode()).content.decode()
    assert "The signature holds" in page
    assert "Revoked" in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.txt", b"hello", "neither a credential (JSON) nor a certificate PDF"),
        ("list.json", b"[1, 2]", "This JSON file is not a credential."),
        ("other.pdf", b"%PDF-1.7\n%broken", "This PDF cannot be read."),
    ],
)
def test_unreadable_uploads_get_a_clear_message(client, db, name, content, message):
    response = _upload(client, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_deeply_nested_json_gets_a_clear_message(client, db):
    response = _upload(client, "nested.json", b"[" * 200_000)
    assert response.status_code == 200
    assert "neither a credential (JSON) nor a certificate PDF" in response.content.decode()


def _pdf_attaching(content: bytes, **stream_keys) -> bytes:
    """A PDF whose `credential.json` attachment is `content`, stored as given
    (already encoded by `stream_keys`' filter)."""
    import io

    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    stream = pikepdf.Stream(pdf, content)
    for key, value in stream_keys.items():
        stream[f"/{key}"] = value
    spec = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Filespec, F="credential.json", UF="credential.json", EF=pikepdf.Dictionary(F=stream)
        )
    )
    pdf.Root.Names = pikepdf.Dictionary(
        EmbeddedFiles=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("credential.json"), spec]))
    )
    buffer = io.BytesIO()
    # Written as built: no stream decoded or compressed again.
    pdf.save(buffer, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    return buffer.getvalue()


def test_pdf_whose_attachment_unpacks_beyond_the_cap_is_refused_unpacked(client, db, settings):
    import zlib

    import pikepdf

    settings.VERIFY_UPLOAD_MAX_BYTES = 1024 * 1024
    # 64 MiB of spaces deflate to about 64 KiB: the upload is small, its content is not.
    packer = zlib.compressobj(9)
    packed = b"".join(packer.compress(b" " * (1 << 20)) for _ in range(64)) + packer.flush()
    data = _pdf_attaching(packed, Filter=pikepdf.Name.FlateDecode, Type=pikepdf.Name.EmbeddedFile)
    assert len(data) < 128 * 1024
    response = _upload(client, "certificate.pdf", data, "application/pdf")
    assert response.status_code == 200
    assert "The credential attached to this PDF is larger than 1 MB" in response.content.decode()


def test_pdf_attachment_in_an_unusual_encoding_gets_a_clear_message(client, rendered):
    import pikepdf

    data = _pdf_attaching(rendered.credential.encode().hex().encode() + b">", Filter=pikepdf.Name.ASCIIHexDecode)
    page = _upload(client, "certificate.pdf", data, "application/pdf").content.decode()
    assert "The credential in this PDF is not stored the way the portal stores it." in page


def test_pdf_without_credential_gets_a_clear_message(client, db):
    import io

    import pikepdf

    buffer = io.BytesIO()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.save(buffer)
    page = _upload(client, "other.pdf", buffer.getvalue(), "application/pdf").content.decode()
    assert "This PDF carries no credential" in page


def test_too_large_upload_is_refused_unread(client, db, settings):
    settings.VERIFY_UPLOAD_MAX_BYTES = 1024 * 1024
    response = _upload(client, "big.json", b" " * (1024 * 1024 + 100 * 1024))
    assert response.status_code == 413
    assert "larger than 1 MB" in response.content.decode()


def test_uploads_are_throttled_per_address(client, rendered, settings):
    settings.VERIFY_RATE_LIMIT = 2
    for _ in range(2):
        assert _upload(client, "credential.json", rendered.credential.encode()).status_code == 200
    response = _upload(client, "credential.json", rendered.credential.encode())
    assert response.status_code == 429
    assert response["Retry-After"] == "60"


def test_upload_page_is_public_and_linked_from_verification(client, rendered):
    page = client.get(URL).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert reverse("accreditation:verify_upload") in client.get(rendered.get_verify_url()).content.decode()
