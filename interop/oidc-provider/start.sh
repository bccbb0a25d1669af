#!/usr/bin/env bash
# Starts panva/oidc-provider (server.mjs) on 127.0.0.1:${OIDC_PROVIDER_PORT:-9401}
# in the background: installs from package-lock.json first if node_modules is
# missing, writes server.pid, logs to server.log, and returns once discovery
# answers (at most START_TIMEOUT seconds, default 30).
#
# The test-only credentials (also in fixtures/targets/oidc-provider.yaml):
#   harness-client   / harness-secret-TEST-ONLY-0123456789    client_secret_basic  http://127.0.0.1:9999/callback
#   harness-client-2 / harness-secret-2-TEST-ONLY-0123456789  client_secret_post   http://127.0.0.1:9999/callback-2
#   harness-public   (public, PKCE)                                                 http://127.0.0.1:9999/public-callback
#   user alice / alice-password-TEST-ONLY
set -euo pipefail
DIR=$(cd "$(dirname "$0")" && pwd)
NAME=oidc-provider
PORT=${OIDC_PROVIDER_PORT:-9401}
ENTRY=server.mjs
READY_PATH=/.well-known/openid-configuration
SERVER_ENV=(PORT="$PORT")
. "$DIR/../lib/server.sh"
start_server
