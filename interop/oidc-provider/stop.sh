#!/usr/bin/env bash
# Stops the oidc-provider started by start.sh (the pid in server.pid only).
# Exits 0 when it was not running.
set -uo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
NAME=oidc-provider
PORT=${OIDC_PROVIDER_PORT:-9401}
ENTRY=server.mjs
. "$DIR/../lib/server.sh"
stop_server
exit 0
