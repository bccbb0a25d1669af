#!/usr/bin/env bash
# Takes the screenshot of report.html's flow diagram in docs/: runs the
# embedded reference server with the `code.single-use` flaw switched on
# (so the code-replay trial fails), writes its reports, and has headless
# Chromium open report.html at the failing trial's diagram (the fragment
# opens the trial's evidence, no script needed) and save a PNG.
#
# Usage: scripts/screenshot-flow.sh [OUTPUT.png]   (default docs/flow-diagram.png)
# Needs chromium (Debian: `apt-get install -y chromium`). OAUTHCHECK_BIN
# names a built binary; otherwise `cargo build` makes target/debug's.
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:-docs/flow-diagram.png}"
bin="${OAUTHCHECK_BIN:-}"
if [ -z "$bin" ]; then
  cargo build --quiet
  bin="${CARGO_TARGET_DIR:-target}/debug/oauthcheck"
fi
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$browser" ]; then
  echo "screenshot-flow: no chromium on PATH (apt-get install -y chromium)" >&2
  exit 2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Exit 1 is the expected outcome: the flawed server fails the trial.
status=0
"$bin" run --quiet --color never --flaw code.single-use \
  --exact code.single-use --report-dir "$work/reports" >"$work/console.txt" 2>&1 || status=$?
if [ "$status" -ne 1 ]; then
  cat "$work/console.txt" >&2
  echo "screenshot-flow: expected the flawed run to fail (exit 1), got $status" >&2
  exit 1
fi
grep -q 'id="trial-1-flow"' "$work/reports/report.html" || {
  echo "screenshot-flow: report.html has no diagram for the failing trial" >&2
  exit 1
}

"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --no-first-run --user-data-dir="$work/profile" \
  --hide-scrollbars --window-size=1000,1240 --screenshot="$work/shot.png" \
  "file://$work/reports/report.html#trial-1-flow" >"$work/chromium.log" 2>&1 || {
  cat "$work/chromium.log" >&2
  exit 1
}
mv "$work/shot.png" "$out"
echo "screenshot-flow: wrote $out"
