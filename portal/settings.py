"""Settings for Certificaatportaal, read from the environment (SPEC.md §10).

With nothing set the portal runs on the embedded default: SQLite and Celery
tasks executed eagerly. Every value read here is checked; a bad one stops
start-up with an ImproperlyConfigured that names the variable.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core import demo_material, log_format, proxy_secret
from core.env import envbool, envdays, envint, envlist, envnetworks, envpath, envsecret

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    if key_file := envpath("SECRET_KEY_FILE"):
        key = key_file.read_text().strip()
        if not key:
            raise ImproperlyConfigured(f"SECRET_KEY_FILE {key_file} is empty")
        return key
    if PORTAL_PRODUCTION:
        _refuse(
            "SECRET_KEY is not set (the key generated in var/secret-key is for development): "
            + _KEY_ADVICE
        )
        return ""
    # Embedded default: a random key kept outside the repository, so a fresh
    # clone runs without configuration and no key is ever committed.
    generated = VAR_DIR / "secret-key"
    if not generated.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        generated.touch(mode=0o600)
        generated.write_text(secrets.token_urlsafe(64))
    return generated.read_text().strip()


# Production (issue 16): start-up refuses what is only fit for development or a demo,
# all of it at once (raised at the end of this module, see _refuse).
PORTAL_PRODUCTION = envbool("PORTAL_PRODUCTION", False)
_refused: list[str] = []


def _refuse(problem: str) -> None:
    _refused.append(problem)


_KEY_ADVICE = (
    "set SECRET_KEY or SECRET_KEY_FILE to a random value of at least 50 characters, e.g. from"
    " `python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
)
# Placeholders people paste from examples: never a production secret key.
_PLACEHOLDER_KEYS = ("django-insecure", "changeme", "change-me", "change_me", "secret-key")


def _weak_secret_key(key: str) -> str | None:
    """Why ``key`` is no production secret key (as Django's security.W009, and
    placeholders), or None."""
    if len(key) < 50:
        return f"SECRET_KEY is {len(key)} characters long"
    if len(set(key)) < 5:
        return "SECRET_KEY has fewer than 5 different characters"
    if any(word in key.lower() for word in _PLACEHOLDER_KEYS):
        return "SECRET_KEY is a placeholder value"
    return None


DEBUG = envbool("DEBUG", False)
SECRET_KEY = _secret_key()
if PORTAL_PRODUCTION:
    if DEBUG:
        _refuse("DEBUG is on: unset it or set DEBUG=0.")
    if SECRET_KEY and (weakness := _weak_secret_key(SECRET_KEY)):
        _refuse(f"{weakness}: {_KEY_ADVICE}")
    if envbool("PORTAL_DEV_LOGIN", False):
        _refuse("PORTAL_DEV_LOGIN is set: the development login has no place here; unset it.")
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

# Development login (pick a demo identity): only with DEBUG *and* the flag;
# a deploy check refuses it (portal/checks.py).
PORTAL_DEV_LOGIN = DEBUG and envbool("PORTAL_DEV_LOGIN", False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "formtools",
    "axes",
    "core",
    "portal",
    "organisations",
    "certificates",
    "orders",
    "sealing",
    "audit",
    "registration",
]

MIDDLEWARE = [
    # First: the request id, the access line and the context of every log line.
    "portal.request_log.RequestLogMiddleware",
    # /healthz and /readyz answered before redirects, host checks, sessions and login.
    "portal.health.HealthCheckMiddleware",
    "portal.middleware.ProxyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.caching.PrivateByDefaultMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.RequestAddressMiddleware",
    "portal.backoffice_login.StaffCardMiddleware",
    "portal.middleware.ClientCertificateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
_database_url = os.environ.get("DATABASE_URL", "")
if _database_url:
    if not _database_url.startswith(("postgres://", "postgresql://", "sqlite://")):
        raise ImproperlyConfigured(
            "DATABASE_URL must start with postgres://, postgresql:// or sqlite:///"
        )
    try:
        DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL cannot be read: {exc}") from None
    # The password from a file (a container secret), as SECRET_KEY_FILE: DATABASE_URL
    # then names everything else and no password sits in the environment.
    if os.environ.get("DATABASE_PASSWORD_FILE"):
        if DATABASES["default"].get("PASSWORD"):
            raise ImproperlyConfigured(
                "DATABASE_URL holds a password and DATABASE_PASSWORD_FILE is set: use one"
            )
        if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
            raise ImproperlyConfigured("DATABASE_PASSWORD_FILE is for a postgres:// DATABASE_URL")
        DATABASES["default"]["PASSWORD"] = envsecret("DATABASE_PASSWORD_FILE")
elif os.environ.get("DATABASE_PASSWORD_FILE"):
    raise ImproperlyConfigured("DATABASE_PASSWORD_FILE is set without a DATABASE_URL")
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "portal.sqlite3",
            # A file, not memory: the end-to-end tests serve the test
            # database from a separate gunicorn process. One per test run.
            "TEST": {"NAME": VAR_DIR / f"test-portal-{os.getpid()}.sqlite3"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The list indexes INCLUDE columns for PostgreSQL's index-only scans (issue 15); SQLite,
# the embedded default, builds them without those columns, which is all it can do.
SILENCED_SYSTEM_CHECKS = (
    ["models.W040"] if DATABASES["default"]["ENGINE"].endswith("sqlite3") else []
)

# --- Celery ---------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured("REDIS_URL must start with redis://, rediss:// or unix://")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# Placing an order must not hang on a broker that is down: a short publish
# retry, then the order is placed anyway and the sweeper queues its work.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": 2,
    # A task a killed worker held is handed out again after this long; the
    # sweeper usually re-queues it sooner.
    "visibility_timeout": envint("PORTAL_BROKER_VISIBILITY_TIMEOUT", 3600),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Outbox messages (documents, e-mails, CA calls of orders, change requests and
# revocations) still undelivered this long after they were written are queued
# again by the one sweeper (Celery beat, core.outbox.outbox_sweep).
PORTAL_SWEEP_GRACE_SECONDS = envint("PORTAL_SWEEP_GRACE_SECONDS", 300)
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {
        "task": "core.outbox.outbox_sweep",
        "schedule": envint("PORTAL_SWEEP_INTERVAL_SECONDS", 120),
    },
    "id-documents-sweep": {
        "task": "registration.tasks.id_documents_sweep",
        "schedule": 3600,
    },
    "expiry-reminders": {
        "task": "certificates.tasks.expiry_reminders_today",
        "schedule": crontab(hour=6, minute=0),
    },
    "campaigns-run": {
        "task": "certificates.tasks.campaigns_run_today",
        "schedule": crontab(hour=6, minute=15),
    },
    # The built-in CA's CRL files for the login check, valid a week, re-signed daily.
    "crl-files-refresh": {
        "task": "certificates.tasks.crl_files_refresh",
        "schedule": crontab(hour=5, minute=30),
    },
}
# Expiry reminders (issue 14): e-mailed this many days before a certificate expires,
# and once after it expired (certificates.reminders).
PORTAL_EXPIRY_REMINDER_DAYS = envdays("PORTAL_EXPIRY_REMINDER_DAYS", "90,60,30,14,7,3,1")
# Replacement campaigns (issue 14): besides the first notice, reminders are e-mailed
# this many days before a campaign's deadline (certificates.campaign_jobs).
PORTAL_CAMPAIGN_REMINDER_DAYS = envdays("PORTAL_CAMPAIGN_REMINDER_DAYS", "30,14,7,1")
# The portal's own address, for links in e-mails.
PORTAL_SITE_URL = os.environ.get("PORTAL_SITE_URL", "https://localhost").rstrip("/")

# --- Authentication -------------------------------------------------------
# Persons log in with their client certificate (SPEC.md §5); Django's own
# users are the back office (validation officers) in the admin.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# The back office (/beheer/) also needs the officer's own smartcard, mapped to
# the account (portal/backoffice_login.py). Failed passwords lock the account
# and the client's address out (django-axes, state in the database so every
# gunicorn worker sees it) until another officer unlocks them.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "audit.middleware.client_address"
AXES_LOCKOUT_CALLABLE = "portal.backoffice_login.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_COOLOFF_TIME = None  # no automatic expiry: another officer lifts the lockout
PORTAL_TRUSTED_PROXIES = envnetworks("PORTAL_TRUSTED_PROXIES", "127.0.0.1,::1")

PORTAL_PKI_DIR = envpath("PORTAL_PKI_DIR")
# nginx proves a request came through it with this secret (core/proxy_secret.py):
# without it no forwarded header counts, so nobody logs in with a certificate.
PORTAL_PROXY_SECRET_FILE = envpath("PORTAL_PROXY_SECRET_FILE") or (
    PORTAL_PKI_DIR / proxy_secret.SECRET_FILE if PORTAL_PKI_DIR is not None else None
)
try:
    PORTAL_PROXY_SECRET = proxy_secret.read(PORTAL_PROXY_SECRET_FILE)
except proxy_secret.ProxySecretError as error:
    raise ImproperlyConfigured(str(error)) from None


def _pki_default(name: str) -> Path | None:
    if PORTAL_PKI_DIR is None:
        return None
    path = PORTAL_PKI_DIR / name
    return path if path.exists() else None


PORTAL_TRUST_BUNDLE = envpath("PORTAL_TRUST_BUNDLE") or _pki_default("trust-bundle.pem")
# CRL files (PEM or DER) consulted for login certificates, besides the
# portal's own revocation records. Under the PKI directory even before it exists:
# the login check reads a missing directory as no CRLs, the built-in CA makes it
# when it first writes a CRL there.
PORTAL_CRL_DIR = envpath("PORTAL_CRL_DIR") or (
    PORTAL_PKI_DIR / "crl" if PORTAL_PKI_DIR is not None else None
)
PORTAL_SEAL_KEY = envpath("PORTAL_SEAL_KEY") or _pki_default("seal.key")
PORTAL_SEAL_CERT = envpath("PORTAL_SEAL_CERT") or _pki_default("seal.crt")
# The CA backend (SPEC.md §9, certificates/ca/). The built-in LocalCA issues
# with the <slug>.crt/<slug>.key pairs in PORTAL_CA_DIR and signs each CA's CRL,
# published at <PORTAL_CRL_BASE_URL>/<slug>.crl (the URL in issued certificates).
PORTAL_CA_BACKEND = os.environ.get("PORTAL_CA_BACKEND", "certificates.ca.local.LocalCA")
PORTAL_CA_DIR = envpath("PORTAL_CA_DIR") or _pki_default("ca")
PORTAL_CRL_BASE_URL = os.environ.get("PORTAL_CRL_BASE_URL", "http://localhost/crl").rstrip("/")
if not PORTAL_CRL_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(
        f"PORTAL_CRL_BASE_URL must start with http:// or https://, not {PORTAL_CRL_BASE_URL!r}"
    )
# Relying parties fetch the CRLs and CA certificates by that URL's host (nginx passes
# it on, deploy/nginx): the portal answers to it, also when it is not the portal's own.
_crl_host = urlsplit(PORTAL_CRL_BASE_URL).hostname
if _crl_host and ":" in _crl_host:
    _crl_host = f"[{_crl_host}]"
if _crl_host and "*" not in ALLOWED_HOSTS and _crl_host not in ALLOWED_HOSTS:
    ALLOWED_HOSTS.append(_crl_host)

# Digipoort server certificates get a service name the portal determines from
# the OIN (SPEC.md §7): <OIN>.<this domain>, a domain the TSP controls.
PORTAL_DIGIPOORT_DOMAIN = os.environ.get(
    "PORTAL_DIGIPOORT_DOMAIN", "digipoort.certificaatportaal.nl"
)

SESSION_COOKIE_AGE = envint("PORTAL_SESSION_SECONDS", 30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# --- Security -------------------------------------------------------------
# Behind nginx (deploy/nginx): TLS ends there and it sets X-Forwarded-Proto.
_https = envbool("PORTAL_HTTPS", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = _https
# CRLs and CA certificates are fetched over plain HTTP by relying parties
# that do not follow redirects (the URLs in issued certificates are http://).
SECURE_REDIRECT_EXEMPT = [r"^crl/"]
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_HSTS_SECONDS = envint("PORTAL_HSTS_SECONDS", 31536000 if _https else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = envbool("PORTAL_HSTS_PRELOAD", _https)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("https://", "http://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entries start with https:// or http://, not {_origin!r}"
        )

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Nederlands")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = envpath("STATIC_ROOT", BASE_DIR / "var" / "static", must_exist=False)
# Bootstrap comes from the npm registry (package.json), never from a CDN; our
# own JavaScript bundles (assets/, built by `make install`) land in var/build/js.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", BASE_DIR / "node_modules/bootstrap/dist"),
    ("js/build", BASE_DIR / "var/build/js"),
]
# Hashed, compressed names once `collectstatic` has written its manifest
# (production, the end-to-end tests); plain finders before that (make run,
# unit tests).
STATIC_MANIFEST = envbool("PORTAL_STATIC_MANIFEST", (STATIC_ROOT / "staticfiles.json").exists())
if STATIC_ROOT == BASE_DIR / "var" / "static":
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

# --- Uploads --------------------------------------------------------------
# Copies of ID documents (registration/id_documents.py): no URL serves them,
# only the back office reads them through the portal. Never under what
# WhiteNoise serves.
PORTAL_UPLOAD_DIR = envpath("PORTAL_UPLOAD_DIR", VAR_DIR / "uploads", must_exist=False)
for _served in (STATIC_ROOT, *(d[1] if isinstance(d, tuple) else d for d in STATICFILES_DIRS)):
    if PORTAL_UPLOAD_DIR.resolve().is_relative_to(Path(_served).resolve()):
        raise ImproperlyConfigured(
            f"PORTAL_UPLOAD_DIR {PORTAL_UPLOAD_DIR} lies under {_served}, which is served as"
            " static files"
        )

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail (Django's own names) -------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
# Or from a file (a container secret, deploy/compose/smtp-auth.yml), as DATABASE_PASSWORD_FILE.
if os.environ.get("EMAIL_HOST_PASSWORD_FILE"):
    if EMAIL_HOST_PASSWORD:
        raise ImproperlyConfigured(
            "EMAIL_HOST_PASSWORD and EMAIL_HOST_PASSWORD_FILE are both set: use one"
        )
    EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD_FILE") or ""
# Seconds an SMTP connect, read or write may take: a mail server that hangs fails the
# delivery (retried, core/tasks.py) instead of holding a worker process forever.
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 30)
if EMAIL_TIMEOUT <= 0:
    raise ImproperlyConfigured(
        f"EMAIL_TIMEOUT must be a number of seconds above 0, not {EMAIL_TIMEOUT}"
    )
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "certificaatportaal@localhost")

# --- Servicedesk (issue 13 point 6) ----------------------------------------
# The contact shown on every page ("neem contact op met de Servicedesk",
# manual §1.1, §9) and where a change form with a new authorised
# representative goes once printed and signed (manual §7.2, "Bijzondere
# scenario's" 1: to the afdeling PKIoverheid validatie). The defaults are
# demo values; a deployment sets its own.
PORTAL_SERVICEDESK_EMAIL = os.environ.get(
    "PORTAL_SERVICEDESK_EMAIL", "servicedesk@certificaatportaal.example"
)
PORTAL_SERVICEDESK_PHONE = os.environ.get("PORTAL_SERVICEDESK_PHONE", "")
PORTAL_SIGNED_FORMS_ADDRESS = os.environ.get(
    "PORTAL_SIGNED_FORMS_ADDRESS",
    "Certificaatportaal, afdeling PKIoverheid validatie, Postbus 1234, 1000 AB Voorbeeldstad",
)

# --- Logging --------------------------------------------------------------
# One JSON object per line in production (issue 16), plain text by default otherwise.
# Every line logged while a request is served carries its context
# (core/log_context.py); the access line is portal.request (portal/request_log.py).
# The same format for gunicorn's own lines (core/log_format.py).
PORTAL_LOG_FORMAT = log_format.log_format()
PORTAL_LOG_LEVEL = os.environ.get("PORTAL_LOG_LEVEL", "INFO").upper()
if PORTAL_LOG_LEVEL not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
    raise ImproperlyConfigured(
        "PORTAL_LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL,"
        f" not {PORTAL_LOG_LEVEL!r}"
    )
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_context": {"()": "core.log_context.RequestContextFilter"}},
    "formatters": log_format.FORMATTERS,
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": PORTAL_LOG_FORMAT,
            "filters": ["request_context"],
        }
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "portal": {"level": PORTAL_LOG_LEVEL},
        # The worker's own lines ("… ready.", tasks received and done) through the same
        # handler: Celery leaves the logging configuration to Django.
        "celery": {"level": "INFO"},
    },
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Demo PKI material (manage.py demo_pki, core/demo_material.py) in production only
# with this flag: a demonstration or test deployment; `check --deploy` warns too.
PORTAL_ALLOW_DEMO_PKI = envbool("PORTAL_ALLOW_DEMO_PKI", False)
if PORTAL_PRODUCTION and not PORTAL_ALLOW_DEMO_PKI:
    _demo_files = demo_material.demo_files(
        demo_material.pki_files(
            trust_bundle=PORTAL_TRUST_BUNDLE,
            seal_cert=PORTAL_SEAL_CERT,
            ca_dir=PORTAL_CA_DIR,
            pki_dir=PORTAL_PKI_DIR,
        )
    )
    if _demo_files:
        _refuse(
            "demo PKI material made by `manage.py demo_pki` is configured: "
            + ", ".join(str(path) for path in _demo_files)
            + ". Configure your own trust bundle (PORTAL_TRUST_BUNDLE), seal "
            "(PORTAL_SEAL_KEY/PORTAL_SEAL_CERT), CA (PORTAL_CA_DIR) and nginx server "
            "certificate, or set PORTAL_ALLOW_DEMO_PKI=1 for a demonstration deployment."
        )
if _refused:
    raise ImproperlyConfigured(
        "PORTAL_PRODUCTION=1, and start-up refuses:\n"
        + "\n".join(f"- {problem}" for problem in _refused)
    )
