"""One settings module, read from the environment.

Without any variable set it runs embedded: SQLite in the project folder and the
in-memory channel layer. `DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and
Redis. `.env.example` documents every variable.
"""

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}."
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off. Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
    # Only for local development: a fixed key keeps sessions across restarts.
    SECRET_KEY = "insecure-development-key-do-not-use-in-production-0123456789abcdef"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "allauth",
    "allauth.account",
    "django_countries",
    "ninja",
    "diaspora.accounts",
    "diaspora.reference",
    "diaspora.people",
    "diaspora.institutions",
    "diaspora.needs",
    "diaspora.matches",
    "diaspora.notifications",
    "diaspora.communities",
    "diaspora.moderation",
    "diaspora.matching",
    "diaspora.imports",
    "diaspora.demo",
    "mentoring.engagements",
    "mentoring.mentorships",
    "mentoring.courses",
    "mentoring.projects",
    "mentoring.scheduling",
    "mentoring.rooms",
    "realtime",
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
    "allauth.account.middleware.AccountMiddleware",
    "diaspora.accounts.middleware.UserTimezoneMiddleware",
]

ROOT_URLCONF = "diaspora.urls"
WSGI_APPLICATION = "diaspora.wsgi.application"
ASGI_APPLICATION = "diaspora.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "diaspora.context_processors.navigation",
                "diaspora.notifications.context_processors.unread",
                "diaspora.moderation.context_processors.moderates_something",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0), conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer --------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # channels-redis waits for messages in a 5 s BZPOPMIN; redis-py 8 times reads
                # out after 5 s by default, which would kill every idle websocket.
                # A thousand people leaving a class at once each discard their groups:
                # redis-py's default pool (100 connections) refuses the rest.
                "hosts": [
                    {
                        "address": REDIS_URL,
                        "socket_timeout": 15,
                        "max_connections": env_int("REDIS_MAX_CONNECTIONS", 1000),
                    }
                ],
                "prefix": os.environ.get("REDIS_PREFIX", "dkn"),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Accounts -------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = os.environ.get(
    "ACCOUNT_EMAIL_VERIFICATION", "optional" if DEBUG else "mandatory"
)
if not DEBUG and ACCOUNT_EMAIL_VERIFICATION != "mandatory":
    raise ImproperlyConfigured("Email verification must be mandatory when DEBUG is off.")
ACCOUNT_SIGNUP_FORM_CLASS = "diaspora.accounts.forms.RoleSignupForm"
ACCOUNT_ADAPTER = "diaspora.accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Diaspora Knowledge Network] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# allauth's rate limits are on by default; they are stated here so nobody switches them off
# without seeing it. They count in the cache, which must be shared between processes.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
}

