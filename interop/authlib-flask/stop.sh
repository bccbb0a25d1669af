#!/usr/bin/env bash
# Stops the Authlib Flask server started by start.sh (the pid in server.pid
# only). Exits 0 when it was not running.
set -uo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
NAME=authlib-flask
PORT=${AUTHLIB_FLASK_PORT:-9404}
ENTRY=app.py
. "$DIR/../lib/server.sh"
stop_server
exit 0
