"""Settings of a plain Django project serving django-oidc-provider on
loopback, as an interop target for oauthcheck (see docs/interop-setup.md).

Written from the library's installation guide: its app and URLs under
/openid/, its own consent and error templates, Django's password hashing
(PBKDF2, Django's default), an SQLite file. The sign-in page is Django's
admin login page (LOGIN_URL), so this server's login HTML is Django's admin
form, not a hand-written one. What is set beyond the guide, and why, is
commented. Every secret is for local testing only.
"""
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "oauthcheck-interop-oidc-provider-secret-key-TEST-ONLY-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "oidc_provider",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "opproject.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
        # Concurrent requests write sessions, codes and tokens: take SQLite's
        # write lock when a transaction begins and wait for it (Django's docs
        # on "database is locked" errors), instead of failing at once.
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"

# The library sends unauthenticated users to LOGIN_URL (OIDC_LOGIN_URL
# defaults to it): Django's admin login page.
LOGIN_URL = "/admin/login/"

# The issuer is derived from the request (http://127.0.0.1:PORT/openid).
# Everything else: the library's defaults (code 600 s, access token 3600 s,
# id_token 600 s, consent remembered for 90 days per client, introspection
# for clients with the `token_introspection` scope and the token's audience
# in their scope, password grant off, no RFC 9207 `iss`).

# Server errors (500) go to the console, i.e. server.log, with the traceback
# (with DEBUG off Django would only mail them to ADMINS).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
