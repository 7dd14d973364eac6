"""Create the Ed25519 key that signs the certificates' credentials, or rotate it."""

from django.core.management.base import BaseCommand, CommandError

from accreditation.credentials import keys
from accreditation.models import CredentialKey


class Command(BaseCommand):
    help = (
        "Write a new credential signing key to CREDENTIAL_SIGNING_KEY_FILE. With --rotate, replace the "
        "current key: its public key stays in the DID document, so the credentials it signed stay verifiable."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rotate", action="store_true", help="Replace an existing key.")

    def handle(self, *args, rotate=False, **options):
        path = keys.key_path()
        if path.exists():
            if not rotate:
                raise CommandError(f"A signing key already exists at {path}. Use --rotate to replace it.")
            # The old key's public half is kept, even if it never signed anything yet.
            CredentialKey.objects.get_or_create(
                public_key_multibase=keys.public_key_multibase(keys.signing_key().public_key())
            )
        key = keys.signing_key_write(path)
        multibase = keys.public_key_multibase(key.public_key())
        CredentialKey.objects.get_or_create(public_key_multibase=multibase)
        self.stdout.write(self.style.SUCCESS(f"Signing key written to {path} (mode 600)."))
        self.stdout.write(f"Verification method: {keys.verification_method_id(multibase)}")
        self.stdout.write("Keep a backup of this file; never commit it.")
