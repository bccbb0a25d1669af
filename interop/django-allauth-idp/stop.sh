#!/usr/bin/env bash
# Stops the django-allauth IdP server started by start.sh (the pid in
# server.pid only). Exits 0 when it was not running.
set -uo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
NAME=django-allauth-idp
PORT=${DJANGO_ALLAUTH_IDP_PORT:-9406}
ENTRY=manage.py
. "$DIR/../lib/server.sh"
stop_server
exit 0
