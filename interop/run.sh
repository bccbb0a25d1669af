#!/usr/bin/env bash
# Runs oauthcheck against one of the third-party servers in interop/:
#
#   interop/run.sh <server> [extra `oauthcheck run` arguments]
#   interop/run.sh oidc-provider
#   interop/run.sh node-oauth2-server --include-ignored code.expiry
#
# Starts the server (interop/<server>/start.sh), runs
#   oauthcheck run --target fixtures/targets/<server>.yaml --report-dir reports/<server> ...
# with `cargo run --release`, or with the binary named by OAUTHCHECK_BIN
# (e.g. OAUTHCHECK_BIN=target/debug/oauthcheck), stops the server again
# (unless it was already running before), and exits with oauthcheck's exit
# code: 0 all passed, 1 a MUST check failed, 2 usage/profile error, 3 some
# trials errored. 4: the server did not start; 2 also for an unknown server.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)

servers() {
  local d
  for d in "$ROOT"/interop/*/; do
    d=${d%/}
    [ -x "$d/start.sh" ] && [ -f "$ROOT/fixtures/targets/$(basename "$d").yaml" ] && echo "  $(basename "$d")"
  done
}

if [ $# -lt 1 ] || [ "$1" = "-h" ] || [ "$1" = "--help" ]; then
  echo "usage: interop/run.sh <server> [oauthcheck run arguments...]" >&2
  echo "servers:" >&2
  servers >&2
  exit 2
fi

server=$1
shift
dir="$ROOT/interop/$server"
profile="fixtures/targets/$server.yaml"
if [[ "$server" == */* ]] || [ ! -x "$dir/start.sh" ] || [ ! -f "$ROOT/$profile" ]; then
  echo "interop/run.sh: unknown server \`$server\`; one of:" >&2
  servers >&2
  exit 2
fi

# Leave a server that was already running (started by hand) as it was.
already_running=false
if [ -f "$dir/server.pid" ] && kill -0 "$(cat "$dir/server.pid" 2>/dev/null)" 2>/dev/null; then
  already_running=true
fi

cleanup() {
  if [ "$already_running" = false ]; then
    "$dir/stop.sh" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$dir/start.sh" || exit 4

cd "$ROOT" || exit 2
if [ -n "${OAUTHCHECK_BIN:-}" ]; then
  "$OAUTHCHECK_BIN" run --target "$profile" --report-dir "reports/$server" "$@"
else
  cargo run --release -- run --target "$profile" --report-dir "reports/$server" "$@"
fi
exit $?
