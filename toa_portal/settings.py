"""Settings, read from the environment (see .env.example).

With nothing set the portal runs on an embedded default: SQLite in var/, Celery
tasks executed eagerly in-process, console e-mail and files in a private folder
under var/. DATABASE_URL and CELERY_BROKER_URL switch to PostgreSQL and a real
worker; nothing else changes between the two.
"""

import sys
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# Commands that only read or build the code base (migrations, translations,
# static files) sign nothing, so they run without a secret; anything that
# serves, or reaches the secret, needs SECRET_KEY when DEBUG is off.
CODE_ONLY_COMMANDS = {"makemigrations", "compiletranslations", "compilemessages", "makemessages", "collectstatic"}
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-only-for-debug"  # noqa: S105 (DEBUG only)
    elif not (len(sys.argv) > 1 and sys.argv[0].endswith("manage.py") and sys.argv[1] in CODE_ONLY_COMMANDS):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "axes",
    "csp",
    "toa_portal",
    "candidates",
    "workshops",
    "accreditation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "toa_portal.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "toa_portal.context_processors.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "toa_portal.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'toa_portal.sqlite3'}"),
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a room of assessors saving at once: readers
    # never wait for a writer (WAL), a writer waits for the lock instead of
    # failing with "database is locked" (timeout, in seconds), and a write
    # transaction takes the lock when it begins rather than when it first
    # writes, so two transactions never deadlock upgrading their read locks.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000"
    )
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# How many proxies in front of the portal add their address to X-Forwarded-For.
# 0: the header is ignored (anyone can write it) and the peer's address counts.
TRUSTED_PROXIES = env.int("TRUSTED_PROXIES", default=0)

# Failed sign-ins are counted per account and per address, as two separate
# limits: guessing one account's password from many addresses is stopped by
# the first, and many people behind one shared address (a proxy, an
# administration's NAT) are not locked out by a few typos each, only by a
# flood. A success clears only that account's own count.
LOGIN_FAILURES_PER_ACCOUNT = env.int("LOGIN_FAILURES_PER_ACCOUNT", default=5)
LOGIN_FAILURES_PER_ADDRESS = env.int("LOGIN_FAILURES_PER_ADDRESS", default=50)
AXES_HANDLER = "candidates.auth.AccountAndAddressHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = LOGIN_FAILURES_PER_ACCOUNT
AXES_CLIENT_IP_CALLABLE = "toa_portal.throttle.client_address"
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "candidates.auth.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "candidates.auth.axes_username"
# Password reset requests per address and per account in an hour; more are
# answered exactly like the others but send nothing.
PASSWORD_RESETS_PER_ADDRESS = env.int("PASSWORD_RESETS_PER_ADDRESS", default=10)
PASSWORD_RESETS_PER_ACCOUNT = env.int("PASSWORD_RESETS_PER_ACCOUNT", default=3)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The portal's own date formats per language (toa_portal/dates.py shows every date through them).
FORMAT_MODULE_PATH = ["toa_portal.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))

PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=str(VAR_DIR / "private"))
_storage_backend = env.str("FILE_STORAGE_BACKEND", default="")
STORAGES = {
    # A private local folder by default; any S3-compatible store by setting
    # FILE_STORAGE_BACKEND=storages.backends.s3.S3Storage and its options (JSON).
    "default": {
        "BACKEND": _storage_backend or "django.core.files.storage.FileSystemStorage",
        "OPTIONS": env.json("FILE_STORAGE_OPTIONS", default={})
        if _storage_backend
        else {"location": str(PRIVATE_MEDIA_ROOT)},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage",
    },
}
# Uploaded and generated files are never served from a public URL: no URL pattern
# maps MEDIA_URL, and only the permission-checked views stream the files.
MEDIA_URL = "/private-media/"
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
UPLOAD_MAX_BYTES = 10 * 1024 * 1024

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Seconds before a silent mail server is given up on (the task then retries).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="TOA Portal <no-reply@toa-portal.example>")

