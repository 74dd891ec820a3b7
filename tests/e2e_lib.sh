# Shared by the end-to-end scripts (sourced): a work directory removed on exit, `check NAME
# COMMAND...` counting passes and failures, and `start_gongkaid [FLAGS...]` /
# `stop_gongkaid`, which run the real gongkaid on 127.0.0.1:0 over $work/db and export
# GONGKAI_SERVER. Expects $gongkaid and $src to be set.
work=$(mktemp -d)
server_pid=
cleanup() {
  # A script may define extra_cleanup (e.g. to kill its own processes).
  if declare -F extra_cleanup >/dev/null; then extra_cleanup; fi
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

passed=0 failed=0
check() {  # check NAME COMMAND... : passes when the command succeeds
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAILED: $name"; fi
}
finish() {  # the plain closing line, and the exit status
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
}

start_gongkaid() {
  rm -f "$work/port"
  "$gongkaid" --listen=127.0.0.1:0 --data_dir "$work/db" --registry_dir "$src/data/regions" \
    --port_file "$work/port" --metrics_listen=127.0.0.1:0 "$@" 2>>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 300); do [ -s "$work/port" ] && break; sleep 0.1; done
  [ -s "$work/port" ] || { echo "gongkaid did not start"; cat "$work/server.log"; exit 1; }
  export GONGKAI_SERVER="127.0.0.1:$(cat "$work/port")"
  # The metrics port, from the last "serving metrics" log line.
  metrics_port=$(grep '"serving metrics"' "$work/server.log" | tail -1 \
    | sed 's/.*"port":"\([0-9]*\)".*/\1/')
}
stop_gongkaid() { kill -TERM "$server_pid"; wait "$server_pid"; server_pid=; }
