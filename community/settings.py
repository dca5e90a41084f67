"""Settings, read from the environment only.

Without DATABASE_URL and REDIS_URL the platform runs embedded: SQLite, a Celery
broker on the file system and mail written to files, all under var/. With them
it runs on PostgreSQL and Redis. Every variable is listed in .env.example.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Production (DJANGO_DEBUG off) needs a long random "
            "secret: generate one with "
            'python -c "import secrets; print(secrets.token_urlsafe(50))" '
            "and put it in the environment or in .env (see .env.example)."
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "django-insecure-embedded-development-key-not-for-production"  # noqa: S105

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = "Newcomers' Corner"

# The ask checklist's follow-up: an answered thread with nothing accepted after this long
# reminds its asker once.
QA_FOLLOWUP_REMINDER_AFTER = dt.timedelta(hours=env.float("QA_FOLLOWUP_REMINDER_HOURS", default=72))

# HTTPS-only behaviour is on unless DEBUG, or explicitly off for a plain-HTTP
# deployment on loopback behind nothing.
HTTPS = env.bool("DJANGO_HTTPS", default=not DEBUG)

ADMIN_PATH = env.str("DJANGO_ADMIN_PATH", default="admin/").strip("/") + "/"

# ---------------------------------------------------------------------------
# Applications

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "allauth",
    "allauth.account",
    "accounts",
    "qa",
    "mentoring",
    "moderation",
    "community",
]

MIDDLEWARE = [
    # First, so that nothing reads a request body before its size is checked.
    "community.limits.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "community.input_guard.InputGuardMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session (it reads the language cookie and the session), before
    # CommonMiddleware (whose redirects should be in the visitor's language).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Times in the signed-in member's time zone (a visitor's are in UTC).
    "accounts.middleware.TimeZoneMiddleware",
    # A signed-in member's chosen language wins over the cookie and Accept-Language.
    "accounts.language.MemberLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SuspensionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "community.urls"
WSGI_APPLICATION = "community.wsgi.application"

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
                "community.context_processors.site",
                "accounts.context_processors.notifications",
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database


def _database(url: str | None) -> dict[str, Any]:
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                # WAL and a busy timeout let the web process and the worker share the file.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "sqlite"}:
        raise ImproperlyConfigured(
            f"DATABASE_URL has the scheme {scheme!r}, which this platform does not support. "
            "Use postgres://USER:PASSWORD@HOST:PORT/NAME (or leave DATABASE_URL unset for the "
            "embedded SQLite database under var/)."
        )
    config: dict[str, Any] = env.db_url_config(url)
    if config["ENGINE"] == "django.db.backends.postgresql":
        config["CONN_HEALTH_CHECKS"] = True
        config["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
        # No JIT compilation unless the URL asks for it (?options=-c jit=on): it costs
        # seconds on the large aggregates of the community health figures and does not
        # pay off on the site's short queries (docs/benchmarks.md).
        config.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
        if env.bool("DJANGO_DB_POOL", default=False):
            # Django's psycopg pool per process instead of one persistent connection
            # (measured against it in docs/benchmarks.md, "Connection pooling").
            config["OPTIONS"]["pool"] = {
                "min_size": 1,
                "max_size": env.int("DJANGO_DB_POOL_MAX", default=4),
            }
            config["CONN_MAX_AGE"] = 0
    return config


DATABASES = {"default": _database(env.str("DATABASE_URL", default="") or None)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMBEDDED = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
# SQLite builds the covering indexes of the health figures without their INCLUDE columns:
# still the same index on the key, so the warning says nothing to act on.
SILENCED_SYSTEM_CHECKS = ["models.W040"] if EMBEDDED else []

# ---------------------------------------------------------------------------
# Redis: the Celery broker and the cache. Embedded: a file-system broker and a file cache.

REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "community.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "community",
        }
    }
else:
    CACHES = {
        "default": {
            # Shared by the web process and the worker, unlike the local-memory cache.
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": VAR_DIR / "cache",
        }
    }

# Rendered thread pages and question lists are cached until what they show changes
# (qa/page_cache.py); this many seconds at most, which bounds how old the clock ("edited
# 3 minutes ago") and the view count on a cached page can be. 0 turns the cache off.
PAGE_CACHE_SECONDS = env.int("DJANGO_PAGE_CACHE_SECONDS", default=120)

# ---------------------------------------------------------------------------
# Celery (read by community/celery.py through the CELERY_ namespace)

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        # Longer than the longest task's ETA or time limit, so a late-acked
        # task is redelivered only when its worker really died.
        "visibility_timeout": 3600,
        # Publishing from a request gives up within about a second when Redis is down
        # (instead of six): the outbox row waits and the relay publishes it later.
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.5,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker" / "queue"),
        "data_folder_out": str(VAR_DIR / "broker" / "queue"),
        "processed_folder": str(VAR_DIR / "broker" / "processed"),
        "control_folder": str(VAR_DIR / "broker" / "control"),
        "store_processed": False,
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TASK_DEFAULT_QUEUE = "default"
# Account mail and immediate notifications on "mail"; digests on their own queue, so a big
# digest run never delays a reply notification.
CELERY_TASK_ROUTES = {
    "accounts.tasks.notification_send": {"queue": "mail"},
    "accounts.tasks.digest_send": {"queue": "digest"},
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULE = {
    "flush-view-counts": {
        "task": "qa.tasks.view_counts_flush",
        "schedule": 30,
    },
    "clear-expired-sessions": {
        "task": "accounts.tasks.sessions_clear_expired",
        "schedule": 6 * 60 * 60,
    },
    "purge-old-checklist-evidence": {
        "task": "qa.tasks.evidence_purge",
        "schedule": 60 * 60,
    },
    "relay-unsent-notifications": {
        "task": "accounts.tasks.notifications_relay",
        "schedule": env.float("NOTIFICATIONS_RELAY_SECONDS", default=60),
    },
    "send-daily-digests": {
        "task": "accounts.tasks.digests_send",
        "schedule": 10 * 60,
    },
    "apply-claim-timers": {
        "task": "mentoring.tasks.claims_apply_timers",
        "schedule": 60,
    },
    "remind-askers-to-follow-up": {
        "task": "qa.tasks.followup_remind",
        "schedule": 60 * 60,
    },
    # The moderators' digest of the ISO week that ended on Monday 00:00 UTC. Hourly, not
    # weekly: the outbox row is keyed by the week and the moderator, so every run after
    # the first writes nothing, and a beat that was down on Monday (a missed or late run)
    # or a moderator who joined since is caught up within the hour.
    "send-health-digests": {
        "task": "community.tasks.health_digests_send",
        "schedule": 60 * 60,
    },
}
CELERY_TIMEZONE = "UTC"

# ---------------------------------------------------------------------------
# Mail

MAIL_DIR = VAR_DIR / "mail"
MAIL_TIMEOUT_SECONDS = 15
_SMTP = "django.core.mail.backends.smtp.EmailBackend"
_MAIL_SCHEMES: dict[str, tuple[str, dict[str, Any]]] = {
    "smtp": (_SMTP, {}),
    "smtp+tls": (_SMTP, {"use_tls": True}),
    "smtps": (_SMTP, {"use_tls": True}),
    "smtp+ssl": (_SMTP, {"use_ssl": True}),
    "filemail": ("django.core.mail.backends.filebased.EmailBackend", {}),
    "consolemail": ("django.core.mail.backends.console.EmailBackend", {}),
    "memorymail": ("django.core.mail.backends.locmem.EmailBackend", {}),
}


def _mailer(url: str) -> dict[str, Any]:
    """EMAIL_URL as a Django mailer: smtp://user:password@host:port, smtp+tls://,
    smtp+ssl://, filemail:///relative/folder or filemail:////absolute/folder,
    consolemail://, memorymail://."""
    parts = urlsplit(url)
    if parts.scheme not in _MAIL_SCHEMES:
        raise ImproperlyConfigured(
            f"EMAIL_URL has the scheme {parts.scheme!r}; use one of "
            f"{', '.join(sorted(_MAIL_SCHEMES))} (see .env.example)."
        )
    backend, options = _MAIL_SCHEMES[parts.scheme]
    options = dict[str, Any](options)
    if backend == _SMTP:
        options.update(
            host=parts.hostname or "localhost",
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            timeout=MAIL_TIMEOUT_SECONDS,
        )
        if parts.port:
            options["port"] = parts.port
    elif parts.scheme == "filemail":
        options["file_path"] = str(BASE_DIR / (parts.path[1:] or "var/mail"))
    return {"BACKEND": backend, "OPTIONS": options}


