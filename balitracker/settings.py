"""
Settings for balitracker, read from the environment.

One file for every place the project runs. Development turns DEBUG on through
``DJANGO_DEBUG=1`` (the Makefile does); everything else defaults to what a
production server needs. See README.md, "Configuration", for each variable.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG")

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random value in production, "
            "or set DJANGO_DEBUG=1 for local development."
        )
    # Development only: a fixed key is fine where DEBUG is on and nothing is public.
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sitemaps",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "django_filters",
    # For its Swagger UI files: /api/docs serves them from our static files, not a CDN.
    "ninja",
    # History as revisions of a record with its parts (meetings/revisions.py).
    "reversion",
    "axes",
    # Django's Tasks with the database as the queue: `manage.py db_worker` runs them (meetings/tasks.py).
    "django_tasks_db",
    "meetings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "balitracker.middleware.RejectNullCharactersMiddleware",
    # CORS for the open data, outside the cache so that its 304s carry it too.
    "meetings.opendata.OpenDataMiddleware",
    # Anonymous reads of the public record from the cache, keyed by the record's version; ETag/304.
    "meetings.caching.RecordCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Inside CommonMiddleware and the cache, so that Content-Length and cached pages are of the result.
    "meetings.middleware.ShowableHtmlMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "balitracker.middleware.CrossOriginResourcePolicyMiddleware",
    "meetings.middleware.OldAddressRedirectMiddleware",
    # Answers a locked-out login with 429 (django-axes; see AXES_* below).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "balitracker.urls"

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
                "django.template.context_processors.csp",
                "meetings.context_processors.query_in_use",
            ],
        },
    },
]

WSGI_APPLICATION = "balitracker.wsgi.application"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Persistent connections: opening one per request costs more than most pages.
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # django-redis, for IGNORE_EXCEPTIONS: with Redis down, every read misses and every write is
    # dropped (and logged), so pages are rendered uncached instead of failing; /healthz says so.
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "balitracker",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                # An unreachable host costs a request this long, not the operating system's minutes.
                "SOCKET_CONNECT_TIMEOUT": float(os.environ.get("REDIS_CONNECT_TIMEOUT", "0.5")),
                "SOCKET_TIMEOUT": float(os.environ.get("REDIS_TIMEOUT", "0.5")),
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "balitracker.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Anonymous reads of the public record served from the cache (meetings/caching.py). Off: every page
# is rendered, still with ETag and 304 (for measuring the uncached site, or ruling the cache out).
PAGE_CACHE = env_bool("DJANGO_PAGE_CACHE", True)

# Outgoing mail (the action digest). Development prints messages to the console instead of sending.
MAILERS = {
    "default": (
        {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
        if DEBUG and not os.environ.get("DJANGO_EMAIL_HOST")
        else {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ.get("DJANGO_EMAIL_HOST", "localhost"),
                "port": int(os.environ.get("DJANGO_EMAIL_PORT", "587")),
                "username": os.environ.get("DJANGO_EMAIL_USER", ""),
                "password": os.environ.get("DJANGO_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", True),
                "timeout": 30,
            },
        }
    )
}
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "secretariat@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Login throttling: after 5 failures one username from one address is locked out for an hour (a 429);
# the same username from elsewhere still works, so an attacker cannot lock real editors out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = datetime.timedelta(hours=1)
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "balitracker.client_ip.client_ip"
AXES_VERBOSE = True
# The log names the username and address of failures and lockouts (never the password), so that an
# administrator can tell an attack from a forgetful editor and unlock with `manage.py axes_reset_username`.
AXES_SENSITIVE_PARAMETERS = []

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
TIME_ZONE = os.environ.get("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
# The reference data and the demo record (`make demo`) live at the project level, not in the app.
FIXTURE_DIRS = [BASE_DIR / "fixtures"]


def uploads_storage(environ):
    """Where uploaded documents and images are kept, from ``DJANGO_STORAGE`` in ``environ``.

    ``filesystem`` (the default): under MEDIA_ROOT, which several app servers must share. ``s3``: a
    private S3 bucket (or any S3-compatible store through ``AWS_S3_ENDPOINT_URL``); credentials come
    the usual AWS ways (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, a profile, an instance role).
    Either way readers never get a storage address: files are streamed by the app's own views.
    """
    kind = environ.get("DJANGO_STORAGE", "").strip().lower() or "filesystem"
    if kind == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    if kind != "s3":
        raise ImproperlyConfigured(f"DJANGO_STORAGE must be 'filesystem' or 's3', not {kind!r}.")
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not bucket:
        raise ImproperlyConfigured("DJANGO_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME, the bucket's name.")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "region_name": environ.get("AWS_S3_REGION_NAME", "").strip() or None,
            "endpoint_url": environ.get("AWS_S3_ENDPOINT_URL", "").strip() or None,
            "location": environ.get("AWS_LOCATION", "").strip().strip("/"),
            # No ACL of ours: objects are as private as the bucket, which must block public access.
            "default_acl": None,
            # Names are random already; never replace an object that happens to exist.
            "file_overwrite": False,
            # Should an address of the bucket ever be handed out, it is signed and short-lived.
            "querystring_auth": True,
            "querystring_expire": 300,
            # A file read to be served is held in memory up to 2 MB, on disk beyond.
            "max_memory_size": 2 * 1024 * 1024,
        },
    }


STORAGES = {
    "default": uploads_storage(os.environ),
    # Compressed files with content-hashed names, served by whitenoise with far-future caching.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

SITE_NAME = os.environ.get("BALITRACKER_SITE_NAME", "Bali Process record")
# The public address, for links in mail sent outside a request (the action digest).
# Long work off the request (imports, large exports, the digest): queued in the database, run by
# `manage.py db_worker` (docs/deployment.md, "The task worker").
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# A running task whose worker gave no sign of life for this long is marked failed (meetings/jobs.py).
TASK_STALE_MINUTES = int(os.environ.get("DJANGO_TASK_STALE_MINUTES", "30"))
# How long a prepared file (a large export) can be downloaded.
TASK_FILE_HOURS = int(os.environ.get("DJANGO_TASK_FILE_HOURS", "24"))

SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").rstrip("/")

# Countries the forum calls by other names than ISO's English ones.
COUNTRIES_OVERRIDE = {
    "VN": "Viet Nam",
    "LA": "Lao PDR",
    "HK": "Hong Kong SAR",
    "MO": "Macau SAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Security headers on every response. Public pages carry no inline code, so their policy holds no
# per-request nonce and can be cached; the admin's one inline style asks for a nonce when it is used.
SECURE_CSP = {
    "default-src": [CSP.NONE],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# Staff sessions end after eight hours, and when the browser closes.
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

if not DEBUG:
    # __Host- cookies are only accepted over HTTPS, on this host, for the whole site.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # A load balancer probes each app server over plain HTTP: answer it, do not redirect it.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
