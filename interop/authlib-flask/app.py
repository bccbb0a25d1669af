"""Authlib's Flask authorization server as an interop target for oauthcheck,
on loopback only (see docs/interop-setup.md).

An ordinary Flask app written from Authlib's documentation ("Flask OAuth 2.0
Server", "Flask OIDC Provider") and its example server: SQLAlchemy models on
Authlib's mixins, the authorization-code grant with PKCE and OpenID Connect,
refresh tokens, revocation (RFC 7009), introspection (RFC 7662), a userinfo
endpoint and a protected resource. The pages are the example's: a sign-in
form, and a consent page whose approval is a ticked "confirm" checkbox plus
a Submit button (submitting without the tick denies).

    GET/POST /login                      sign-in (username + password)
    GET/POST /oauth/authorize            consent
    POST     /oauth/token                token endpoint
    POST     /oauth/revoke               RFC 7009
    POST     /oauth/introspect           RFC 7662
    GET      /oauth/userinfo             OIDC UserInfo
    GET      /api/me                     a protected resource
    GET      /.well-known/openid-configuration, /.well-known/oauth-authorization-server
    GET      /oauth/jwks                 the ID token signing key

Every secret here is a TEST-ONLY value of a server bound to 127.0.0.1.
"""
import os
import time
from pathlib import Path

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector, current_token
from authlib.integrations.sqla_oauth2 import (
    OAuth2AuthorizationCodeMixin,
    OAuth2ClientMixin,
    OAuth2TokenMixin,
    create_bearer_token_validator,
    create_query_client_func,
    create_revocation_endpoint,
    create_save_token_func,
)
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, redirect, render_template, request, session, url_for
from flask_sqlalchemy import SQLAlchemy
from joserfc.jwk import RSAKey
from werkzeug.security import check_password_hash

BASE_DIR = Path(__file__).resolve().parent
PORT = int(os.environ.get("PORT", "9404"))
ISSUER = f"http://127.0.0.1:{PORT}"

app = Flask(__name__)
app.config.update(
    SECRET_KEY="oauthcheck-interop-flask-secret-TEST-ONLY",
    SQLALCHEMY_DATABASE_URI=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
    SESSION_COOKIE_SAMESITE="Lax",
    # Authlib issues refresh tokens only with a generator configured (its
    # documented setting; the default generates none).
    OAUTH2_REFRESH_TOKEN_GENERATOR=True,
)
db = SQLAlchemy(app)

# The ID token signing key, made by setup_data.py on first start (git-ignored).
SIGNING_KEY = RSAKey.import_key((BASE_DIR / "oidc.key").read_text(), {"kid": "interop-1", "use": "sig"})


class User(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(40), unique=True, nullable=False)
    password_hash = db.Column(db.String(200), nullable=False)
    email = db.Column(db.String(120))

    def get_user_id(self):
        return self.id


class OAuth2Client(db.Model, OAuth2ClientMixin):
    id = db.Column(db.Integer, primary_key=True)


class OAuth2AuthorizationCode(db.Model, OAuth2AuthorizationCodeMixin):
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"))
    user = db.relationship("User")


class OAuth2Token(db.Model, OAuth2TokenMixin):
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("user.id", ondelete="CASCADE"))
    user = db.relationship("User")

    def is_refresh_token_active(self):
        return not self.refresh_token_revoked_at and not self.is_expired_refresh()

    def is_expired_refresh(self):
        # Authlib's example: refresh tokens live twice as long as access tokens.
        return self.issued_at + self.expires_in * 2 < time.time()


def user_info(user, scope):
    info = UserInfo(sub=str(user.id), name=user.username)
    if "email" in scope.split():
        info["email"] = user.email
    return info


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

    def save_authorization_code(self, code, request):
        item = OAuth2AuthorizationCode(
            code=code,
            client_id=request.client.client_id,
            redirect_uri=request.payload.redirect_uri,
            scope=request.payload.scope,
            user_id=request.user.id,
            nonce=request.payload.data.get("nonce"),
            code_challenge=request.payload.data.get("code_challenge"),
            code_challenge_method=request.payload.data.get("code_challenge_method"),
        )
        db.session.add(item)
        db.session.commit()
        return item

    def query_authorization_code(self, code, client):
        item = OAuth2AuthorizationCode.query.filter_by(code=code, client_id=client.client_id).first()
        if item and not item.is_expired():
            return item
        return None

    def delete_authorization_code(self, authorization_code):
        db.session.delete(authorization_code)
        db.session.commit()

    def authenticate_user(self, authorization_code):
        return db.session.get(User, authorization_code.user_id)


class MyOpenIDCode(OpenIDCode):
    def resolve_client_private_key(self, client):
        return SIGNING_KEY

    def get_client_claims(self, client):
        return {"iss": ISSUER, "aud": [client.get_client_id()]}

    def get_encode_header(self, client):
        return {"alg": "RS256", "kid": SIGNING_KEY.kid}

    def exists_nonce(self, nonce, request):
        return OAuth2AuthorizationCode.query.filter_by(client_id=request.payload.client_id, nonce=nonce).first() is not None

    def generate_user_info(self, user, scope):
        return user_info(user, scope)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        token = OAuth2Token.query.filter_by(refresh_token=refresh_token).first()
        if token and token.is_refresh_token_active():
            return token
        return None

    def authenticate_user(self, credential):
        return db.session.get(User, credential.user_id)

    def revoke_old_credential(self, credential):
        now = int(time.time())
        credential.access_token_revoked_at = now
        credential.refresh_token_revoked_at = now
        db.session.add(credential)
        db.session.commit()


