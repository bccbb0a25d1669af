#!/usr/bin/env bash
# Stops the django-oidc-provider server started by start.sh (the pid in
# server.pid only). Exits 0 when it was not running.
set -uo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
NAME=django-oidc-provider
PORT=${DJANGO_OIDC_PROVIDER_PORT:-9405}
ENTRY=manage.py
. "$DIR/../lib/server.sh"
stop_server
exit 0
