#!/usr/bin/env bash
# Starts django-allauth's OpenID Connect identity provider in a plain Django
# project (idpproject/) with
# Django's development server (`manage.py runserver`, threaded) on
# 127.0.0.1:${DJANGO_ALLAUTH_IDP_PORT:-9406} in the background: creates
# .venv and installs requirements.txt (pinned) first if .venv is missing,
# makes a fresh SQLite database with the test user and the
# clients on every start, writes server.pid, logs to server.log, and returns
# once the server answers (at most START_TIMEOUT seconds, default 30). Needs
# python3 (3.10+) with venv.
#
# The test-only credentials (also in fixtures/targets/django-allauth-idp.yaml):
#   harness-client   / harness-secret-TEST-ONLY-0123456789    http://127.0.0.1:9999/callback
#   harness-client-2 / harness-secret-2-TEST-ONLY-0123456789  http://127.0.0.1:9999/callback-2
#   harness-public   (public, PKCE)                            http://127.0.0.1:9999/public-callback
#   user alice / alice-password-TEST-ONLY
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
NAME=django-allauth-idp
PORT=${DJANGO_ALLAUTH_IDP_PORT:-9406}
ENTRY=manage.py
READY_PATH=/.well-known/openid-configuration
INSTALLED=.venv/bin/python
SERVER_ENV=(PYTHONUNBUFFERED=1)
SERVER_CMD=(.venv/bin/python manage.py runserver --noreload "127.0.0.1:$PORT")
install_deps() {
  python3 -m venv .venv &&
    .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
}
prepare_server() {
  rm -f db.sqlite3 &&
    .venv/bin/python manage.py migrate --verbosity 0 &&
    .venv/bin/python setup_data.py
}
. "$DIR/../lib/server.sh"
start_server
