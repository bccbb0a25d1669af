"""Creates a fresh database with the test user and the three OAuth clients,
and the ID token signing key if missing, so that start.sh needs no clicks.

Run by start.sh before every start. Every secret here is a TEST-ONLY value of
a server bound to 127.0.0.1 (the same as in fixtures/targets/authlib-flask.yaml).
"""
import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

BASE_DIR = Path(__file__).resolve().parent
KEY_FILE = BASE_DIR / "oidc.key"
if not KEY_FILE.exists():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    KEY_FILE.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
(BASE_DIR / "db.sqlite3").unlink(missing_ok=True)

from werkzeug.security import generate_password_hash  # noqa: E402

from app import OAuth2Client, User, app, db  # noqa: E402

CLIENTS = [
    # client_id, secret (None: public), redirect URI, token endpoint auth method
    ("harness-client", "harness-secret-TEST-ONLY-0123456789", "http://127.0.0.1:9999/callback", "client_secret_basic"),
    ("harness-client-2", "harness-secret-2-TEST-ONLY-0123456789", "http://127.0.0.1:9999/callback-2", "client_secret_post"),
    ("harness-public", None, "http://127.0.0.1:9999/public-callback", "none"),
]

with app.app_context():
    db.create_all()
    db.session.add(User(username="alice", email="alice@example.test",
                        password_hash=generate_password_hash("alice-password-TEST-ONLY")))
    for client_id, secret, redirect_uri, method in CLIENTS:
        client = OAuth2Client(client_id=client_id, client_secret=secret or "", client_id_issued_at=int(time.time()))
        client.set_client_metadata({
            "client_name": client_id,
            "redirect_uris": [redirect_uri],
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "scope": "openid profile email",
            "token_endpoint_auth_method": method,
        })
        db.session.add(client)
    db.session.commit()
    print("users:", User.query.count(), "clients:", OAuth2Client.query.count())
