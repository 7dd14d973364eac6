"""The Open Badges 3.0 credential of a certificate version: what it says, its
eddsa-rdfc-2022 proof, the issuer's DID document, the status lists and key
rotation (checked here with the portal's own code; tests/accreditation/
test_credential_verifier.py checks the same with Digital Bazaar's libraries)."""

import copy
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from pyld.jsonld import JsonLdError

from accreditation import services
from accreditation.credentials import keys, proof, status
from accreditation.credentials.jsonld import UnknownContext, bundled_context, canonicalize
from accreditation.credentials.verification import credential_check
from accreditation.enums import RenderState
from accreditation.models import Certificate, CredentialKey
from accreditation.suspension import certificate_suspend
from tests.factories import OfficialFactory, accredit, secretariat_user
from toa_portal.models import AuditEntry


@pytest.fixture
def actor(db):
    return secretariat_user()


@pytest.fixture
def rendered(actor):
    official = OfficialFactory(name_latin="Sato Haruki", name_native="佐藤 陽輝", name_native_lang="ja")
    [certificate] = accredit([official], actor=actor)
    services.certificate_render(certificate_id=certificate.pk)
    return Certificate.objects.get(pk=certificate.pk)


def test_render_signs_the_credential_once_and_says_what_the_certificate_says(rendered, settings):
    credential = json.loads(rendered.credential)
    official = rendered.accreditation.official
    assert rendered.render_state == RenderState.RENDERED
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["issuer"]["id"] == keys.issuer_did()
    assert credential["validFrom"].startswith(rendered.issued_on.isoformat())
    assert credential["validUntil"].startswith(rendered.valid_until.isoformat())
    subject = credential["credentialSubject"]
    assert subject["name"] == "Sato Haruki"
    assert subject["licenseNumber"] == rendered.number
    assert subject["achievement"]["name"].endswith(rendered.accreditation.programme.name)
    assert official.email not in rendered.credential
    assert [entry["statusPurpose"] for entry in credential["credentialStatus"]] == ["revocation", "suspension"]
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    # A second render embeds the same credential: it is signed once.
    services.certificate_render_retry(actor=secretariat_user(), certificate=rendered)
    services.certificate_render(certificate_id=rendered.pk)
    assert Certificate.objects.get(pk=rendered.pk).credential == rendered.credential
    assert AuditEntry.objects.filter(action="certificate.credential_sign", object_id=str(rendered.pk)).count() == 1


def test_credential_proof_holds_and_fails_when_any_value_changes(rendered):
    credential = json.loads(rendered.credential)
    assert credential_check(credential).proof_holds
    for path, value in [
        (("credentialSubject", "name"), "Someone Else"),
        (("validUntil",), "2099-12-31T23:59:59+00:00"),
        (("credentialSubject", "achievement", "name"), "Another programme"),
    ]:
        changed = copy.deepcopy(credential)
        target = changed
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        check = credential_check(changed)
        assert not check.proof_holds
        assert "changed after signing" in check.problem


def test_python_proof_check_fails_on_any_change_and_on_a_foreign_key(rendered):
    credential = json.loads(rendered.credential)
    method = credential["proof"]["verificationMethod"]
    public_key = keys.public_key_from_multibase(method.partition("#")[2])
    assert proof.verify(credential, public_key_for=lambda m: public_key) == method
    changed = copy.deepcopy(credential)
    changed["credentialSubject"]["achievement"]["criteria"]["narrative"] = "Attended a workshop."
    with pytest.raises(proof.ProofInvalid, match="changed after signing"):
        proof.verify(changed, public_key_for=lambda m: public_key)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    foreign = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(proof.ProofInvalid):
        proof.verify(credential, public_key_for=lambda m: foreign)


