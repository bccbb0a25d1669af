"""Settings of a plain Django project serving django-oauth-toolkit on loopback,
as an interop target for oauthcheck (see docs/interop-setup.md).

Written from the toolkit's tutorial ("Getting started" and "OpenID Connect"):
the toolkit's own views, templates and defaults, Django's own login view and
password hashing (PBKDF2, Django's default), an SQLite file. What is set here
beyond the tutorial, and why, is commented. Every secret is for local testing
only.
"""
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "oauthcheck-interop-django-secret-key-TEST-ONLY-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "oauth2_provider",
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

ROOT_URLCONF = "asproject.urls"

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
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
        # Concurrent requests write sessions and tokens: take SQLite's write
        # lock when a transaction begins and wait for it (Django's docs on
        # "database is locked" errors), instead of failing at once.
        "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
    }
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "static/"

# Django's own login view (django.contrib.auth.urls) with a minimal template,
# as the toolkit's tutorial has it.
LOGIN_URL = "/accounts/login/"

# The OIDC signing key: made on first start, kept beside the database
# (git-ignored), as the toolkit's OIDC tutorial asks for an RSA key.
_KEY_FILE = BASE_DIR / "oidc.key"
if not _KEY_FILE.exists():
    _key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _KEY_FILE.write_bytes(
        _key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )

OAUTH2_PROVIDER = {
    # OpenID Connect (off by default), per the tutorial.
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": _KEY_FILE.read_text(),
    # Scopes: the defaults (read, write) plus openid and the `introspection`
    # scope that the toolkit's introspection endpoint asks of bearer callers.
    "SCOPES": {
        "openid": "OpenID Connect scope",
        "read": "Reading scope",
        "write": "Writing scope",
        "introspection": "Introspect token scope",
    },
    # Everything else: the toolkit's defaults (PKCE required, code 60 s,
    # access token 36000 s, refresh rotation without reuse protection,
    # consent asked every time, hashed client secrets).
}

# Server errors (500) go to the console, i.e. server.log, with the traceback
# (with DEBUG off Django would only mail them to ADMINS).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
