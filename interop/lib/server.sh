# Shared by interop/*/start.sh and stop.sh: run one server of the directory
# in the background, on loopback, with a pid file and a log file.
# Sourced, not run. The caller sets:
#   DIR        the server's directory (interop/<name>)
#   NAME       a display name
#   PORT       the port it listens on (127.0.0.1 only)
#   ENTRY      the file node runs (relative to DIR); for other servers, a
#              word of SERVER_CMD that identifies the process (pid checks)
#   READY_PATH a path that answers (any HTTP status) once the server is up
# and may set
#   SERVER_ENV  an array of NAME=value for the server's environment;
#   SERVER_CMD  an array, the command to run instead of `node ENTRY`;
#   INSTALLED   a path that exists once dependencies are installed
#               (default node_modules), and define install_deps (default
#               `npm ci`) to install them;
#   and define prepare_server, run before every start (e.g. migrations).

if ! declare -F install_deps >/dev/null; then
  install_deps() { npm ci --no-audit --no-fund; }
fi

PID_FILE="$DIR/server.pid"
LOG_FILE="$DIR/server.log"
START_TIMEOUT=${START_TIMEOUT:-30}

# The pid in the pid file, if that process is still our server.
running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid=$(cat "$PID_FILE" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against a recycled pid or a copied pid file: the process must be
  # running ENTRY from this directory.
  if [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$ENTRY" || return 1
    [ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$(cd "$DIR" && pwd -P)" ] || return 1
  fi
  echo "$pid"
}

answers() {
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT$READY_PATH"
}

start_server() {
  local pid
  if pid=$(running_pid); then
    echo "$NAME already running on http://127.0.0.1:$PORT (pid $pid)"
    return 0
  fi
  rm -f "$PID_FILE"
  if answers; then
    echo "$NAME: something else already answers on 127.0.0.1:$PORT; not starting" >&2
    return 1
  fi
  if [ ! -e "$DIR/${INSTALLED:-node_modules}" ]; then
    echo "$NAME: installing dependencies"
    (cd "$DIR" && install_deps) || {
      echo "$NAME: installing dependencies failed" >&2
      return 1
    }
  fi
  if declare -F prepare_server >/dev/null; then
    (cd "$DIR" && prepare_server) || {
      echo "$NAME: preparing the server failed" >&2
      return 1
    }
  fi
  local cmd=(node "$ENTRY")
  if [ -n "${SERVER_CMD+x}" ]; then
    cmd=("${SERVER_CMD[@]}")
  fi
  (
    cd "$DIR"
    exec env "${SERVER_ENV[@]}" "${cmd[@]}" </dev/null >"$LOG_FILE" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$PID_FILE"
  local deadline=$((SECONDS + START_TIMEOUT))
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$NAME exited during start-up; last lines of $LOG_FILE:" >&2
      tail -n 20 "$LOG_FILE" >&2
      rm -f "$PID_FILE"
      return 1
    fi
    if answers; then
      echo "$NAME up on http://127.0.0.1:$PORT (pid $pid, log $LOG_FILE)"
      return 0
    fi
    sleep 0.3
  done
  echo "$NAME did not answer on 127.0.0.1:$PORT within ${START_TIMEOUT}s; last lines of $LOG_FILE:" >&2
  tail -n 20 "$LOG_FILE" >&2
  kill "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
  return 1
}

stop_server() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$PID_FILE"
    echo "$NAME is not running"
    return 0
  fi
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$PID_FILE"
  echo "$NAME stopped (pid $pid)"
}
