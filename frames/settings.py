"""FRAMES settings. Every value a deployment changes comes from the environment
(django-environ); see the configuration table in README.md."""

from pathlib import Path

import environ
from django.conf import global_settings

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The test suite runs with production settings, but over plain HTTP on localhost.
TESTING = env.bool("TESTING", default=False)
if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-only-for-debug-mode")
else:
    SECRET_KEY = env("SECRET_KEY")  # required: no default outside DEBUG
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "axes",
    "csp",
    "frames",
    "analytics",
    "cadence",
    "lms",
    "basecamp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "frames.middleware.RefuseNulMiddleware",
    "frames.params.ParamErrorMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "frames.urls"
WSGI_APPLICATION = "frames.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Replacements for a contributed app's own templates (the admin's base_site.html): the app
        # loaders look in INSTALLED_APPS order and would find django.contrib.admin's first.
        "DIRS": [BASE_DIR / "frames" / "templates" / "overrides"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "frames.context_processors.role",
            ],
        },
    },
]

# PostgreSQL in production and CI; a SQLite file so one command can demo anywhere.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# PostgreSQL: the session's user and list pages run as prepared statements (frames/base/prepared.py);
# off (0) behind a pooler that cannot keep prepared statements.
DATABASE_PREPARED_READS = env.bool("DATABASE_PREPARED_READS", default=True)

# A shared cache (e.g. redis://127.0.0.1:6379/1) makes throttling and login
# lockout hold across worker processes; locmem is per process.
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="")  # several deployments (or test runs) on one Redis
# Sessions read through that cache (written through to the database): a request costs no
# session query. A logout deletes both; with a per-process cache (locmem, no CACHE_URL) other
# worker processes keep their copy until it expires: one more reason `check --deploy` asks for CACHE_URL.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # ModelBackend loading the user with its role data, permissions in one query.
    "frames.backends.RoleModelBackend",
    "django.contrib.auth.backends.ModelBackend",  # sessions it made before stay valid
]
LOGIN_URL = "/accounts/login/"
# E-mail (invitations, password resets): EMAIL_URL such as smtp+tls://user:password@host:587;
# the console backend in DEBUG (make demo prints the set-password links in the terminal).
vars().update(env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="FRAMES <frames@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where links in e-mails sent outside a request point (imports by command, jobs).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# How long an invitation's or reset's set-password link works.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT_HOURS", default=72) * 3600
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not (DEBUG or TESTING)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Request size limits: a huge body is a 400 (RequestDataTooBig), not a worker stuck parsing it.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env.int("FILE_UPLOAD_MAX_MEMORY_SIZE", default=5 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000
# JSON bodies nested deeper than this are a 400 (our walkers and serializers recurse).
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=64)
# Spreadsheet imports: more rows (or cells) than this are refused while the file is read.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=50_000)
IMPORT_MAX_CELLS = env.int("IMPORT_MAX_CELLS", default=2_000_000)
IMPORT_EXPORT_IMPORT_IGNORE_BLANK_LINES = False  # django-import-export: a blank row is reported, not skipped

