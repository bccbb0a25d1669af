#!/usr/bin/env bash
# Starts @node-oauth/oauth2-server in its express app (server.mjs) on
# 127.0.0.1:${NODE_OAUTH2_SERVER_PORT:-9402} in the background: installs from
# package-lock.json first if node_modules is missing, writes server.pid, logs
# to server.log, and returns once the server answers (at most START_TIMEOUT
# seconds, default 30).
#
# PUBLIC_REFRESH=0 keeps the library's default of client authentication for
# every refresh (the public client then cannot refresh); default 1.
#
# The test-only credentials (also in fixtures/targets/node-oauth2-server.yaml):
#   harness-client   / harness-secret-TEST-ONLY-0123456789    http://127.0.0.1:9999/callback
#   harness-client-2 / harness-secret-2-TEST-ONLY-0123456789  http://127.0.0.1:9999/callback-2
#   harness-public   (public, PKCE)                            http://127.0.0.1:9999/public-callback
#   user alice / alice-password-TEST-ONLY
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
NAME=node-oauth2-server
PORT=${NODE_OAUTH2_SERVER_PORT:-9402}
ENTRY=server.mjs
READY_PATH=/api/me
SERVER_ENV=(PORT="$PORT" PUBLIC_REFRESH="${PUBLIC_REFRESH:-1}")
. "$DIR/../lib/server.sh"
start_server
