#!/usr/bin/env bash
# Starts the Authlib Flask authorization server (app.py) with Werkzeug's
# threaded development server on 127.0.0.1:${AUTHLIB_FLASK_PORT:-9404} in the
# background: creates .venv and installs requirements.txt (pinned) first if
# .venv is missing, makes a fresh SQLite database with the test user and
# clients on every start (setup_data.py), writes server.pid, logs to
# server.log, and returns once the server answers (at most START_TIMEOUT
# seconds, default 30). Needs python3 (3.10+) with venv.
#
# The test-only credentials (also in fixtures/targets/authlib-flask.yaml):
#   harness-client   / harness-secret-TEST-ONLY-0123456789    http://127.0.0.1:9999/callback
#   harness-client-2 / harness-secret-2-TEST-ONLY-0123456789  http://127.0.0.1:9999/callback-2
#   harness-public   (public, PKCE)                            http://127.0.0.1:9999/public-callback
#   user alice / alice-password-TEST-ONLY
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
NAME=authlib-flask
PORT=${AUTHLIB_FLASK_PORT:-9404}
ENTRY=app.py
READY_PATH=/.well-known/openid-configuration
INSTALLED=.venv/bin/python
SERVER_ENV=(PORT="$PORT" PYTHONUNBUFFERED=1)
SERVER_CMD=(.venv/bin/python app.py)
install_deps() {
  python3 -m venv .venv &&
    .venv/bin/pip install --quiet --disable-pip-version-check -r requirements.txt
}
prepare_server() {
  PORT="$PORT" .venv/bin/python setup_data.py
}
. "$DIR/../lib/server.sh"
start_server
