"""Settings for the Coalition portal: every value comes from the environment.

With nothing set the portal runs in development mode on SQLite, a local-memory cache and console
email. Production sets DEBUG=0 and the variables listed in README.md ("Configuration").
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}.")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", True)

SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "development-only-not-a-secret-" + "x" * 40

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")
if not SITE_URL:
    # Links in emails (invitations) are built from it; a default would point people at localhost.
    raise ImproperlyConfigured("SITE_URL must be set when DEBUG is off, e.g. https://portal.example.")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "guardian",
    "django_tasks_db",
    "coalition.core",
    "coalition.accounts",
    "coalition.audit",
    "coalition.organisations",
    "coalition.library",
    "coalition.drafting",
    "coalition.exports",
    "coalition.notifications",
    "coalition.mywork",
    "coalition.search",
    "coalition.appeals",
    "coalition.principles",
    "coalition.assessments",
    "coalition.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "coalition.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "coalition.accounts.middleware.UserSessionActivityMiddleware",
    "coalition.accounts.middleware.MFARequiredMiddleware",
    "coalition.core.middleware.NoStoreForAuthenticatedMiddleware",
]

ROOT_URLCONF = "coalition.urls"
WSGI_APPLICATION = "coalition.wsgi.application"
ASGI_APPLICATION = "coalition.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coalition.core.context_processors.portal",
            ],
        },
    },
    {
        # Plain-text emails: no HTML escaping (an apostrophe must stay an apostrophe).
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"autoescape": False},
    },
]

# --- Database ---------------------------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Debian's default JIT made permission-filtered counts several times slower (docs/architecture.md).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two writers queue instead of
    # failing to upgrade a read lock; the audit chain relies on writers being serialised.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file too: an in-memory database shares one cache whose table locks fail at once
    # instead of waiting, so concurrent writers could not be tested as they run in production.
    # One file per test process, so two runs in one checkout never share (or delete) each other's.
    DATABASES["default"]["TEST"] = {
        "NAME": envstr("SQLITE_TEST_NAME", str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3"))
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache (allauth rate limits and TOTP replay protection need one cache for all workers) ----


def _cache_from_url(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    if parts.scheme in {"redis", "rediss"}:
        # Short timeouts: with Redis unreachable a request learns it in about a second (and gets
        # the 503 page where it needs the cache) instead of hanging on the kernel's timeout. The
        # client reconnects by itself once Redis answers again.
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    if parts.scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "coalition"}
    if parts.scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(f"CACHE_URL scheme {parts.scheme!r} is not supported (redis, locmem).")


CACHES = {"default": _cache_from_url(envstr("CACHE_URL", "locmem://"))}

# --- Email (Django 6.1 MAILERS) ---------------------------------------------------------------


def _email_timeout(value: str) -> int:
    if not value.isdigit():
        raise ImproperlyConfigured(f"EMAIL_URL timeout must be a number of seconds, not {value!r}.")
    return int(value)


def _mailer_from_url(url: str) -> dict[str, object]:
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme in {"console", "locmem", "dummy"}:
        return {"BACKEND": f"django.core.mail.backends.{parts.scheme}.EmailBackend"}
    if parts.scheme == "file":
        return {
            "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "OPTIONS": {"file_path": parts.path},
        }
    if parts.scheme in {"smtp", "smtps"}:
        return {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": parts.hostname or "localhost",
                "port": parts.port or (465 if parts.scheme == "smtps" else 25),
                "username": unquote(parts.username or ""),
                "password": unquote(parts.password or ""),
                "use_ssl": parts.scheme == "smtps",
                "use_tls": query.get("tls", "").lower() in {"1", "true", "yes", "on"},
                "timeout": _email_timeout(query.get("timeout", "10")),
            },
        }
    raise ImproperlyConfigured(f"EMAIL_URL scheme {parts.scheme!r} is not supported.")


MAILERS = {"default": _mailer_from_url(envstr("EMAIL_URL", "console://"))}
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Coalition portal <portal@localhost>")
SERVER_EMAIL = envstr("SERVER_EMAIL", DEFAULT_FROM_EMAIL)

# --- Passwords and authentication -------------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "coalition.accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "coalition.accounts.forms.InvitationSignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Coalition portal] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Rate limits stay on allauth's defaults (login failures, password resets, confirmations); they
# are kept in the default cache, which is Redis whenever CACHE_URL points at it.
ALLAUTH_TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
# Sign-in limits (allauth; docs/operations.md#sign-in-limits). Per account: 5 failures in 5 minutes,
# strict, as allauth has it. Per address: many people of one member organisation sign in from one
# office address (NAT), so failures there are counted over 10 minutes and allowed 50: a colleague's
# typos do not lock the office out, while password spraying from one address still stops.
ACCOUNT_RATE_LIMITS = {
    "login": envstr("RATE_LIMIT_LOGIN", "120/m/ip"),
    "login_failed": envstr("RATE_LIMIT_LOGIN_FAILED", "50/600s/ip,5/300s/key"),
}

MFA_ADAPTER = "coalition.accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
# A signatory decides for an organisation only within this many seconds of using a second factor.
MFA_FRESH_SECONDS = envint("MFA_FRESH_SECONDS", 300)
MFA_TOTP_ISSUER = envstr("MFA_TOTP_ISSUER", "Coalition portal")
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
USERSESSIONS_TRACK_ACTIVITY = True
# The sessions page's "last seen" is written at most this often per session (allauth's middleware
# writes it on every request; see coalition.accounts.middleware.UserSessionActivityMiddleware).
USERSESSIONS_ACTIVITY_SECONDS = envint("USERSESSIONS_ACTIVITY_SECONDS", 60)
USERSESSIONS_ADAPTER = "coalition.accounts.adapters.UserSessionsAdapter"


def _fernet_keys() -> list[bytes]:
    """Keys for encrypting MFA secrets at rest; the first encrypts, all decrypt (rotation)."""
    from cryptography.fernet import Fernet

    keys = envlist("MFA_ENCRYPTION_KEYS")
    if keys:
        for number, key in enumerate(keys, 1):
            try:
                Fernet(key.encode())
            except ValueError:
                # Fail at start-up, not when someone first signs in with a second factor.
                raise ImproperlyConfigured(
                    f"MFA_ENCRYPTION_KEYS: key {number} is not a Fernet key (32 url-safe base64-encoded bytes)."
                ) from None
        return [key.encode() for key in keys]
    if not DEBUG:
        raise ImproperlyConfigured("MFA_ENCRYPTION_KEYS must be set when DEBUG is off.")
    return [base64.urlsafe_b64encode(hashlib.sha256(f"mfa:{SECRET_KEY}".encode()).digest())]


MFA_ENCRYPTION_KEYS = _fernet_keys()

# --- Object grants (django-guardian: its tables only; coalition/access/ decides) ---------------

# No "AnonymousUser" row: anonymous visitors see public material through the audience, not grants.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False
GUARDIAN_MONKEY_PATCH_GROUP = False
SILENCED_SYSTEM_CHECKS = [
    # Deliberate: guardian's backend would answer has_perm() from grants alone (and, by default,
    # from model-wide permissions); every decision is made by coalition/access/ instead.
    "guardian.W001",
]

# --- Attachments ---------------------------------------------------------------------------------

MEDIA_ROOT = Path(envstr("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# MEDIA_URL stays unset: attachments are never served by URL, only by a permission-checked view.
ATTACHMENT_MAX_BYTES = envint("ATTACHMENT_MAX_MB", 25) * 1024 * 1024
# Comparing revisions (coalition/library/diff.py): changed blocks are compared word by word for
# at most this many milliseconds per request, the rest line by line (the page says so).
COMPARE_WORD_BUDGET_MS = envint("COMPARE_WORD_BUDGET_MS", 500)
# Appeal images (coalition/appeals/images.py): refused above these before any pixel is decoded.
APPEAL_IMAGE_MAX_BYTES = envint("APPEAL_IMAGE_MAX_MB", 10) * 1024 * 1024
APPEAL_IMAGE_MAX_PIXELS = envint("APPEAL_IMAGE_MAX_MEGAPIXELS", 40) * 1_000_000
APPEAL_IMAGE_MAX_SIDE = 10_000
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Principles (coalition/principles) ----------------------------------------------------------

# Aggregates ("12 of 40 organisations implement P1") over fewer organisations are not shown.
PRINCIPLES_MIN_AGGREGATE = envint("PRINCIPLES_MIN_AGGREGATE", 3)
# Reporting cycles are years, from this one to next year.
PRINCIPLES_FIRST_CYCLE = envint("PRINCIPLES_FIRST_CYCLE", 2022)

# --- Sessions, cookies and security headers ---------------------------------------------------

# Sessions live in the database alone (docs/operations.md#when-redis-is-down): a cache in front
# (cached_db) would make every signed-in page fail with the cache, and a session ended while the
# cache was unreachable (sign-out, "end this session") would come back from it once it returned.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 12 * 60 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if not DEBUG:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    # A load balancer probes the app servers over plain HTTP: its probes are not redirected.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 63072000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are only accepted over HTTPS, for the whole host, with no Domain.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    if envbool("SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

# --- Static files ------------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if envbool("STATIC_MANIFEST", not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Internationalisation ---------------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
# Our catalogues come first: locale/en puts django-allauth's Title Case in the sentence case of the
# rest of the portal (compiled .mo files are committed; `make messages` rebuilds them).
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Tasks (Django's tasks framework) -------------------------------------------------------

# "database": tasks wait in the database (django-tasks-db) until `manage.py worker` runs them,
# so a queued email survives a restart and a failed one can be retried later. "immediate": a task
# runs in the process that queues it, once the transaction commits (the test suite uses this).
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
TASKS_BACKEND = envstr("TASKS_BACKEND", "database")
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be database or immediate, not {TASKS_BACKEND!r}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND]}}

# --- Notifications -----------------------------------------------------------------------------

# An email is tried this many times (backing off 1, 5, 15, 60 minutes) before it is marked failed.
NOTIFICATION_EMAIL_MAX_ATTEMPTS = envint("NOTIFICATION_EMAIL_MAX_ATTEMPTS", 5)
if NOTIFICATION_EMAIL_MAX_ATTEMPTS < 1:
    raise ImproperlyConfigured("NOTIFICATION_EMAIL_MAX_ATTEMPTS must be at least 1.")
# The hour (0-23, in TIME_ZONE) at which daily digests go out.
NOTIFICATION_DIGEST_HOUR = envint("NOTIFICATION_DIGEST_HOUR", 7)
if not 0 <= NOTIFICATION_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured("NOTIFICATION_DIGEST_HOUR must be an hour from 0 to 23.")
# How many days before a document's review-by date its review owner is reminded (and My work lists it).
REVIEW_REMINDER_DAYS = envint("REVIEW_REMINDER_DAYS", 14)

# --- Portal ------------------------------------------------------------------------------------

# Tip receipts (coalition/appeals/anonymity.py): Argon2id with this installation's salt. Set it
# once and keep it: changing it (or SECRET_KEY while it is unset) makes every receipt unusable.
TIP_RECEIPT_SALT = envstr("TIP_RECEIPT_SALT")
TIP_RECEIPT_ARGON2_TIME_COST = envint("TIP_RECEIPT_ARGON2_TIME_COST", 3)
TIP_RECEIPT_ARGON2_MEMORY_KIB = envint("TIP_RECEIPT_ARGON2_MEMORY_KIB", 65536)
# Flood limits for tips, per sender (a keyed hash of the address, docs/appeals.md) and per appeal.
TIP_LIMIT_PER_HOUR = envint("TIP_LIMIT_PER_HOUR", 10)
TIP_LIMIT_PER_APPEAL_HOUR = envint("TIP_LIMIT_PER_APPEAL_HOUR", 500)
TIP_RECEIPT_TRIES_PER_HOUR = envint("TIP_RECEIPT_TRIES_PER_HOUR", 10)
TIP_RECEIPT_TRIES_GLOBAL_HOUR = envint("TIP_RECEIPT_TRIES_GLOBAL_HOUR", 3600)

# The audit log's Merkle tree (coalition/audit/tree.py): its name in checkpoints, the Ed25519 key
# that signs them ("PRIVATE+KEY+name+id+key", see docs/operations.md#audit-log), and how many
# events one sequencer run integrates.
AUDIT_LOG_ORIGIN = envstr("AUDIT_LOG_ORIGIN")
AUDIT_SIGNING_KEY = envstr("AUDIT_SIGNING_KEY")
AUDIT_SIGNING_KEY_FILE = envstr("AUDIT_SIGNING_KEY_FILE")
# In development only, a key derived from SECRET_KEY (coalition.audit.tree.signer); in production
# the sequencer refuses to run without one of the two above.
AUDIT_DEVELOPMENT_KEY = DEBUG and not (AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE)
AUDIT_SEQUENCE_BATCH = envint("AUDIT_SEQUENCE_BATCH", 10_000)
# Every read's event is written by one INSERT, prepared once per database connection on
# PostgreSQL. Turn off behind a pooler that does not keep prepared statements (PgBouncer before
# 1.21, or without max_prepared_statements, in transaction mode).
AUDIT_PREPARED_INSERT = envbool("AUDIT_PREPARED_INSERT", True)
# The longest an event may wait to be integrated (seconds): the worker's sequencer runs well within
# it, warns when it is exceeded, and `manage.py audit_status` exits non-zero (for monitoring).
AUDIT_INTEGRATION_BOUND = envint("AUDIT_INTEGRATION_BOUND", 10)
# Days after which an event's address and browser are redacted (0: never); its leaf still verifies.
AUDIT_PERSONAL_DATA_DAYS = envint("AUDIT_PERSONAL_DATA_DAYS", 180)

# Client IP in audit events: "full", "truncated" (IPv4 /24, IPv6 /48) or "none".
AUDIT_IP_MODE = envstr("AUDIT_IP_MODE", "truncated")
if AUDIT_IP_MODE not in {"full", "truncated", "none"}:
    raise ImproperlyConfigured("AUDIT_IP_MODE must be full, truncated or none.")
INVITATION_DAYS = envint("INVITATION_DAYS", 14)
# `seed_demo` creates accounts with a published password: only where this is on.
DEMO_DATA = envbool("DEMO_DATA", DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    # Django's default config gives its logger a console handler of its own: log each line once.
    "loggers": {
        "django": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO"), "propagate": False},
        # WeasyPrint (PDF exports) reports each layout step at INFO; its warnings and errors stay.
        "weasyprint": {"level": "WARNING"},
    },
}
