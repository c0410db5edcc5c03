"""Django settings, all read from the environment.

ACUBACK_DATABASE_URL   database (default: SQLite file under ACUBACK_VAR_DIR)
ACUBACK_VAR_DIR        where local state lives (default: ./var)
ACUBACK_SECRET_KEY     secret key (default: generated once into ACUBACK_VAR_DIR)
ACUBACK_DEBUG          "1" to turn debugging on (default: off)
ACUBACK_ALLOWED_HOSTS  comma-separated host names (default: 127.0.0.1,localhost)
ACUBACK_INVITATION_HOURS  how long a patient portal invitation link works (default: 72)
ACUBACK_CURRENCY       the currency of prices and invoices, as its ISO code (default: GBP)
ACUBACK_EMAIL_FROM     sender of reminder emails (default: acuback@localhost)
ACUBACK_SMTP_HOST      send email through this SMTP server; without it, emails are written
                       as files to ACUBACK_VAR_DIR/mail so the clinic sees what would be sent
ACUBACK_SMTP_PORT, ACUBACK_SMTP_USER, ACUBACK_SMTP_PASSWORD
ACUBACK_SMTP_TLS       "starttls" (default), "ssl" or "none"
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import django_stubs_ext

# Lets admin and model classes take type parameters at run time, as the type checker wants.
django_stubs_ext.monkeypatch()

VAR_DIR = Path(os.environ.get("ACUBACK_VAR_DIR", Path.cwd() / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("ACUBACK_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        # Created with owner-only permissions so the key never sits world-readable.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("ACUBACK_DEBUG", "") in {"1", "true", "yes"}
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ACUBACK_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
    if h.strip()
]

INSTALLED_APPS = [
    "acuback.web.apps.AcubackAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "acuback.web.clinics",
    "acuback.web.audit",
    "acuback.web.care",
    "acuback.web.appointments",
    "acuback.web.billing",
    "django_tasks",
    "django_tasks_db",
    "acuback.web.reminders",
    "acuback.web.today",
    "acuback.web.public",
    "acuback.web.portal",
    "acuback.web.checkins",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "acuback.web.urls"
WSGI_APPLICATION = "acuback.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("ACUBACK_DATABASE_URL", f"sqlite:///{VAR_DIR / 'acuback.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite allows one writer at a time. IMMEDIATE takes the write lock when a transaction
    # begins, so a read-then-write transaction (the sign-in throttle) cannot be overtaken
    # between its read and its write, and a second writer waits up to `timeout` seconds
    # instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # Django's default in-memory test database is a shared-cache one, whose table locks
    # answer concurrent threads with "database table is locked" instead of waiting; a file
    # behaves like the real database. One file per process, so that two test runs side by
    # side (two developers, or a run beside a helper's) do not share or delete each other's.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Argon2 first: new and re-saved passwords are hashed with it.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# A clinic workstation may be shared: sessions end after a working day and on browser close.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# A patient's portal invitation link works once, for this many hours.
ACUBACK_INVITATION_HOURS = int(os.environ.get("ACUBACK_INVITATION_HOURS", "72"))

# Prices and invoices are in this currency (ISO 4217 code, e.g. GBP, EUR, USD).
ACUBACK_CURRENCY = os.environ.get("ACUBACK_CURRENCY", "GBP").strip().upper() or "GBP"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("ACUBACK_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [Path(__file__).parent / "static"]
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Serve straight from the app folders: no collectstatic step for a local clinic install.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Background work (appointment reminders) is queued in the database and run by
# `acuback worker`, which `make run` starts beside the server.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The address links in emails sent by the worker (check-ins) start with.
ACUBACK_SITE_URL = os.environ.get("ACUBACK_SITE_URL", "http://127.0.0.1:8000")

# Email: SMTP when ACUBACK_SMTP_HOST is set, otherwise one file per message in VAR_DIR/mail.
DEFAULT_FROM_EMAIL = os.environ.get("ACUBACK_EMAIL_FROM", "acuback@localhost")
EMAIL_TIMEOUT = 30
if smtp_host := os.environ.get("ACUBACK_SMTP_HOST", ""):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = smtp_host
    _smtp_tls = os.environ.get("ACUBACK_SMTP_TLS", "starttls").lower()
    if _smtp_tls not in {"starttls", "ssl", "none"}:
        raise ValueError("ACUBACK_SMTP_TLS must be starttls, ssl or none")
    EMAIL_USE_TLS = _smtp_tls == "starttls"
    EMAIL_USE_SSL = _smtp_tls == "ssl"
    EMAIL_PORT = int(
        os.environ.get("ACUBACK_SMTP_PORT", {"starttls": 587, "ssl": 465}.get(_smtp_tls, 25))
    )
    EMAIL_HOST_USER = os.environ.get("ACUBACK_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("ACUBACK_SMTP_PASSWORD", "")
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = VAR_DIR / "mail"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