class MyIntrospectionEndpoint(IntrospectionEndpoint):
    def query_token(self, token_string, token_type_hint):
        if token_type_hint == "refresh_token":
            return OAuth2Token.query.filter_by(refresh_token=token_string).first()
        token = OAuth2Token.query.filter_by(access_token=token_string).first()
        return token or OAuth2Token.query.filter_by(refresh_token=token_string).first()

    def introspect_token(self, token):
        return {
            "active": True,
            "client_id": token.client_id,
            "token_type": token.token_type,
            "username": token.user.username,
            "scope": token.get_scope(),
            "sub": str(token.user_id),
            "aud": token.client_id,
            "iss": ISSUER,
            "exp": token.issued_at + token.expires_in,
            "iat": token.issued_at,
        }

    def check_permission(self, token, client, request):
        # Any authenticated client may introspect (Authlib's docs leave the
        # policy to the application).
        return True


authorization = AuthorizationServer(
    app,
    query_client=create_query_client_func(db.session, OAuth2Client),
    save_token=create_save_token_func(db.session, OAuth2Token),
)
authorization.register_grant(AuthorizationCodeGrant, [CodeChallenge(required=True), MyOpenIDCode(require_nonce=False)])
authorization.register_grant(RefreshTokenGrant)
authorization.register_endpoint(create_revocation_endpoint(db.session, OAuth2Token))
authorization.register_endpoint(MyIntrospectionEndpoint)

require_oauth = ResourceProtector()
require_oauth.register_token_validator(create_bearer_token_validator(db.session, OAuth2Token)())


def current_user():
    uid = session.get("uid")
    return db.session.get(User, uid) if uid else None


@app.route("/login", methods=["GET", "POST"])
def login():
    next_url = request.values.get("next", "/")
    if not next_url.startswith("/"):
        next_url = "/"
    if request.method == "POST":
        user = User.query.filter_by(username=request.form.get("username", "")).first()
        if user and check_password_hash(user.password_hash, request.form.get("password", "")):
            session.clear()
            session["uid"] = user.id
            return redirect(next_url, code=303)
        return render_template("login.html", next=next_url, error=True), 401
    return render_template("login.html", next=next_url, error=False)


@app.route("/oauth/authorize", methods=["GET", "POST"])
def authorize():
    user = current_user()
    if request.method == "GET":
        # Validate first, with or without a signed-in user, so that bad
        # requests and prompt=none without a session get Authlib's error
        # response (OIDC Core §3.1.2.6: login_required) rather than the
        # sign-in page.
        try:
            grant = authorization.get_consent_grant(end_user=user)
        except OAuth2Error as error:
            return authorization.handle_error_response(request, error)
        if not user:
            return redirect(url_for("login", next=request.full_path))
        return render_template("authorize.html", user=user, grant=grant)
    if not user:
        return redirect(url_for("login", next=request.full_path))
    grant_user = user if request.form.get("confirm") else None
    return authorization.create_authorization_response(grant_user=grant_user)


@app.route("/oauth/token", methods=["POST"])
def issue_token():
    return authorization.create_token_response()


@app.route("/oauth/revoke", methods=["POST"])
def revoke_token():
    return authorization.create_endpoint_response("revocation")


@app.route("/oauth/introspect", methods=["POST"])
def introspect_token():
    return authorization.create_endpoint_response("introspection")


@app.route("/oauth/userinfo", methods=["GET", "POST"])
@require_oauth("openid")
def userinfo():
    return jsonify(user_info(current_token.user, current_token.scope))


@app.route("/api/me")
@require_oauth()
def api_me():
    return jsonify(sub=str(current_token.user_id), client_id=current_token.client_id, scope=current_token.scope)


@app.route("/oauth/jwks")
def jwks():
    return jsonify(keys=[SIGNING_KEY.as_dict(private=False)])


METADATA = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/oauth/authorize",
    "token_endpoint": f"{ISSUER}/oauth/token",
    "revocation_endpoint": f"{ISSUER}/oauth/revoke",
    "introspection_endpoint": f"{ISSUER}/oauth/introspect",
    "userinfo_endpoint": f"{ISSUER}/oauth/userinfo",
    "jwks_uri": f"{ISSUER}/oauth/jwks",
    "scopes_supported": ["openid", "profile", "email"],
    "response_types_supported": ["code"],
    "grant_types_supported": ["authorization_code", "refresh_token"],
    "subject_types_supported": ["public"],
    "id_token_signing_alg_values_supported": ["RS256"],
    "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
    "code_challenge_methods_supported": ["S256", "plain"],
}


@app.route("/.well-known/openid-configuration")
@app.route("/.well-known/oauth-authorization-server")
def metadata():
    return jsonify(METADATA)


if __name__ == "__main__":
    # Werkzeug's threaded development server, as Authlib's example runs it.
    app.run(host="127.0.0.1", port=PORT, threaded=True)