# Celery: with no broker configured, tasks run eagerly in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=200)
# Short broker timeouts: a web request never hangs because the broker is down.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
    "socket_connect_timeout": 2,
    "socket_timeout": 5,
    "max_retries": 1,
}
CELERY_TASK_PUBLISH_RETRY = False
# The result backend (when set) gets the same short timeouts as the broker.
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 5
# Beat remembers when each task last ran in this file (not in the working directory).
CELERY_BEAT_SCHEDULE_FILENAME = env.str("CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule"))
CELERY_BEAT_SCHEDULE = {
    # Re-queue certificates whose render was never delivered (broker down when
    # the decision was saved) or whose worker died; the visibility_timeout above
    # stays longer than the render's hard time limit.
    "certificates-sweep": {"task": "accreditation.sweep_certificates", "schedule": 60.0},
    # Mark expired certificates, remind experts 90 days before expiry.
    "certificates-expiry": {"task": "accreditation.expire_certificates", "schedule": crontab(hour=2, minute=15)},
    # Record the end of suspensions that reached their end date.
    "suspensions-lift": {"task": "accreditation.lift_ended_suspensions", "schedule": crontab(hour=0, minute=10)},
    # Delete the CVs kept for nomination forms that were abandoned (older than their token).
    "pending-uploads-sweep": {"task": "toa_portal.sweep_pending_uploads", "schedule": crontab(minute=40)},
    # Remind focal points of nomination deadlines falling in the next seven days.
    "nomination-deadline-reminders": {
        "task": "workshops.send_deadline_reminders",
        "schedule": crontab(hour=6, minute=0),
    },
}

# Certificates: render time limits (seconds) and the sweep's patience.
CERTIFICATE_RENDER_SOFT_TIME_LIMIT = env.int("CERTIFICATE_RENDER_SOFT_TIME_LIMIT", default=60)
CERTIFICATE_RENDER_TIME_LIMIT = env.int("CERTIFICATE_RENDER_TIME_LIMIT", default=90)
CERTIFICATE_QUEUED_GRACE = env.int("CERTIFICATE_QUEUED_GRACE", default=300)
CERTIFICATE_EXPIRY_REMINDER_DAYS = 90
CERTIFICATE_SIGNATORY = env.str("CERTIFICATE_SIGNATORY", default="")
# Seconds each render sleeps: only the fault tests set it, to kill a worker mid-render.
CERTIFICATE_RENDER_TEST_DELAY = env.float("CERTIFICATE_RENDER_TEST_DELAY", default=0.0)
# Public verification: requests per IP address and minute before answering 429.
VERIFY_RATE_LIMIT = env.int("VERIFY_RATE_LIMIT", default=30)
# The largest credential (JSON) or certificate (PDF) the verification page accepts.
VERIFY_UPLOAD_MAX_BYTES = env.int("VERIFY_UPLOAD_MAX_BYTES", default=2 * 1024 * 1024)

# Verifiable credentials: the Ed25519 private key that signs them (a PEM file,
# never in the database or the repository; `manage.py credential_key_create`
# writes it, and with DEBUG on a missing one is created at first use), and the
# issuer's name in every credential. The issuer is did:web of PUBLIC_BASE_URL's host.
CREDENTIAL_SIGNING_KEY_FILE = env.path(
    "CREDENTIAL_SIGNING_KEY_FILE", default=str(VAR_DIR / "credential-signing-key.pem")
)
CREDENTIAL_ISSUER_NAME = env.str("CREDENTIAL_ISSUER_NAME", default="World Customs Organization")
# Bits per Bitstring Status List (the specification's minimum, for herd privacy).
CREDENTIAL_STATUS_LIST_SIZE = 131072

# The cache holds the verification throttle. Local memory by default (per
# process); several web processes share one with CACHE_URL=redis://host:6379/N.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security headers. No inline script or style and no eval anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_PROXY", default=False) else None
# Served over HTTPS only (production): redirect plain HTTP and send HSTS.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
# Domain-wide choices: only the operator knows whether every subdomain is HTTPS.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# Accounts created by `loaddemo` use this password; refused when DEBUG is off.
DEMO_PASSWORD = "demo-pass-2023"  # noqa: S105 (public by design, refused with DEBUG off)