# Security headers; production values unless DEBUG.
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
_HTTPS = not (DEBUG or TESTING)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=_HTTPS)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=_HTTPS)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=_HTTPS)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy (django-csp 4): no inline scripts anywhere; every
# script the project ships is a static file. Sandboxes run Python (Pyodide, our own
# static files) in a Web Worker: WebAssembly needs 'wasm-unsafe-eval', nothing else.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'wasm-unsafe-eval'"],
        "worker-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "https:"],
        "frame-src": ["'self'", "https://www.youtube-nocookie.com", "https://player.vimeo.com"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Login lockout (django-axes): a username is locked *from the address that failed*
# (AXES_FAILURE_LIMIT), an address whatever the usernames at a higher limit (a
# classroom shares one); a username alone never locks, or anyone could lock any
# account for everyone (frames/lockout.py). The address is read from REMOTE_ADDR
# only, so a forged X-Forwarded-For can neither reset nor dodge the counters.
# Behind a proxy set AXES_PROXY_HEADER.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=100)
AXES_IPWARE_META_PRECEDENCE_ORDER = [env("AXES_PROXY_HEADER", default="REMOTE_ADDR")]
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "frames.lockout.FramesAxesHandler"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: a missing, unknown, wrong or revoked token answers 401 (with
        # WWW-Authenticate) alike; session auth still applies, with CSRF, to browsers.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["frames.base.permissions.RoleModelPermissions"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    # JSON bodies through orjson with a depth and encoding guard; forms for the browsable API.
    "DEFAULT_PARSER_CLASSES": [
        "frames.base.parsers.FramesJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # JSON written by orjson (same output as DRF's renderer, faster); the browsable API for browsers.
    "DEFAULT_RENDERER_CLASSES": [
        "frames.base.renderers.FramesJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "frames.base.rest.FramesPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "frames.api.autoschema.FramesAutoSchema",  # list bounds and documented refusals
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", default="60/minute"),
        "user": env("THROTTLE_USER", default="1200/minute"),
    },
    "EXCEPTION_HANDLER": "frames.base.rest.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "FRAMES platform API",
    "DESCRIPTION": "Registry, CADENCE operations, LMS, research analytics and Basecamp.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's error answers, and request bodies without unknown keys (frames/base/rest.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "frames.base.rest.document_errors",
                             "frames.api.autoschema.forms_without_null"],
    # The shared vocabularies get fixed names, so apps' own "status"/"source" fields cannot collide with them.
    "ENUM_NAME_OVERRIDES": {
        "SubsystemEnum": "frames.choices.Subsystem",
        "StudentStatusEnum": "frames.choices.StudentStatus",
        "ProjectTypeEnum": "frames.choices.ProjectType",
        "AuditActionEnum": "frames.models.AuditLog.Action",
        "AuditSourceEnum": "frames.models.AuditLog.Source",
        "AgentLogStatusEnum": "frames.models.AgentLog.Status",
        "ModuleStatusEnum": "lms.models.modules.ModuleStatus",
        "FactorSourceEnum": "analytics.models.choices.FactorSource",
        "InterfaceEndTypeEnum": "analytics.models.interfaces.EndType",
    },
}

# django-import-export: importing needs the change permission, exporting the view
# permission (the defaults let anyone who reaches the admin import).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "change"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = True  # our own audit log records every row
# django-import-export writes datetimes in the first of these formats and reads any of them:
# microseconds first, so an export re-imports unchanged (Django's own list, reordered; the
# admin's forms take their formats from the locale, not from here).
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S.%f", *(f for f in global_settings.DATETIME_INPUT_FORMATS if f != "%Y-%m-%d %H:%M:%S.%f")]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"expected_refusals": {"()": "frames.log_filters.ExpectedRefusalFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
    # Django's own console handler (DEBUG) printed every record a second time on its way to the root.
    "loggers": {
        "django": {"handlers": [], "level": env("LOG_LEVEL", default="WARNING"), "propagate": True},
        "django.request": {"filters": ["expected_refusals"]},
    },
}

