#!/usr/bin/env bash
# Where gongkaid's memory is with one national year, then with more (bench/notes.md, steps 26
# and 27): a fresh gongkaid loads the national year 2022 (80,136 generated reports) at 16 in
# flight, catches up and runs three full recomputes; then each further year given is loaded
# whole and caught up. After each stage it prints VmRSS beside /metrics' heap figures (MB), and
# the years the worker holds and the narrative pairs they remember (n/a from a gongkaid built
# before these gauges).
#
#   bash tools/mem_years.sh BIN_DIR [YEAR...]     # e.g. build/bin 2023 2021 2020 2019
#
# BIN_DIR holds gongkaid and load_client (copy build/bin aside to compare two builds; run them
# one after the other, never beside a build or a benchmark). Takes ~1.5 minutes a year.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN=${1:?a bin/ directory holding gongkaid and load_client}
shift
W=$(mktemp -d "$ROOT/.bench-mem-XXXXXX")
pid=
trap 'if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$W"' EXIT
"$BIN/gongkaid" --listen=127.0.0.1:0 --data_dir="$W/data" --port_file="$W/port" \
  --metrics_listen=127.0.0.1:0 --log_format=text --registry_dir="$ROOT/data/regions" 2>"$W/log" &
pid=$!
for _ in $(seq 3000); do
  [[ -s $W/port ]] && grep -q "following the change log" "$W/log" && break
  kill -0 "$pid" || { tail "$W/log" >&2; exit 1; }
  sleep 0.1
done
port=$(sed -n 's/.*serving metrics.*port=\([0-9]*\).*/\1/p' "$W/log" | head -1)
[[ -n $port ]] || { echo "no metrics port in gongkaid's log" >&2; exit 1; }
METRICS=127.0.0.1:$port
LC=("$BIN/load_client" --registry_dir="$ROOT/data/regions" --server="127.0.0.1:$(cat "$W/port")")

report() {  # LABEL
  local m
  sleep 1  # the worker's next idle step (within ~100 ms) forgets and hands back
  m=$(curl -fsS "http://$METRICS/metrics")
  mb() { awk -v name="$1" '$1 == name {printf "%.1f", $2 / 1048576}' <<<"$m"; }
  count() {
    awk -v name="$1" '$1 == name {v = $2} END {if (v == "") print "n/a"; else printf "%d", v}' <<<"$m"
  }
  echo "$1: RSS $(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$pid/status") MB," \
    "heap $(mb gongkai_heap_allocated_bytes), free $(mb gongkai_heap_free_bytes)" \
    "(thread caches $(mb gongkai_heap_thread_cache_free_bytes))," \
    "memtables $(mb gongkai_rocksdb_memtable_bytes), cache $(mb gongkai_rocksdb_cache_bytes);" \
    "$(count gongkai_worker_years_loaded) year(s) in the worker," \
    "$(count gongkai_worker_remembered_similarities) narrative pairs remembered"
}

"${LC[@]}" --mode=submit --year=2022 --offset=0 --count=80136 --concurrency=16 >/dev/null
"${LC[@]}" --mode=catchup >/dev/null
"${LC[@]}" --mode=recompute --year=2022 --repeat=3 >/dev/null
report "1 year"
n=1
for year in "$@"; do
  "${LC[@]}" --mode=submit --year="$year" --concurrency=16 >/dev/null
  "${LC[@]}" --mode=catchup >/dev/null
  n=$((n + 1))
  report "$n years (+$year)"
done
