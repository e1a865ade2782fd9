"""Settings shared by every environment. Values come from environment variables (see .env.example)."""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from jewelcrm.dbserver import embedded_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()
# A local .env file fills in variables that are not already set (DJANGO_ENV_FILE names another file).
ENV_FILE = Path(env("DJANGO_ENV_FILE", default=str(BASE_DIR / ".env")))
if ENV_FILE.is_file():
    environ.Env.read_env(ENV_FILE)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-key-not-for-production")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    # Project apps first: their management commands (migrate, runserver) take precedence.
    "jewelcrm.tenancy",
    "jewelcrm.accounts",
    "jewelcrm.retail",
    "jewelcrm.catalog",
    "jewelcrm.billing",
    "jewelcrm.imports",
    "jewelcrm.messaging",
    "customers",
    "warranties.inventory",
    "warranties",
    "warranties.portal",
    "warranties.customer_360",
    "segmentation",
    "segmentation.insights",
    "campaigns",
    "campaigns.content",
    "campaigns.delivery",
    "campaigns.outreach",
    "campaigns.audiences",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "django_countries",
    "django_htmx",
    "django_celery_beat",
    "axes",
    "csp",
    "anymail",
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
    "jewelcrm.accounts.middleware.SessionExpiryMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Signed-in and portal pages: Cache-Control no-store.
    "jewelcrm.middleware.PrivatePagesMiddleware",
    # Last: refuses a NUL in the address and oversized API bodies before any view (400/413).
    "jewelcrm.middleware.HostileInputMiddleware",
]

ROOT_URLCONF = "jewelcrm.urls"
WSGI_APPLICATION = "jewelcrm.wsgi.application"

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
                "csp.context_processors.nonce",
                "jewelcrm.accounts.context_processors.navigation",
                "jewelcrm.billing.context_processors.billing_banner",
            ],
        },
    },
]

