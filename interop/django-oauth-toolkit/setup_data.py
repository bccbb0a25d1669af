"""Creates the test user and the three OAuth clients (idempotent), as the
toolkit's tutorial does through the admin, so that start.sh needs no clicks.

Run by start.sh after `manage.py migrate`. Every secret here is a TEST-ONLY
value of a server bound to 127.0.0.1 (the same as in
fixtures/targets/django-oauth-toolkit.yaml).
"""
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asproject.settings")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from oauth2_provider.models import get_application_model  # noqa: E402

User = get_user_model()
Application = get_application_model()

if not User.objects.filter(username="alice").exists():
    User.objects.create_user("alice", "alice@example.test", "alice-password-TEST-ONLY")

CLIENTS = [
    # client_id, secret (None: public), redirect URI
    ("harness-client", "harness-secret-TEST-ONLY-0123456789", "http://127.0.0.1:9999/callback"),
    ("harness-client-2", "harness-secret-2-TEST-ONLY-0123456789", "http://127.0.0.1:9999/callback-2"),
    ("harness-public", None, "http://127.0.0.1:9999/public-callback"),
]

for client_id, secret, redirect_uri in CLIENTS:
    if Application.objects.filter(client_id=client_id).exists():
        continue
    app = Application(
        name=client_id,
        client_id=client_id,
        client_type=Application.CLIENT_PUBLIC if secret is None else Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=redirect_uri,
        algorithm=Application.RS256_ALGORITHM,
    )
    if secret is not None:
        app.client_secret = secret  # hashed on save (hash_client_secret defaults to True)
    app.full_clean(exclude=["user"])
    app.save()

print("users:", User.objects.count(), "applications:", Application.objects.count())
