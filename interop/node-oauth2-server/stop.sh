#!/usr/bin/env bash
# Stops the node-oauth2-server started by start.sh (the pid in server.pid
# only). Exits 0 when it was not running.
set -uo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
NAME=node-oauth2-server
PORT=${NODE_OAUTH2_SERVER_PORT:-9402}
ENTRY=server.mjs
. "$DIR/../lib/server.sh"
stop_server
exit 0
