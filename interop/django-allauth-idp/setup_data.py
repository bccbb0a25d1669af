"""Creates the test user and the three OIDC clients, as allauth's IdP
documentation does through the admin, so that start.sh needs no clicks.

Run by start.sh after `manage.py migrate`. Each client may ask for openid,
profile and email, and gets openid when it asks for no scope. Every secret here is a TEST-ONLY
value of a server bound to 127.0.0.1 (the same as in
fixtures/targets/django-allauth-idp.yaml).
"""
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "idpproject.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from allauth.idp.oidc.models import Client  # noqa: E402

User = get_user_model()

if not User.objects.filter(username="alice").exists():
    User.objects.create_user("alice", "alice@example.test", "alice-password-TEST-ONLY")

CLIENTS = [
    # client_id, secret (None: public), redirect URI
    ("harness-client", "harness-secret-TEST-ONLY-0123456789", "http://127.0.0.1:9999/callback"),
    ("harness-client-2", "harness-secret-2-TEST-ONLY-0123456789", "http://127.0.0.1:9999/callback-2"),
    ("harness-public", None, "http://127.0.0.1:9999/public-callback"),
]

for client_id, secret, redirect_uri in CLIENTS:
    if Client.objects.filter(id=client_id).exists():
        continue
    client = Client(
        id=client_id,
        name=client_id,
        type=Client.Type.PUBLIC if secret is None else Client.Type.CONFIDENTIAL,
        scopes="openid\nprofile\nemail",
        # Without default scopes a request without `scope` shows a consent
        # page with nothing to approve, whose every submission shows it
        # again (see docs/interop.md); with them the documented default is
        # used, which RFC 6749 §3.3 allows.
        default_scopes="openid",
        grant_types="authorization_code\nrefresh_token",
        response_types="code",
    )
    client.set_redirect_uris([redirect_uri])
    if secret is not None:
        client.set_secret(secret)
    client.save()

print("users:", User.objects.count(), "clients:", Client.objects.count())
