"""Layak settings: every value comes from the environment (see README, "Environment variables").

A missing SECRET_KEY or field-encryption key fails loudly unless DEBUG is on (issue #2).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
import django_stubs_ext
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_secret, env_str

django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LAYAK_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-DEBUG-on"  # noqa: S105
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS")

# Field and file encryption of children's data (layak/core/crypto.py, docs/keys.md): the first
# key encrypts, every key decrypts; `layak reencrypt` moves everything under the first key.
# Independent of SECRET_KEY (issue #11).
LAYAK_ENCRYPTION_KEYS = [
    key.strip() for key in env_secret("LAYAK_ENCRYPTION_KEYS").split(",") if key.strip()
]
if not LAYAK_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "LAYAK_ENCRYPTION_KEYS (or LAYAK_ENCRYPTION_KEYS_FILE) must be set when DEBUG is off."
        )
    LAYAK_ENCRYPTION_KEYS = ["insecure-development-encryption-key"]
# Read only by django-fernet-encrypted-fields, still imported by old migrations.
SALT_KEY = LAYAK_ENCRYPTION_KEYS

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

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
    "axes",
    "csp",
    "django_filters",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "layak.core",
    "layak.regions",
    "layak.accounts",
    "layak.evaluations",
    "layak.cases",
    "layak.families",
    "layak.community",
    "layak.participation",
    "layak.indicators",
    "layak.plans",
    "layak.dashboards",
    "layak.portal",
]

MIDDLEWARE = [
    # First: NUL, control characters and broken UTF-8 in the path, query or form are refused
    # before any view or filter sees them (issue 11, finding 9).
    "layak.core.middleware.RejectMalformedInputMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on every answer to a logged-in person (issue 11, finding 7).
    "layak.core.middleware.NoStoreForAuthenticatedMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "layak.core.middleware.AuditContextMiddleware",
    "layak.accounts.middleware.RequireTwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "layak.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'layak.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_POOL", False
):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = True
# The database password may live in its own file (DATABASE_PASSWORD_FILE), outside the URL, so
# it is rotated by rewriting that file and restarting (README, "Keys and rotation").
if _DATABASE_PASSWORD := env_secret("DATABASE_PASSWORD"):
    DATABASES["default"]["PASSWORD"] = _DATABASE_PASSWORD
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache (rate limits of log-in and password reset live here): "locmem" (one process),
# "redis://HOST:PORT/N" (several gunicorn workers share it) or "dummy" (tests: no limits).
_CACHE = env_str("LAYAK_CACHE", "locmem")
if _CACHE.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE}
    }
elif _CACHE == "dummy":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
elif _CACHE == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured("LAYAK_CACHE must be locmem, dummy or a redis:// URL.")

# --- Authentication ------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # django-axes' lockout, or the progressive delay of the TOTP roles (issue #11).
    "layak.accounts.lockout.LoginLimitBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("LAYAK_PASSWORD_MIN_LENGTH", 12)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "layak.accounts.passwords.CharacterClassValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "core:home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "layak.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Layak] "
# Failed password log-ins are counted by django-axes (one lockout rule, shown with its own
# page): the adapter skips allauth's own count of them. allauth applies the same "login_failed"
# limit, keyed per person, to two-factor codes, so they cannot be guessed without end.
ACCOUNT_RATE_LIMITS = {"login_failed": "5/300s/key"}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("LAYAK_MFA_ISSUER", "Layak")
# allauth refuses TOTP set-up while an address is unverified, against someone who signs up with
# another person's address. Layak has no sign-up: administrators record each address, and the
# invitation or reset link verifies it; a reset request (anyone can send one) must never stop a
# case worker from setting up two-factor login (issue #11, layak/accounts/README.md).
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Two-factor login is required of every role that can see a child's identity, derived from the
# permission rules (layak/core/identity.py, issue #11); this setting may only ADD roles.
LAYAK_MFA_REQUIRED_ROLES = env_list("LAYAK_MFA_REQUIRED_ROLES", [])

# Lockout after repeated failures (django-axes), per account name.
LAYAK_LOGIN_FAILURE_LIMIT = env_int("LAYAK_LOGIN_FAILURE_LIMIT", 5)
# The roles that must use TOTP (they see children's identities) are never locked: each attempt
# after LAYAK_LOGIN_DELAY_AFTER failures waits LAYAK_LOGIN_DELAY_SECONDS, doubled per failure,
# at most LAYAK_LOGIN_DELAY_MAX_SECONDS; a TOTP code lifts the delay (issue #11).
AXES_FAILURE_LIMIT = "layak.accounts.lockout.failure_limit"
AXES_LOCKOUT_CALLABLE = "layak.accounts.lockout.lockout_response"
LAYAK_LOGIN_DELAY_AFTER = env_int("LAYAK_LOGIN_DELAY_AFTER", 3)
LAYAK_LOGIN_DELAY_SECONDS = env_int("LAYAK_LOGIN_DELAY_SECONDS", 5)
LAYAK_LOGIN_DELAY_MAX_SECONDS = env_int("LAYAK_LOGIN_DELAY_MAX_SECONDS", 300)
# Wrong TOTP codes accepted on the self-unlock page per account per 15 minutes.
LAYAK_TOTP_UNLOCK_LIMIT = env_int("LAYAK_TOTP_UNLOCK_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LAYAK_LOGIN_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_CALLABLE = "layak.accounts.lockout.username_from_request"
AXES_LOCKOUT_TEMPLATE = "account/lockout.html"
AXES_RESET_ON_SUCCESS = True
# Refuse (429) every attempt while locked, without extending the lock on each try.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False
# Lockout is per account name on purpose (one person guessing from many addresses is the
# threat); axes warns that IP is not part of it.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_CLIENT_IP_CALLABLE = "layak.core.net.client_ip"

# Key of the audit trail's hash chain (HMAC-SHA-256; a production step: `layak check --deploy`
# warns without it, core.W001, see docs/audit.md). Without it the chain is plain
# SHA-256, which reveals edits made through Layak but not by someone who can rewrite the
# database and recompute every hash. Comma-separated: the first key signs new entries, every
# key verifies (rotation); entries record which key signed them, so older chains stay
# verifiable. From LAYAK_AUDIT_KEY or LAYAK_AUDIT_KEY_FILE.
LAYAK_AUDIT_KEYS = [key.strip() for key in env_secret("LAYAK_AUDIT_KEY").split(",") if key.strip()]

# Idle timeout: the session expires this long after the last request.
SESSION_COOKIE_AGE = env_int("LAYAK_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_COOKIES = env_bool("LAYAK_SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Security headers ------------------------------------------------------------------------
# Number of trusted reverse proxies in front of gunicorn (0: clients connect directly).
LAYAK_PROXY_COUNT = env_int("LAYAK_PROXY_COUNT", 0)
# allauth's rate limits must key on the same client address as the lockout and the audit trail.
ALLAUTH_TRUSTED_PROXY_COUNT = LAYAK_PROXY_COUNT
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if LAYAK_PROXY_COUNT else None
SECURE_SSL_REDIRECT = env_bool("LAYAK_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("LAYAK_HSTS_SECONDS", 0)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Language and time -----------------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "layak" / "locale"]
USE_I18N = True
TIME_ZONE = env_str("LAYAK_TIME_ZONE", "Asia/Makassar")
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(env_str("LAYAK_MEDIA_ROOT", str(VAR_DIR / "media")))
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- E-mail ----------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Layak <no-reply@localhost>")

# --- Background jobs ------------------------------------------------------------------------
# "database": jobs wait in the database for `layak db_worker`; "immediate": run at once (tests).
_TASKS = env_str("LAYAK_TASKS", "database")
_TASK_BACKENDS = {
    "database": "django_tasks_db.backend.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
if _TASKS not in _TASK_BACKENDS:
    raise ImproperlyConfigured("LAYAK_TASKS must be database or immediate.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_TASKS]}}
# Largest evidence file accepted (bytes).
LAYAK_UPLOAD_MAX_BYTES = env_int("LAYAK_UPLOAD_MAX_MB", 20) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Uploads stay in memory, never in a temporary file in clear (issue #11); files larger than
# the limit are not even kept (layak/core/uploads.py).
FILE_UPLOAD_HANDLERS = ["layak.core.uploads.MemoryOnlyUploadHandler"]
FILE_UPLOAD_MAX_MEMORY_SIZE = LAYAK_UPLOAD_MAX_BYTES

# --- Layak -----------------------------------------------------------------------------------
# The region (Kemendagri code) this deployment serves; records carry their own region so one
# database can serve many kab/kota.
LAYAK_HOME_REGION = env_str("LAYAK_HOME_REGION", "64.71")
# Public address of this deployment, used in links inside e-mails.
LAYAK_BASE_URL = env_str("LAYAK_BASE_URL", "http://127.0.0.1:8000")

# Case management (issue #4).
# Working days within which a new case's first follow-up is due.
LAYAK_CASE_FOLLOWUP_DAYS = env_int("LAYAK_CASE_FOLLOWUP_DAYS", 3)
# Hours a referral's receiver has to accept or decline before it escalates.
LAYAK_REFERRAL_RESPONSE_HOURS = env_int("LAYAK_REFERRAL_RESPONSE_HOURS", 48)
# Hours an emergency ("break-glass") access to a case lasts.
LAYAK_BREAK_GLASS_HOURS = env_int("LAYAK_BREAK_GLASS_HOURS", 4)
# Agency code (within the kab/kota) that receives public and PATBM reports.
LAYAK_CASE_INTAKE_AGENCY = env_str("LAYAK_CASE_INTAKE_AGENCY", "uptd-ppa")
# Count only cases with consent to statistics in every statistic.
LAYAK_CASE_STATS_REQUIRE_CONSENT = env_bool("LAYAK_CASE_STATS_REQUIRE_CONSENT", False)
# Disclosure control (layak.core.disclosure, docs/disclosure.md): counts of 1..LAYAK_SMALL_CELL-1
# are never published; further cells are hidden until a reader of everything published together
# cannot narrow a small count to fewer than LAYAK_PROTECTION_RANGE values (by default the
# same 5), nor push it below/above the lower/upper protection levels. Zeros are published
# unless LAYAK_SHOW_ZEROS is off. Every hidden cell shows the same mark.
LAYAK_SMALL_CELL = env_int("LAYAK_SMALL_CELL", 5)
LAYAK_PROTECTION_RANGE = env_int("LAYAK_PROTECTION_RANGE", LAYAK_SMALL_CELL)
LAYAK_PROTECTION_UPPER = env_int("LAYAK_PROTECTION_UPPER", 0)
LAYAK_PROTECTION_LOWER = env_int("LAYAK_PROTECTION_LOWER", 0)
LAYAK_SHOW_ZEROS = env_bool("LAYAK_SHOW_ZEROS", True)
LAYAK_HIDDEN_MARK = env_str("LAYAK_HIDDEN_MARK", "[c]")
# Years after closure when `layak anonymise_closed_cases` removes identifying data.
LAYAK_CASE_RETENTION_YEARS = env_int("LAYAK_CASE_RETENTION_YEARS", 10)
# Public report form: submissions and status checks allowed per address per hour.
LAYAK_PUBLIC_FORM_PER_HOUR = env_int("LAYAK_PUBLIC_FORM_PER_HOUR", 5)
LAYAK_PUBLIC_STATUS_PER_HOUR = env_int("LAYAK_PUBLIC_STATUS_PER_HOUR", 20)
# Duplicate checks (is this child already known?) one person may run per hour.
LAYAK_DUPLICATE_CHECKS_PER_HOUR = env_int("LAYAK_DUPLICATE_CHECKS_PER_HOUR", 60)
# Roles that may open a case outside their scope in an emergency ("break glass").
LAYAK_BREAK_GLASS_ROLES = env_list("LAYAK_BREAK_GLASS_ROLES", ["case_manager"])
# Puspaga (issue #5): public consultation requests and certificate checks per address per
# hour, how many days ahead free slots are offered, and the earliest online booking.
LAYAK_PUSPAGA_REQUESTS_PER_HOUR = env_int("LAYAK_PUSPAGA_REQUESTS_PER_HOUR", 5)
LAYAK_PUSPAGA_CHECKS_PER_HOUR = env_int("LAYAK_PUSPAGA_CHECKS_PER_HOUR", 20)
LAYAK_PUSPAGA_BOOKING_DAYS = env_int("LAYAK_PUSPAGA_BOOKING_DAYS", 14)
LAYAK_PUSPAGA_MIN_NOTICE_HOURS = env_int("LAYAK_PUSPAGA_MIN_NOTICE_HOURS", 2)
# PATBM: a group "functions" when active with an activity in the last N months.
LAYAK_PATBM_FUNCTIONING_MONTHS = env_int("LAYAK_PATBM_FUNCTIONING_MONTHS", 6)
# Forum Anak: days an agency has to answer a routed aspiration; public aspirations per
# address per hour.
LAYAK_ASPIRATION_DUE_DAYS = env_int("LAYAK_ASPIRATION_DUE_DAYS", 30)
LAYAK_ASPIRATION_FORM_PER_HOUR = env_int("LAYAK_ASPIRATION_FORM_PER_HOUR", 5)
# Indicator imports larger than this many bytes run as a background job (issue #6).
LAYAK_INDICATOR_IMPORT_INLINE_BYTES = env_int("LAYAK_INDICATOR_IMPORT_INLINE_BYTES", 100_000)
# Action plan: days before a follow-up's due date when the first reminder goes out, and how
# many percentage points an action may lag the year's straight line before it is "behind".
LAYAK_PLANS_REMIND_DAYS = env_int("LAYAK_PLANS_REMIND_DAYS", 3)
LAYAK_PLANS_SLIPPAGE_TOLERANCE = env_int("LAYAK_PLANS_SLIPPAGE_TOLERANCE", 10)
# The public portal caches its pages (per language) for this many seconds.
LAYAK_PORTAL_CACHE_SECONDS = env_int("LAYAK_PORTAL_CACHE_SECONDS", 600)
# Background-built documents (PDFs) not downloaded are deleted after this many hours.
LAYAK_DOCUMENT_HOURS = env_int("LAYAK_DOCUMENT_HOURS", 24)
# Which evaluation indicator each module's suggested figures support ("key=code,...");
# every provider has a default (layak/evaluations/suggestions.py).
LAYAK_SUGGESTION_INDICATORS = dict(
    item.split("=", 1) for item in env_list("LAYAK_SUGGESTION_INDICATORS") if "=" in item
)
# Key of the blind indexes used by the duplicate check; default: the last encryption key.
LAYAK_INDEX_KEY = env_secret("LAYAK_INDEX_KEY")

# A 4xx (a refused or unknown page) is logged as one line without traceback or query string
# (issue 11, finding 11): layak/core/logging.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"client_error_one_line": {"()": "layak.core.logging.ClientErrorOneLine"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["client_error_one_line"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"filters": ["client_error_one_line"]},
        "django.security": {"filters": ["client_error_one_line"]},
        "django.security.csrf": {"filters": ["client_error_one_line"]},
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
