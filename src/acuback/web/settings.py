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
ACUBACK_HTTPS          "1" behind a TLS proxy: secure cookies, HTTPS redirect, HSTS, trusted origins
ACUBACK_HSTS_SECONDS   how long browsers keep to HTTPS (default: a year; only with ACUBACK_HTTPS)
ACUBACK_TRUSTED_PROXY  comma-separated proxy addresses whose X-Forwarded-For is believed
ACUBACK_IDLE_MINUTES   a signed-in session idle this long is signed out (default: 30)
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
    # Serves /api/docs from ninja's own Swagger UI files instead of a CDN.
    "ninja",
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
    "acuback.web.documents",
    "acuback.web.apitokens",
    "acuback.web.fhir",
    "acuback.web.reports",
]

MIDDLEWARE = [
    "acuback.web.security.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "acuback.web.audit.middleware.RefusalAuditMiddleware",
    "acuback.web.security.IdleSignOutMiddleware",
    "acuback.web.security.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "acuback.web.transactions.AtomicChangesMiddleware",
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
            # `{% url %}` working out a record's link once per kind of link, and `|spoken`
            # dates (acuback.web.links, acuback.web.dates).
            "builtins": ["acuback.web.links", "acuback.web.dates", "acuback.web.texts"],
        },
    },
    # Today's panels (acuback.web.jinja says why): templates under each app's jinja2/.
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "APP_DIRS": True,
        "OPTIONS": {"environment": "acuback.web.jinja.environment"},
    },
]
# Form widgets render through Jinja2's copies of Django's own widget templates: the same
# HTML, and a chart with twenty fields renders about a quarter faster than through the
# Django template engine (the session page, same run: 18.6-23.5 ms down to 14.9-15.7 ms).
FORM_RENDERER = "django.forms.renderers.Jinja2"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("ACUBACK_DATABASE_URL", f"sqlite:///{VAR_DIR / 'acuback.sqlite3'}"),
        conn_max_age=60,
    )
}
# A request that may change something (POST, PUT, PATCH, DELETE) is one transaction, so a
# change and the audit row that records it commit together or not at all (a view that fails
# after writing leaves nothing behind): acuback.web.transactions, last in MIDDLEWARE. A read
# writes only its audit row, on its own, so on SQLite (IMMEDIATE, below) page views do not
# take turns for their whole length.
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite allows one writer at a time. IMMEDIATE takes the write lock when a transaction
    # begins, so a read-then-write transaction (the sign-in throttle) cannot be overtaken
    # between its read and its write, and a second writer waits up to `timeout` seconds
    # instead of failing at once with "database is locked".
    # WAL lets readers go on while one transaction writes (rollback-journal mode made every
    # page wait, or fail, while anything read the file); with WAL, synchronous=NORMAL is
    # still safe against corruption and loses at most the last commits on power loss, not on
    # a crash of the app, and makes each commit (every view writes an audit row) much cheaper.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
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

# --- Deployment hardening (issue 13): HTTPS behind a proxy, CSP, idle sign-out, files ----------
_ON = {"1", "true", "yes"}
# Behind a TLS proxy (Caddy, nginx) that sets X-Forwarded-Proto and strips any the client sent.
ACUBACK_HTTPS = os.environ.get("ACUBACK_HTTPS", "").lower() in _ON
if ACUBACK_HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("ACUBACK_HSTS_SECONDS", str(365 * 24 * 60 * 60)))
    # acuback is meant to have a host name of its own (records.clinic.example): the names under
    # it are its own too, and none of them should ever be reached over plain HTTP.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Form posts through the proxy carry an https:// Origin that must match a served host.
    CSRF_TRUSTED_ORIGINS = [
        f"https://*{host}" if host.startswith(".") else f"https://{host}"
        for host in ALLOWED_HOSTS
        if host != "*"
    ]
# Joining the browsers' HSTS preload list is the domain owner's decision (and hard to undo), so
# the check that asks for SECURE_HSTS_PRELOAD is silenced rather than the header preloaded.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Comma-separated addresses of the proxy; only from these is X-Forwarded-For believed.
ACUBACK_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("ACUBACK_TRUSTED_PROXY", "").split(",") if p.strip()
]
# A signed-in session with no request for this long is signed out.
ACUBACK_IDLE_MINUTES = int(os.environ.get("ACUBACK_IDLE_MINUTES", "30"))

# Only our own origin: no inline script, no third-party host. Styles allow 'unsafe-inline'
# because the appointment book places each block with a computed style attribute and pygal's
# charts are inline SVG carrying their own <style>; scripts never do.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# The folder of local state and the SQLite database are readable by the server's user only.
if VAR_DIR.stat().st_uid == os.getuid():
    VAR_DIR.chmod(0o700)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _database = Path(DATABASES["default"]["NAME"])
    if _database.parent.is_dir() and not _database.exists():
        # Created here, before SQLite makes it with the umask's 0644; its -wal and -shm files
        # take the database file's permissions.
        os.close(os.open(_database, os.O_WRONLY | os.O_CREAT, 0o600))
    for _file in (_database, Path(f"{_database}-wal"), Path(f"{_database}-shm")):
        if _file.exists() and _file.stat().st_uid == os.getuid():
            _file.chmod(0o600)
# --- end of deployment hardening ----------------------------------------------------------------

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

# The JSON API: every list is a page of 50, at most 200 on request.
NINJA_PAGINATION_CLASS = "ninja.pagination.PageNumberPagination"
NINJA_PAGINATION_PER_PAGE = 50
NINJA_MAX_PER_PAGE_SIZE = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