_email_url = env.str("EMAIL_URL", default="")
if _email_url:
    MAILERS = {"default": _mailer(_email_url)}
elif DEBUG:
    MAILERS = {"default": _mailer("filemail:///var/mail")}
else:
    raise ImproperlyConfigured(
        "EMAIL_URL is not set. Production needs a mail server, for example "
        "EMAIL_URL=smtp+tls://user:password@smtp.example.org:587 (see .env.example)."
    )
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{SITE_NAME} <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL


def _embedded_folders() -> list[Path]:
    """The folders under var/ that the embedded parts in use write to."""
    folders = []
    if EMBEDDED and str(DATABASES["default"]["NAME"]).startswith(str(VAR_DIR)):
        folders.append(VAR_DIR)
    if not REDIS_URL:
        folders += [
            VAR_DIR / "cache",
            *(VAR_DIR / "broker" / p for p in ("queue", "processed", "control")),
        ]
    file_path = MAILERS["default"]["OPTIONS"].get("file_path")
    if file_path:
        folders.append(Path(file_path))
    return folders


# A fresh clone has no var/: every command (system checks open the SQLite file before
# any command runs) and the worker must find the folders there, not only `make run`.
for _folder in _embedded_folders():
    _folder.mkdir(parents=True, exist_ok=True)