# --- Database: PostgreSQL only --------------------------------------------------------------
# DATABASE_URL names the server, the database and an administrative login used only by
# `manage.py db_setup` (creates the two roles below and the database). Migrations run as the
# owner role; the application connects as the app role, which owns no table, is not superuser
# and cannot bypass row-level security. See jewelcrm/tenancy/README.md.
# Without DATABASE_URL: the embedded PostgreSQL server of var/postgres/ (jewelcrm/dbserver.py), which
# `make run` and `make test` start; it listens on a Unix socket in that folder only.
DATABASE_URL = env("DATABASE_URL", default=embedded_database_url())
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a PostgreSQL database (postgres://...).")
# Django's PostgreSQL backend with the schema editor that keys every brand table by (brand_id, id) and, on
# a Citus coordinator, distributes it by brand_id (jewelcrm/tenancy/distribution.py, ADR 0016).
DATABASES["default"]["ENGINE"] = "jewelcrm.tenancy.backends.postgresql"
# A socket folder given as ?host=/path becomes the HOST, so every connection (db_setup's too) uses it.
_socket = DATABASES["default"].get("OPTIONS", {}).pop("host", "")
if _socket and not DATABASES["default"].get("HOST"):
    DATABASES["default"]["HOST"] = _socket
_admin = urlsplit(DATABASE_URL)
DATABASE_ROLES: dict[str, dict[str, str]] = {
    "admin": {"USER": _admin.username or "postgres", "PASSWORD": _admin.password or ""},
    "owner": {
        "USER": env("DATABASE_OWNER_USER", default="jewelcrm_owner"),
        "PASSWORD": env("DATABASE_OWNER_PASSWORD", default=""),
    },
    "app": {
        "USER": env("DATABASE_APP_USER", default="jewelcrm_app"),
        "PASSWORD": env("DATABASE_APP_PASSWORD", default=""),
    },
}
DATABASES["default"].update(DATABASE_ROLES["app"])
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Threads of the nightly segmentation's models (OpenMP, BLAS): 1 by default, see segmentation/README.md.
SEGMENTATION_MODEL_THREADS = env.int("SEGMENTATION_MODEL_THREADS", default=1)
# Threads of the churn model's scoring of every customer, once nothing else of the job runs beside it:
# 0 (the default) one per core, see segmentation/README.md.
SEGMENTATION_SCORING_THREADS = env.int("SEGMENTATION_SCORING_THREADS", default=0)
# How the nightly scores are written: "auto" (binary COPY, or multi-row INSERT on Citus), "copy", "values".
SEGMENTATION_WRITE_PATH = env("SEGMENTATION_WRITE_PATH", default="auto")

# --- Redis, cache, Celery -------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "jewelcrm.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Without Redis (the embedded default of `make run`) tasks run in-process, after commit.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 60 * 30
CELERY_TASK_SOFT_TIME_LIMIT = 60 * 28
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Longer than the longest task, so Redis never redelivers a task that is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60 * 2}
CELERY_RESULT_EXPIRES = 60 * 60 * 24
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# CELERY_BEAT_SCHEDULE comes from jewelcrm.settings.schedule, imported at the end of this module.

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Login throttling: a cool-off, never a permanent lock-out of the victim.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# A failed attempt during the lock-out must not restart the cool-off: an attacker could otherwise
# keep a victim locked out for good.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3  # reset and invitation links stay valid three days

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "jewelcrm.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy: no inline scripts, every asset served from this origin.
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "blob:"],
        "media-src": [SELF, "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        # The billing page's forms answer with a redirect to Stripe Checkout and the Customer Portal.
        "form-action": [SELF, "https://checkout.stripe.com", "https://billing.stripe.com"],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One date format per language ("5 Dec 2026" / "5 déc. 2026"): jewelcrm/formats/<lang>/formats.py.
FORMAT_MODULE_PATH = ["jewelcrm.formats"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    ("vendor/html5-qrcode", BASE_DIR / "node_modules" / "html5-qrcode"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
# Uploads are served only by the brand-checked view of jewelcrm.media, through signed addresses that
# expire after MEDIA_URL_MAX_AGE seconds; there is no static route to MEDIA_ROOT in any setting.
MEDIA_URL_MAX_AGE = env.int("MEDIA_URL_MAX_AGE", default=60 * 60)
# Product photos (jewelcrm/catalog/photos.py): the folder the catalogue import reads file names from
# (one sub-folder per brand slug; empty: file names are refused, https addresses still work).
PRODUCT_PHOTO_IMPORT_DIR = env.str("PRODUCT_PHOTO_IMPORT_DIR", default="")
STORAGES = {
    "default": {"BACKEND": "jewelcrm.media.SignedMediaStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="JewelCRM <no-reply@jewelcrm.localhost>")
from .email_provider import ANYMAIL, UNSUBSCRIBE_MAILTO  # noqa: E402, F401 - Mailgun through django-anymail

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jewelcrm.accounts.api.authentication.APIKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers, with JSON nested too deeply refused as a 400.
    "DEFAULT_PARSER_CLASSES": [
        "jewelcrm.api.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "jewelcrm.api.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["jewelcrm.accounts.api.throttling.APIKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_key": env("API_KEY_RATE", default="600/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "JewelCRM API",
    "DESCRIPTION": "Stores, products, items, warranty registrations, interventions and claims of one brand.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # One name per shared choice set (the schema check runs in `check --deploy`).
    "ENUM_NAME_OVERRIDES": {
        "ChannelEnum": "customers.models.Channel",
        "ItemStatusEnum": "warranties.inventory.models.ItemStatus",
        "InterventionStatusEnum": "warranties.models.InterventionStatus",
        "ClaimStatusEnum": "warranties.models.ClaimStatus",
        "OrderStatusEnum": "customers.models.OrderStatus",
        "BatchRowStatusEnum": ["created", "updated", "unchanged", "error"],
    },
}

# --- Stripe (jewelcrm.billing) --------------------------------------------------------------
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="")
# Several secrets, comma-separated, while the endpoint's signing secret is rotated.
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_WEBHOOK_TOLERANCE = env.int("STRIPE_WEBHOOK_TOLERANCE", default=300)  # seconds
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
BILLING_TRIAL_DAYS = env.int("BILLING_TRIAL_DAYS", default=30)
BILLING_PAST_DUE_GRACE_DAYS = env.int("BILLING_PAST_DUE_GRACE_DAYS", default=14)

# --- Owner portal: look-ups of the public item page per IP ("30/m": 30 a minute) ------------------
PORTAL_PUBLIC_LOOKUP_RATE = env("PORTAL_PUBLIC_LOOKUP_RATE", default="30/m")

# --- Ad audiences: Meta Marketing API (campaigns.audiences); uploads are off without a token -----------
META_ADS_ACCESS_TOKEN = env("META_ADS_ACCESS_TOKEN", default="")
META_GRAPH_URL = env("META_GRAPH_URL", default="https://graph.facebook.com")
META_API_VERSION = env("META_API_VERSION", default="v21.0")
META_AUDIENCE_BATCH_SIZE = env.int("META_AUDIENCE_BATCH_SIZE", default=10_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Periodic tasks (one schedule for every environment) -----------------------------------
from .schedule import CELERY_BEAT_SCHEDULE  # noqa: E402, F401
