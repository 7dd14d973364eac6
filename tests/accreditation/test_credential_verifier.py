"""The portal's credentials checked by an independent verifier: Digital
Bazaar's @digitalbazaar/vc with the eddsa-rdfc-2022 cryptosuite and the
Bitstring Status List checker (tests/verifier/verify.mjs), resolving the
portal's DID document and status lists from the live test server. One Node
run checks the whole batch, signed with two keys (before and after a rotation)."""

import copy
import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from accreditation import services
from accreditation.models import Certificate, Suspension
from accreditation.suspension import certificate_suspend, suspension_lift
from tests.factories import OfficialFactory, accredit, secretariat_user

VERIFIER = Path(__file__).resolve().parents[1] / "verifier"


def run_verifier(server: str, credentials: list[dict], tmp_path) -> list[dict]:
    if shutil.which("node") is None:
        pytest.fail("Node.js 20 or newer is needed to run the independent credential verifier.")
    if not (VERIFIER / "node_modules" / "@digitalbazaar" / "vc").is_dir():
        pytest.fail(f"The verifier's packages are not installed: run `npm ci` in {VERIFIER} (.ci/run does it).")
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps({"server": server, "credentials": credentials}), encoding="utf-8")
    done = subprocess.run(
        ["node", "verify.mjs", str(batch)], cwd=VERIFIER, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _issue(n, actor):
    certificates = accredit([OfficialFactory() for _ in range(n)], actor=actor)
    for certificate in certificates:
        services.certificate_render(certificate_id=certificate.pk)
    return [Certificate.objects.get(pk=c.pk) for c in certificates]


def test_digital_bazaar_verifier_accepts_valid_credentials_and_reports_status(live_server, settings, tmp_path):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.CREDENTIAL_SIGNING_KEY_FILE = tmp_path / "signing-key.pem"
    call_command("credential_key_create")
    actor = secretariat_user()
    valid, revoked, suspended, lifted, ended, reissued = _issue(6, actor)
    services.certificate_revoke(actor=actor, certificate=revoked, reason="Obtained by fraud.")
    until = timezone.localdate() + dt.timedelta(days=60)
    certificate_suspend(actor=actor, certificate=suspended, reason="Under investigation.", ends_on=until)
    suspension = certificate_suspend(actor=actor, certificate=lifted, reason="Mistaken identity.", ends_on=until)
    suspension_lift(actor=actor, suspension=suspension, reason="Cleared.")
    # A suspension whose end date has passed: off the list even before the daily task records it.
    certificate_suspend(actor=actor, certificate=ended, reason="Missing report.", ends_on=until)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Suspension.objects.filter(accreditation=ended.accreditation).update(
        starts_on=yesterday - dt.timedelta(days=30), ends_on=yesterday
    )
    # The key is rotated: the new version is signed with the new key, the others
    # keep the old one, which the DID document still lists.
    call_command("credential_key_create", "--rotate")
    newer = services.certificate_reissue(actor=actor, certificate=reissued, reason="Name corrected.")
    services.certificate_render(certificate_id=newer.pk)
    newer.refresh_from_db()

    credentials = {c.pk: json.loads(c.credential) for c in [valid, revoked, suspended, lifted, ended, reissued, newer]}
    renamed = copy.deepcopy(credentials[valid.pk])
    renamed["credentialSubject"]["name"] = "Someone Else"
    extended = copy.deepcopy(credentials[valid.pk])
    extended["validUntil"] = "2099-12-31T23:59:59+00:00"
    other_number = copy.deepcopy(credentials[valid.pk])
    other_number["credentialSubject"]["licenseNumber"] = "IPR-TOA-2099-9999"
    batch = [
        ("valid", credentials[valid.pk]),
        ("renamed", renamed),
        ("extended", extended),
        ("other number", other_number),
        ("revoked", credentials[revoked.pk]),
        ("suspended", credentials[suspended.pk]),
        ("lifted", credentials[lifted.pk]),
        ("ended", credentials[ended.pk]),
        ("superseded", credentials[reissued.pk]),
        ("new version", credentials[newer.pk]),
    ]
    verdicts = run_verifier(live_server.url, [credential for _, credential in batch], tmp_path)
    results = dict(zip([name for name, _ in batch], verdicts, strict=True))

    assert results["valid"] == {"verified": True, "statuses": {"revocation": False, "suspension": False}, "errors": []}
    for changed in ("renamed", "extended", "other number"):
        assert results[changed]["verified"] is False, changed
        assert "Invalid signature." in results[changed]["errors"], results[changed]
    assert results["revoked"]["statuses"] == {"revocation": True, "suspension": False}
    assert results["suspended"]["statuses"] == {"revocation": False, "suspension": True}
    assert results["lifted"]["statuses"] == {"revocation": False, "suspension": False}
    assert results["ended"]["statuses"] == {"revocation": False, "suspension": False}
    assert results["superseded"]["statuses"] == {"revocation": True, "suspension": False}
    assert results["new version"] == results["valid"]
    old_key = credentials[valid.pk]["proof"]["verificationMethod"]
    assert credentials[newer.pk]["proof"]["verificationMethod"] != old_key
    for name in ("revoked", "suspended", "lifted", "ended", "superseded"):
        # The proof holds and the status lists verified: only the bits differ.
        assert results[name]["verified"] is True, (name, results[name])
