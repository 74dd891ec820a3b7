#!/usr/bin/env bash
# The worker as its own process, killed with SIGKILL in the middle of a stream of
# submissions and restarted: the rollups then hold every report exactly once (no double
# counting, no missed change), and a full recompute finds no drift.
# Usage: worker_restart_test.sh GONGKAID GONGKAI_WORKER GONGKAI SOURCE_DIR
set -u
gongkaid=$1 worker=$2 gongkai=$3 src=$4
source "$(dirname "$0")/../e2e_lib.sh"
worker_pid=
extra_cleanup() { [ -n "$worker_pid" ] && kill -9 "$worker_pid" 2>/dev/null; }
fail() { echo "FAILED: $*"; echo "0 passed, 1 failed"; exit 1; }
start_gongkaid --worker=false

start_worker() {
  "$worker" --server "$GONGKAI_SERVER" --poll_interval=10ms --metrics_listen=127.0.0.1:0 \
    2>>"$work/worker.log" &
  worker_pid=$!
}

# 宁海县's townships, each files a report with N requests (N = its position); resubmissions
# add one more request to the first five.
mapfile -t towns < <("$gongkai" regions 330226000000 | awk 'NR > 1 {print $1}')
submit() {  # submit CODE REQUESTS
  python3 - "$src/tests/testdata/2019_town_yishi.json" "$1" "$2" "$work/r.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
n = int(sys.argv[3])
r["key"]["regionCode"] = sys.argv[2]
r["table3"] = {"newRequests": {"naturalPerson": n, "total": n},
               "results": {"granted": {"naturalPerson": n, "total": n},
                           "total": {"naturalPerson": n, "total": n}}}
json.dump(r, open(sys.argv[4], "w", encoding="utf-8"), ensure_ascii=False)
PY
  "$gongkai" submit "$work/r.json" >/dev/null || fail "submit $1"
}

start_worker
expected=0
i=0
for code in "${towns[@]}"; do
  i=$((i + 1)); submit "$code" "$i"; expected=$((expected + i))
  if [ "$i" = 6 ]; then kill -9 "$worker_pid"; wait "$worker_pid" 2>/dev/null; worker_pid=; fi
  if [ "$i" = 10 ]; then start_worker; fi
done
for j in 1 2 3 4 5; do submit "${towns[$((j - 1))]}" $((j + 1)); expected=$((expected + 1)); done
kill -9 "$worker_pid"; wait "$worker_pid" 2>/dev/null; worker_pid=
start_worker

head=$("$gongkai" changes --from 1000000 | awk '/^next/ {print $4}')
# The county's rollup as "SEQUENCE TOTAL" (its new requests), empty while it has none.
county() {
  "$gongkai" rollup 330226000000 2019 --output json 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r.get("sequence", "0"), [c.get("sum") for c in r.get("shared", []) if c["fieldPath"] == "table3.new_requests.total"][0])' 2>/dev/null
}
total=
for _ in $(seq 200); do
  total=$(county)
  [ "${total%% *}" = "$head" ] && break
  sleep 0.1
done
[ "${total%% *}" = "$head" ] || fail "worker did not catch up to $head (at: $total)"
[ "${total#* }" = "$expected" ] || fail "county total is ${total#* }, expected $expected"
"$gongkai" recompute 2019 > "$work/recompute.txt" || fail "recompute reported drift: $(cat "$work/recompute.txt")"
port=$(grep '"serving metrics"' "$work/worker.log" | tail -1 | sed 's/.*"port":"\([0-9]*\)".*/\1/')
python3 -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$port/metrics').read().decode())" \
  | grep -q "^gongkai_worker_applied_sequence $head" || fail "the worker's metrics do not show sequence $head applied"
# gongkaid restarts on the same address with --reload_registry, which drops every rollup and
# the checkpoint without a change-log entry: its shutdown ends the worker's stream at once, the
# worker reconnects within about a second, finds the stored checkpoint behind its own, and
# rolls every year up again (a slow start-up may instead reach its fifth failure in a row,
# after which it starts over anyway).
listen=$GONGKAI_SERVER
stop_gongkaid
start_gongkaid --worker=false --reload_registry --listen="$listen"
total=
for _ in $(seq 300); do
  total=$(county)
  total=${total#* }
  [ "$total" = "$expected" ] && break
  sleep 0.1
done
[ "$total" = "$expected" ] || fail "after a registry reload the county total is '$total', expected $expected"
kill -TERM "$worker_pid"; wait "$worker_pid"; status=$?; worker_pid=
[ "$status" = 0 ] || fail "gongkai-worker exited with $status on SIGTERM, not 0"
echo "1 passed, 0 failed"