# --- Cache (rate limits live here) ---------------------------------------
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("REDIS_PREFIX", "dkn"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Email ----------------------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Diaspora Knowledge Network <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "/media/"

# --- Security -------------------------------------------------------------
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
if env_bool("BEHIND_TLS_PROXY", not DEBUG):
    # The reverse proxy terminates TLS and says so in this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Rate limits count per client IP: the last X-Forwarded-For entry, not the proxy's address.
    ALLAUTH_TRUSTED_PROXY_COUNT = 1

# --- Platform limits ------------------------------------------------------
MARKDOWN_MAX_LENGTH = env_int("MARKDOWN_MAX_LENGTH", 50_000)
# Rendering runs in worker processes and is cut off after this many seconds.
MARKDOWN_RENDER_TIMEOUT = float(os.environ.get("MARKDOWN_RENDER_TIMEOUT", "2"))
MARKDOWN_WORKERS = env_int("MARKDOWN_WORKERS", 2)
DIRECTORY_PAGE_SIZE = env_int("DIRECTORY_PAGE_SIZE", 20)
INSTITUTION_INVITATION_DAYS = env_int("INSTITUTION_INVITATION_DAYS", 14)

# --- Matching -------------------------------------------------------------
# Overrides of the matching weights (see diaspora/matching/weights.py for the names and
# defaults), as JSON: MATCHING_WEIGHTS='{"language": 2.0}'. Unknown names are refused.
MATCHING_WEIGHTS: dict[str, float] = json.loads(os.environ.get("MATCHING_WEIGHTS", "{}") or "{}")
# Days an invitation or an expression of interest waits for an answer before it expires.
PROPOSAL_ANSWER_DAYS = env_int("PROPOSAL_ANSWER_DAYS", 14)
# How many of the best-fitting experts hear of a newly opened need.
NEW_NEED_NOTIFY_TOP = env_int("NEW_NEED_NOTIFY_TOP", 10)
# After a restart the index builds in the background; a ranking waits this long for it, then
# is answered by an exact but slower ranking of a database shortlist of this many experts.
MATCHING_BUILD_WAIT = float(os.environ.get("MATCHING_BUILD_WAIT", "2"))
MATCHING_FALLBACK_CANDIDATES = env_int("MATCHING_FALLBACK_CANDIDATES", 2000)
# Each ranking first takes in rows changed since its last look, minus this margin (seconds)
# for clocks and transactions that commit late.
MATCHING_SYNC_OVERLAP = float(os.environ.get("MATCHING_SYNC_OVERLAP", "10"))

# --- Engagements ---------------------------------------------------------
ENGAGEMENT_INVITATION_DAYS = env_int("ENGAGEMENT_INVITATION_DAYS", 14)
# Uploaded course materials: the largest file accepted, in megabytes.
MATERIAL_MAX_MB = env_int("MATERIAL_MAX_MB", 20)
# Reminders go out this many minutes before a live session starts.
SESSION_REMINDER_MINUTES = env_int("SESSION_REMINDER_MINUTES", 60)
# An open engagement with no timeline activity for this many days counts as stalled.
ENGAGEMENT_STALLED_DAYS = env_int("ENGAGEMENT_STALLED_DAYS", 30)
# A session can be joined this many minutes before it starts.
LIVE_SESSION_JOIN_EARLY_MINUTES = env_int("LIVE_SESSION_JOIN_EARLY_MINUTES", 15)

# How a live room's events reach its sockets: "process" (each process subscribes once per
# room and fans out to its own sockets) or "socket" (Channels' default: one channel-layer
# message per socket). "socket" is kept so that bench/live_fanout.py can measure the
# difference; leave the default.
LIVE_FANOUT = os.environ.get("LIVE_FANOUT", "process")
if LIVE_FANOUT not in {"process", "socket"}:
    raise ImproperlyConfigured("LIVE_FANOUT is process or socket.")

# --- Calls in live rooms (WebRTC, peer to peer) ---------------------------
# STUN finds a browser's public address; TURN relays media when no direct path exists (strict
# NATs, many campus networks). Without any, calls work only where browsers reach each other.
RTC_STUN_URLS = env_list("RTC_STUN_URLS", [])
RTC_TURN_URLS = env_list("RTC_TURN_URLS", [])
# Either a fixed TURN login, or coturn's shared secret (use-auth-secret), from which each person
# gets credentials that expire after RTC_TURN_TTL seconds.
RTC_TURN_USERNAME = os.environ.get("RTC_TURN_USERNAME", "")
RTC_TURN_CREDENTIAL = os.environ.get("RTC_TURN_CREDENTIAL", "")
RTC_TURN_SECRET = os.environ.get("RTC_TURN_SECRET", "")
RTC_TURN_TTL = env_int("RTC_TURN_TTL", 6 * 3600)
# Everyone in a call sends to everyone else (a mesh): past this many people, the room offers
# the session's external video link instead.
RTC_MESH_LIMIT = env_int("RTC_MESH_LIMIT", 6)

# --- Communities and forums -----------------------------------------------
# A post hidden by flags from this many different members waits for a moderator.
FORUM_AUTO_HIDE_FLAGS = env_int("FORUM_AUTO_HIDE_FLAGS", 3)
# An account younger than this many days is a new member, with the limits below.
FORUM_NEW_MEMBER_DAYS = env_int("FORUM_NEW_MEMBER_DAYS", 3)
FORUM_NEW_MEMBER_THREADS = env_int("FORUM_NEW_MEMBER_THREADS", 3)  # threads in those days
FORUM_NEW_MEMBER_LINKS = env_int("FORUM_NEW_MEMBER_LINKS", 2)  # links in one post
FORUM_NEW_MEMBER_POSTS_PER_HOUR = env_int("FORUM_NEW_MEMBER_POSTS_PER_HOUR", 10)
# Every member: posts in any one minute, and new threads in any one hour.
FORUM_POSTS_PER_MINUTE = env_int("FORUM_POSTS_PER_MINUTE", 6)
FORUM_THREADS_PER_HOUR = env_int("FORUM_THREADS_PER_HOUR", 10)
# Posts on one page of a thread, threads on one page of a community.
FORUM_POSTS_PER_PAGE = env_int("FORUM_POSTS_PER_PAGE", 20)
FORUM_THREADS_PER_PAGE = env_int("FORUM_THREADS_PER_PAGE", 25)
# Community invitations expire after this many days.
COMMUNITY_INVITATION_DAYS = env_int("COMMUNITY_INVITATION_DAYS", 14)

# --- Logging --------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
