from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accreditation.credentials import keys
from accreditation.demo import DEMO_ACCOUNTS, load_demo


class Command(BaseCommand):
    help = "Load the demo data (Kashiwa 2023 and two current workshops). Running it twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Create the demo accounts even when DEBUG is off.")

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "The demo accounts share a public password; refusing with DEBUG off. Use --force if you mean it."
            )
        # The demo's certificates are signed: a development key is created
        # under var/ when none is configured.
        path = keys.key_path()
        if not path.exists():
            keys.signing_key_write(path)
            self.stdout.write(f"Credential signing key created at {path} (development only).")
        # The demo's addresses are invented: its notices are not sent anywhere.
        backend, settings.EMAIL_BACKEND = settings.EMAIL_BACKEND, "django.core.mail.backends.dummy.EmailBackend"
        try:
            created = load_demo(password=settings.DEMO_PASSWORD)
        finally:
            settings.EMAIL_BACKEND = backend
        self.stdout.write(
            self.style.SUCCESS("Demo data loaded.") if created else "Demo data already present: nothing changed."
        )
        self.stdout.write(f"Demo accounts (password: {settings.DEMO_PASSWORD}):")
        for account, what in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account:<26} {what}")