# ---------------------------------------------------------------- Jobs (Celery)
# Long work (imports, training, calibration, exports) runs as Celery jobs; the agent-log row is
# the job's record, so there is no result backend. No broker configured: jobs run inline in the
# caller (the demo and the ordinary test suite need no service). Production: RabbitMQ
# (amqp://user:password@host:5672/frames) or Redis (redis://host:6379/0).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True  # a job whose worker dies is delivered again (jobs are idempotent)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1  # a worker holds one job at a time; the rest stay queued for others
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="frames")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis redelivers an unacknowledged job this many seconds after its worker vanished. A running
# job holds its lock, so an early redelivery waits for it rather than running it twice.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)}
# A worker looks for such jobs every CELERY_RESTORE_SWEEP seconds (kombu's Redis transport:
# unacked_restore_interval x unacked_restore_throttle, 10 x 10 by default).
_restore_sweep = max(1, env.int("CELERY_RESTORE_SWEEP", default=100))
CELERY_BROKER_TRANSPORT_OPTIONS |= {"unacked_restore_interval": min(10, _restore_sweep),
                                    "unacked_restore_throttle": max(1, _restore_sweep // min(10, _restore_sweep))}
if env("CELERY_KEY_PREFIX", default=""):  # Redis: keep two deployments (or test runs) on one server apart
    CELERY_BROKER_TRANSPORT_OPTIONS["global_keyprefix"] = env("CELERY_KEY_PREFIX")
CELERY_TIMEZONE = TIME_ZONE
# Periodic jobs (celery beat): kind -> seconds between runs or a crontab "m h dom mon dow";
# each one overridable, e.g. JOBS_SCHEDULE_CALIBRATE_MODULES="30 2 * * *" or "0" (off).
JOBS_SCHEDULE = {
    "calibrate_modules": env("JOBS_SCHEDULE_CALIBRATE_MODULES", default="0 2 * * *"),
    "build_ghosts": env("JOBS_SCHEDULE_BUILD_GHOSTS", default="30 2 * * *"),
    "compute_factors": env("JOBS_SCHEDULE_COMPUTE_FACTORS", default="0 3 * * *"),
    "refresh_competencies": env("JOBS_SCHEDULE_REFRESH_COMPETENCIES", default="30 3 * * *"),
    "send_due_reminders": env("JOBS_SCHEDULE_SEND_DUE_REMINDERS", default="0 7 * * *"),
}
# Files a job reads or writes (uploaded Notion exports, xAPI exports): a directory every web and
# job worker sees (a shared volume when they run on different machines).
JOBS_FILES_DIR = env.path("JOBS_FILES_DIR", default=str(Path(MEDIA_ROOT) / "jobs"))
# Spreadsheet imports with more rows than this run as a job instead of in the request.
IMPORT_JOB_THRESHOLD_ROWS = env.int("IMPORT_JOB_THRESHOLD_ROWS", default=2000)
# Seconds between two progress writes of a running job (the job page polls them).
JOBS_PROGRESS_INTERVAL = env.float("JOBS_PROGRESS_INTERVAL", default=0.5)
# A job whose worker died is delivered again (late ack) up to JOBS_MAX_ATTEMPTS starts, then failed as lost;
# one no worker holds and none has reported for JOBS_LOST_AFTER seconds (its broker message gone) is failed by
# the sweep beat runs every JOBS_SWEEP_INTERVAL seconds (0: off). Either way its kind's cleanup runs.
JOBS_MAX_ATTEMPTS = env.int("JOBS_MAX_ATTEMPTS", default=3)
JOBS_LOST_AFTER = env.int("JOBS_LOST_AFTER", default=CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] + 300)
JOBS_SWEEP_INTERVAL = env.int("JOBS_SWEEP_INTERVAL", default=300)

# LMS struggle detection (lms/struggle.py) and the guided-struggle buddy (lms/buddy.py).
LMS_STRUGGLE_ENABLED = env.bool("LMS_STRUGGLE_ENABLED", default=True)
LMS_STRUGGLE_LOOP_WINDOW = env.int("LMS_STRUGGLE_LOOP_WINDOW", default=8)
LMS_STRUGGLE_LOOP_MOVES = env.int("LMS_STRUGGLE_LOOP_MOVES", default=4)
LMS_STRUGGLE_STUCK_RATIO = env.float("LMS_STRUGGLE_STUCK_RATIO", default=3.0)
LMS_STRUGGLE_STUCK_MIN_SECONDS = env.int("LMS_STRUGGLE_STUCK_MIN_SECONDS", default=180)
LMS_STRUGGLE_RAPID_RATIO = env.float("LMS_STRUGGLE_RAPID_RATIO", default=0.35)
LMS_STRUGGLE_RAPID_MIN_SECTIONS = env.int("LMS_STRUGGLE_RAPID_MIN_SECTIONS", default=2)
LMS_STRUGGLE_GUESS_ATTEMPTS = env.int("LMS_STRUGGLE_GUESS_ATTEMPTS", default=3)
LMS_STRUGGLE_GUESS_SECONDS = env.int("LMS_STRUGGLE_GUESS_SECONDS", default=20)
LMS_STRUGGLE_CACHE_SECONDS = env.int("LMS_STRUGGLE_CACHE_SECONDS", default=60)
# A quiz attempt's one write statement waits for its WAL flush (durable at once); False: it does not
# (synchronous_commit off for that statement only; docs/lms.md "Hot paths").
LMS_QUIZ_WAIT_FOR_FLUSH = env.bool("LMS_QUIZ_WAIT_FOR_FLUSH", default=True)
LMS_BUDDY = env("LMS_BUDDY", default="scripted")
LMS_BUDDY_LLM_URL = env("LMS_BUDDY_LLM_URL", default="")
LMS_BUDDY_LLM_MODEL = env("LMS_BUDDY_LLM_MODEL", default="")
LMS_BUDDY_LLM_API_KEY = env("LMS_BUDDY_LLM_API_KEY", default="")
LMS_XAPI_BASE_URL = env("LMS_XAPI_BASE_URL", default="https://frames.example.org")  # host of the xAPI IRIs (lms/xapi.py)

# Basecamp: the skills assessor (basecamp/assessor.py), the rubric version new entries are assessed against
# (empty: the newest in the table), difficulty calibration and competency levels (basecamp/services/).
BASECAMP_ASSESSOR = env("BASECAMP_ASSESSOR", default="rules")
BASECAMP_LLM_URL = env("BASECAMP_LLM_URL", default="")
BASECAMP_LLM_MODEL = env("BASECAMP_LLM_MODEL", default="")
BASECAMP_LLM_API_KEY = env("BASECAMP_LLM_API_KEY", default="")
BASECAMP_RUBRIC_VERSION = env("BASECAMP_RUBRIC_VERSION", default="")
BASECAMP_CALIBRATION_MIN_SAMPLE = env.int("BASECAMP_CALIBRATION_MIN_SAMPLE", default=10)
BASECAMP_CALIBRATION_FLAG_GAP = env.int("BASECAMP_CALIBRATION_FLAG_GAP", default=2)
BASECAMP_COMPETENCY_THRESHOLDS = env.json("BASECAMP_COMPETENCY_THRESHOLDS", default={
    "competency": {"modules": 1, "proficient_skills": 0},
    "integration": {"modules": 3, "proficient_skills": 1},
    "autonomy": {"modules": 5, "proficient_skills": 3},
})