# Mentoring (mentoring/): a claim's first reply is due within this many hours, and a
# mentor is offered at most this many threads a day.
MENTORING_FIRST_REPLY_HOURS = env.float("MENTORING_FIRST_REPLY_HOURS", default=4)
MENTORING_DAILY_OFFER_CAP = env.int("MENTORING_DAILY_OFFER_CAP", default=10)
# Threads posted within this many hours are offered to mentors (not the whole archive).
MENTORING_OFFER_WINDOW_HOURS = env.int("MENTORING_OFFER_WINDOW_HOURS", default=48)
# Wave 1 offers a newcomer's thread to this many mentors at once, wave 2 to this many
# more after MENTORING_WAVE2_AFTER_HOURS.
MENTORING_WAVE1_SIZE = env.int("MENTORING_WAVE1_SIZE", default=3)
MENTORING_WAVE2_SIZE = env.int("MENTORING_WAVE2_SIZE", default=5)
MENTORING_WAVE2_AFTER_HOURS = env.float("MENTORING_WAVE2_AFTER_HOURS", default=2)
# Moderators are told when nobody claimed a thread within this many hours, or at once
# when fewer than MENTORING_FEW_MENTORS mentors are eligible; the asker is asked to
# edit or re-tag after MENTORING_RETAG_AFTER_DAYS.
MENTORING_ESCALATE_AFTER_HOURS = env.float("MENTORING_ESCALATE_AFTER_HOURS", default=12)
MENTORING_FEW_MENTORS = env.int("MENTORING_FEW_MENTORS", default=3)
MENTORING_RETAG_AFTER_DAYS = env.int("MENTORING_RETAG_AFTER_DAYS", default=7)
# After the first reply: the mentor is nudged on these days of the asker's wait and the
# thread requeued after MENTORING_MENTOR_REQUEUE_DAYS; the asker is nudged on these days.
MENTORING_MENTOR_NUDGE_DAYS = env.list("MENTORING_MENTOR_NUDGE_DAYS", cast=int, default=[2, 4])
MENTORING_MENTOR_REQUEUE_DAYS = env.int("MENTORING_MENTOR_REQUEUE_DAYS", default=7)
MENTORING_ASKER_NUDGE_DAYS = env.list("MENTORING_ASKER_NUDGE_DAYS", cast=int, default=[7, 14])
# A newcomer has at most this many threads waiting for a mentor at once; later ones wait
# for one of those to be taken before they are offered.
MENTORING_NEWCOMER_WAITING_MAX = env.int("MENTORING_NEWCOMER_WAITING_MAX", default=2)
# A long-term mentorship request nobody answered expires after this many days.
MENTORING_MENTORSHIP_REQUEST_DAYS = env.int("MENTORING_MENTORSHIP_REQUEST_DAYS", default=14)
# The wait estimate shown to an asker reads claims of the last this many days.
MENTORING_ESTIMATE_DAYS = env.int("MENTORING_ESTIMATE_DAYS", default=30)

# A member is a newcomer while their account is younger than NEWCOMER_DAYS and fewer
# than NEWCOMER_SOLVED_THREADS of their threads are solved or answers accepted.
NEWCOMER_DAYS = env.int("NEWCOMER_DAYS", default=30)
NEWCOMER_SOLVED_THREADS = env.int("NEWCOMER_SOLVED_THREADS", default=3)

# Posting limits for newcomers (qa/limits.py): seconds between questions and between
# answers, how many of each on the first day, and links per post.
LIMITS_NEWCOMER_QUESTION_INTERVAL_SECONDS = env.int(
    "LIMITS_NEWCOMER_QUESTION_INTERVAL_SECONDS", default=120
)
LIMITS_NEWCOMER_ANSWER_INTERVAL_SECONDS = env.int(
    "LIMITS_NEWCOMER_ANSWER_INTERVAL_SECONDS", default=30
)
LIMITS_NEWCOMER_QUESTIONS_FIRST_DAY = env.int("LIMITS_NEWCOMER_QUESTIONS_FIRST_DAY", default=3)
LIMITS_NEWCOMER_ANSWERS_FIRST_DAY = env.int("LIMITS_NEWCOMER_ANSWERS_FIRST_DAY", default=10)
LIMITS_NEWCOMER_LINKS_PER_POST = env.int("LIMITS_NEWCOMER_LINKS_PER_POST", default=2)

# Moderation (moderation/): a post flagged by this many distinct established members is
# hidden until a moderator reviews it.
MODERATION_FLAGS_TO_HIDE = env.int("MODERATION_FLAGS_TO_HIDE", default=3)

