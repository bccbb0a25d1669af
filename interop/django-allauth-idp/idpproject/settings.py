"""Settings of a plain Django project serving django-allauth's OpenID
Connect identity provider (`allauth.idp.oidc`) on loopback, as an interop
target for oauthcheck (see docs/interop-setup.md).

Written from allauth's installation guide and its "Identity Provider /
OpenID Connect" documentation: allauth's account app (its own sign-in page),
the IdP app with its own consent page, Django's password hashing (PBKDF2,
Django's default; allauth also hashes client secrets with it), an SQLite
file. What is set beyond the guide, and why, is commented. Every secret is
for local testing only.
"""
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "oauthcheck-interop-allauth-idp-secret-key-TEST-ONLY-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "allauth.idp.oidc",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

ROOT_URLCONF = "idpproject.urls"

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
LOGIN_URL = "/accounts/login/"

# The ID token signing key: made on first start, kept beside the database
# (git-ignored); the IdP documentation asks for an RSA private key.
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
IDP_OIDC_PRIVATE_KEY = _KEY_FILE.read_text()

# Token introspection (RFC 7662) is off by default; the documented switch
# turns it on. Everything else: allauth's defaults (code 60 s, access token
# 3600 s, refresh tokens rotated, consent asked unless the client skips it,
# hashed client secrets, rate limits on).
IDP_OIDC_INTROSPECTION_ENABLED = True

# allauth limits logins to 30 a minute per IP address by default, and every
# test login comes from 127.0.0.1: a fast run got 429 (with no Retry-After)
# on the login page in 10 trials. The harness retries a 429 once after
# backing off but does not wait out a one-minute window, so the limit for
# this one address is raised; the other limits (failed logins, …) stay.
ACCOUNT_RATE_LIMITS = {"login": "600/m/ip"}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
