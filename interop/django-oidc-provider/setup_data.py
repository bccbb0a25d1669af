"""Creates the test user and the three OIDC clients, as the library's guide
does through the admin, so that start.sh needs no clicks.

Run by start.sh after `manage.py migrate` and `manage.py creatersakey` (the
RS256 signing key). Every secret here is a TEST-ONLY value of a server bound
to 127.0.0.1 (the same as in fixtures/targets/django-oidc-provider.yaml).

alice is `is_staff` because the sign-in page is Django's admin login
(settings.LOGIN_URL), which admits staff users only; she has no admin
permissions. Each client's scope lists `token_introspection` and the three
client ids: the library's introspection endpoint answers a client that has
that scope and the token's audience in its scope (its documented set-up).
The public client gets no scope: it cannot authenticate to introspect, and
the library lets any client with a scope use the client-credentials grant.
"""
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opproject.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from oidc_provider.models import Client, ResponseType  # noqa: E402

User = get_user_model()

if not User.objects.filter(username="alice").exists():
    User.objects.create_user(
        "alice", "alice@example.test", "alice-password-TEST-ONLY", is_staff=True
    )

CLIENTS = [
    # client_id, secret (None: public), redirect URI
    ("harness-client", "harness-secret-TEST-ONLY-0123456789", "http://127.0.0.1:9999/callback"),
    ("harness-client-2", "harness-secret-2-TEST-ONLY-0123456789", "http://127.0.0.1:9999/callback-2"),
    ("harness-public", None, "http://127.0.0.1:9999/public-callback"),
]
SCOPE = ["token_introspection"] + [c[0] for c in CLIENTS]
code = ResponseType.objects.get(value="code")

for client_id, secret, redirect_uri in CLIENTS:
    if Client.objects.filter(client_id=client_id).exists():
        continue
    client = Client(
        name=client_id,
        client_id=client_id,
        client_type="public" if secret is None else "confidential",
        client_secret=secret or "",
        jwt_alg="RS256",
    )
    client.redirect_uris = [redirect_uri]
    client.scope = SCOPE if secret is not None else []
    client.save()
    client.response_types.add(code)

print("users:", User.objects.count(), "clients:", Client.objects.count())