def test_credential_served_at_its_public_url_equals_the_stored_one(client, rendered):
    response = client.get(reverse("accreditation:verify_credential", args=[rendered.verification_code]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.content.decode() == rendered.credential


def test_credential_url_answers_404_before_the_first_render(client, actor):
    [certificate] = accredit([OfficialFactory()], actor=actor)
    response = client.get(reverse("accreditation:verify_credential", args=[certificate.verification_code]))
    assert response.status_code == 404


def test_did_document_lists_the_signing_key_for_assertions(client, rendered):
    document = client.get("/.well-known/did.json").json()
    method = json.loads(rendered.credential)["proof"]["verificationMethod"]
    assert document["id"] == keys.issuer_did()
    assert [m["id"] for m in document["verificationMethod"]] == [method]
    assert document["assertionMethod"] == [method]


def test_issuer_did_encodes_the_port(settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    assert keys.issuer_did() == "did:web:127.0.0.1%3A8000"
    settings.PUBLIC_BASE_URL = "https://toa.wcoomd.org"
    assert keys.issuer_did() == "did:web:toa.wcoomd.org"


def test_key_rotation_keeps_old_credentials_verifiable(client, rendered, settings, tmp_path, actor):
    settings.CREDENTIAL_SIGNING_KEY_FILE = tmp_path / "key.pem"
    call_command("credential_key_create")
    [second] = accredit([OfficialFactory()], actor=actor)
    services.certificate_render(certificate_id=second.pk)
    call_command("credential_key_create", "--rotate")
    [third] = accredit([OfficialFactory()], actor=actor)
    services.certificate_render(certificate_id=third.pk)
    methods = {
        json.loads(c.credential)["proof"]["verificationMethod"]
        for c in Certificate.objects.filter(pk__in=[rendered.pk, second.pk, third.pk])
    }
    assert len(methods) == 3
    document = client.get("/.well-known/did.json").json()
    assert methods <= set(document["assertionMethod"])
    for certificate in Certificate.objects.filter(pk__in=[rendered.pk, second.pk, third.pk]):
        assert credential_check(json.loads(certificate.credential)).proof_holds


def test_key_create_refuses_to_overwrite_without_rotate(settings, tmp_path, db):
    from django.core.management.base import CommandError

    settings.CREDENTIAL_SIGNING_KEY_FILE = tmp_path / "key.pem"
    call_command("credential_key_create")
    assert (tmp_path / "key.pem").stat().st_mode & 0o777 == 0o600
    with pytest.raises(CommandError, match="already exists"):
        call_command("credential_key_create")
    assert CredentialKey.objects.count() == 1


def test_missing_key_fails_the_render_with_a_reason_the_secretariat_reads(settings, tmp_path, actor):
    settings.CREDENTIAL_SIGNING_KEY_FILE = tmp_path / "absent.pem"
    [certificate] = accredit([OfficialFactory()], actor=actor)
    services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert certificate.render_state == RenderState.FAILED
    assert "credential_key_create" in certificate.render_error
    assert not certificate.credential


def test_missing_key_is_created_in_development(settings, tmp_path, actor):
    settings.DEBUG = True
    settings.CREDENTIAL_SIGNING_KEY_FILE = tmp_path / "var" / "dev-key.pem"
    [certificate] = accredit([OfficialFactory()], actor=actor)
    services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert certificate.render_state == RenderState.RENDERED
    assert (tmp_path / "var" / "dev-key.pem").exists()


def _status_bit(client, certificate, purpose):
    entry = next(e for e in json.loads(certificate.credential)["credentialStatus"] if e["statusPurpose"] == purpose)
    response = client.get(entry["statusListCredential"].removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    list_credential = response.json()
    assert credential_check_status_list(list_credential)
    return status.bit_is_set(list_credential["credentialSubject"]["encodedList"], int(entry["statusListIndex"]))


def credential_check_status_list(list_credential):
    method = proof.verify(
        list_credential,
        public_key_for=lambda m: keys.public_key_from_multibase(m.partition("#")[2]),
    )
    return method.startswith(keys.issuer_did() + "#")


def test_status_lists_follow_revocation_supersession_and_suspension(client, rendered, actor, settings):
    settings.PUBLIC_BASE_URL = "http://127.0.0.1:8000"
    assert not _status_bit(client, rendered, "revocation")
    assert not _status_bit(client, rendered, "suspension")
    import datetime as dt

    from django.utils import timezone

    certificate_suspend(
        actor=actor, certificate=rendered, reason="Under review.", ends_on=timezone.localdate() + dt.timedelta(days=30)
    )
    assert _status_bit(client, rendered, "suspension")
    assert not _status_bit(client, rendered, "revocation")
    new = services.certificate_reissue(actor=actor, certificate=rendered, reason="Name corrected.")
    services.certificate_render(certificate_id=new.pk)
    new.refresh_from_db()
    assert _status_bit(client, rendered, "revocation")  # superseded
    assert _status_bit(client, new, "suspension")  # the accreditation is still suspended
    services.certificate_revoke(actor=actor, certificate=new, reason="Fraud.")
    assert _status_bit(client, new, "revocation")
    assert not _status_bit(client, new, "suspension")


def test_status_list_of_an_unknown_purpose_or_number_is_404(client, rendered):
    [entry, _suspension] = json.loads(rendered.credential)["credentialStatus"]
    assert entry["statusListCredential"].endswith("/credentials/status/revocation/1")
    assert client.get("/credentials/status/revocation/1").status_code == 200
    assert client.get("/credentials/status/expiry/1").status_code == 404
    assert client.get("/credentials/status/revocation/0").status_code == 404
    # No certificate points at a later list: it is not signed on demand.
    assert client.get("/credentials/status/revocation/2").status_code == 404
    assert client.get("/credentials/status/suspension/999999").status_code == 404


def test_status_list_without_a_signing_key_answers_503_not_500(client, settings, tmp_path, db):
    settings.CREDENTIAL_SIGNING_KEY_FILE = tmp_path / "absent.pem"
    response = client.get("/credentials/status/revocation/1")
    assert response.status_code == 503
    assert response.json() == {"error": "unavailable"}


def test_status_list_encoding_round_trips():
    encoded = status.encode([0, 7, 8, 131071], 131072)
    assert encoded.startswith("u")
    assert [status.bit_is_set(encoded, i) for i in (0, 1, 7, 8, 9, 131071)] == [True, False, True, True, False, True]


def test_bundled_loader_refuses_any_other_context():
    with pytest.raises(UnknownContext):
        bundled_context("https://example.org/context.jsonld")
    document = {"@context": ["https://example.org/context.jsonld"], "name": "x"}
    with pytest.raises(JsonLdError) as raised:
        canonicalize(document)
    causes, error = [], raised.value
    while error is not None:
        causes.append(str(error))
        error = error.__cause__ or error.__context__
    assert any("is not bundled with the portal" in cause for cause in causes)


def test_expert_downloads_the_credential_from_their_pages(client, rendered):
    from tests.factories import UserFactory

    official = rendered.accreditation.official
    official.user = UserFactory()
    official.save(update_fields=["user"])
    client.force_login(official.user)
    url = reverse("accreditation:verify_credential", args=[rendered.verification_code])
    link = f'href="{url}" download="{rendered.number}-v{rendered.version}.json"'

    assert link in client.get("/").content.decode()
    assert link in client.get(reverse("accreditation:certificate_detail", args=[rendered.pk])).content.decode()
    assert client.get(url).content.decode() == rendered.credential
