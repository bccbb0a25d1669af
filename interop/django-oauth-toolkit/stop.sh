#!/usr/bin/env bash
# Stops the django-oauth-toolkit server started by start.sh (the pid in
# server.pid only). Exits 0 when it was not running.
set -uo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
NAME=django-oauth-toolkit
PORT=${DJANGO_OAUTH_TOOLKIT_PORT:-9403}
ENTRY=manage.py
. "$DIR/../lib/server.sh"
stop_server
exit 0