# Notifications (accounts/notifications.py).
_mail_domain = DEFAULT_FROM_EMAIL.rstrip(">").rpartition("@")[2] or "localhost"
NOTIFICATIONS_MESSAGE_ID_DOMAIN = env.str("NOTIFICATIONS_MESSAGE_ID_DOMAIN", default=_mail_domain)
# The mailto: of List-Unsubscribe; the one-click https link works without it.
NOTIFICATIONS_UNSUBSCRIBE_MAILTO = env.str(
    "NOTIFICATIONS_UNSUBSCRIBE_MAILTO", default=f"unsubscribe@{_mail_domain}"
)
NOTIFICATIONS_COALESCE_MINUTES = env.float("NOTIFICATIONS_COALESCE_MINUTES", default=10)
NOTIFICATIONS_DAILY_CAP = env.int("NOTIFICATIONS_DAILY_CAP", default=20)
NOTIFICATIONS_DIGEST_HOUR = env.int("NOTIFICATIONS_DIGEST_HOUR", default=7)
# Transient SMTP errors are retried for this long, then the row fails.
NOTIFICATIONS_RETRY_FOR_SECONDS = env.int("NOTIFICATIONS_RETRY_FOR_SECONDS", default=3600)
# A row in "sending" this long belongs to a worker that died: the relay sends it again.
NOTIFICATIONS_STUCK_AFTER_SECONDS = env.int("NOTIFICATIONS_STUCK_AFTER_SECONDS", default=300)
# The relay leaves rows this young to the task their own commit queued.
NOTIFICATIONS_RELAY_GRACE_SECONDS = env.int("NOTIFICATIONS_RELAY_GRACE_SECONDS", default=30)

# ---------------------------------------------------------------------------
# Accounts

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # Checks every sign-in (pages, API token, admin) with one password hash, whether or not
    # the account exists. The two after it only keep sessions they signed in valid.
    "accounts.adapter.AuthenticationBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Hashes the password for a taken address too, so sign-up takes as long either way.
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
# Failed logins: 10 a minute per address, 5 per 5 minutes per account. A success
# does not reset the counters, and the per-account block lifts after 5 minutes,
# so a guesser cannot lock a member out for long.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
# The API token endpoint, counted the same way in the cache.
API_TOKEN_RATE_LIMIT = {"per_ip": (10, 60), "per_account": (5, 300)}

# ---------------------------------------------------------------------------
# REST API

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous request gets 401 with WWW-Authenticate: Token.
        "accounts.api.authentication.ActiveTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    # drf-spectacular's, plus the error responses each operation can give.
    "DEFAULT_SCHEMA_CLASS": "community.api_schema.CommunityAutoSchema",
    # JSON only, in a browser too: the browsable API's pages carry inline styles that the
    # site's Content-Security-Policy refuses. People read the API at /api/v1/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "community.api.StrictJSONParser",
        "community.api.StrictFormParser",
        "community.api.StrictMultiPartParser",
    ],
    "EXCEPTION_HANDLER": "community.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SITE_NAME} API",
    "DESCRIPTION": "Questions, answers, mentoring and moderation for an open-source community.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "QuestionStatusEnum": "qa.models.QUESTION_STATUS_CHOICES",
        "MentorStatusEnum": "mentoring.models.MENTOR_STATUS_CHOICES",
        # A member's interface language (/api/v1/me/), not an FAQ entry's language.
        "InterfaceLanguageEnum": "community.settings.LANGUAGES",
        "FaqLanguageEnum": "qa.models.FAQ_LANGUAGE_CHOICES",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# ---------------------------------------------------------------------------
# Security

# The largest request body accepted (community/limits.py); no page or endpoint takes a file.
# A question with its five long fields full (5 x 30,000 characters) stays under 1.8 MB
# even percent-encoded with four-byte characters.
MAX_REQUEST_BYTES = env.int("DJANGO_MAX_REQUEST_BYTES", default=2 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BYTES

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # __Host- cookies are bound to this exact host and are only sent over HTTPS.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_HSTS_SECONDS = 31_536_000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
# Trust the site's own origin for CSRF when it runs behind a proxy on another port.
CSRF_TRUSTED_ORIGINS = [SITE_URL]

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "https:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# ---------------------------------------------------------------------------
# Static files, internationalisation

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

LANGUAGE_CODE = "en"
# The interface languages. Django maps a browser's zh, zh-CN and zh-SG to zh-hans, and
# (there being no Traditional Chinese translation) zh-TW and zh-HK too: a reader of
# Traditional Chinese reads Simplified far more easily than English, and the switcher
# in the header changes it. Any other language falls back to English.
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------------------
# Logging: to standard output, where gunicorn, Celery and compose collect it.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
