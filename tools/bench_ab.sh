#!/usr/bin/env bash
# Before/after comparisons of the worker on the same machine in the same minutes (the figures of
# bench/notes.md): binaries built from two commits, runs alternating between them.
#
#   bash tools/bench_ab.sh catchup   DIR_A DIR_B ...   # fresh gongkaid; COUNT fresh reports at
#                                                      # CONC in flight; then how far behind
#   bash tools/bench_ab.sh submits   DIR_A DIR_B ...   # fresh gongkaid; WARM reports and a
#                                                      # catch-up (the year's first whole write),
#                                                      # then COUNT more at CONC in flight: the
#                                                      # rate, and gongkaid's CPU seconds for it
#                                                      # (a DIR may run it with --worker=false)
#   bash tools/bench_ab.sh recompute DIR_A DIR_B ...   # the same, then REPEAT full recomputes
#                                                      # (and gongkaid's CPU seconds for them)
#   bash tools/bench_ab.sh reads     DIR_A DIR_B ...   # the same, then GetRollup, GetReport and
#                                                      # ListAnomalies at 5,000/5,000/2,000 per s
#                                                      # for 5 s each beside 200 resubmits/s
#   bash tools/bench_ab.sh freshness DIR_A DIR_B ...   # the same load, then freshness beside 200
#                                                      # resubmits/s and beside as many as 2
#                                                      # calls in flight go
#   bash tools/bench_ab.sh restart   DIR_A DIR_B ...   # the same load (and EXTRA_YEARS); then
#                                                      # gongkaid stopped and started again:
#                                                      # seconds until its worker follows the
#                                                      # change log
#
# Every line ends with gongkaid's resident memory after the measured phase (before a restart).
#
# Each DIR is a bin/ directory holding gongkaid and load_client (copy build-bench/bin aside before
# rebuilding it). A DIR may carry extra gongkaid flags after a colon:
# "/tmp/bin_new:--worker_threads=1". Environment: RUNS (2), COUNT (80071 for catchup, 30000 for
# recompute, 2000 for submits, the whole year for reads), WARM (submits: 100), CONC (16),
# REPEAT (3), YEAR (2022), EXTRA_YEARS (restart: more national years loaded whole after YEAR,
# e.g. "2023 2021"), PERF=FILE (perf record -a during the measured phase of the last run, into
# FILE; PERF_ARGS, default "-F 999 -g": e.g. "-F 199 --call-graph dwarf,16384" for stacks
# through code built without frame pointers). One line per run on stdout.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODE=${1:?catchup, submits, recompute, reads, freshness or restart}
shift
RUNS=${RUNS:-2} CONC=${CONC:-16} REPEAT=${REPEAT:-3} YEAR=${YEAR:-2022}
case $MODE in
  recompute) COUNT=${COUNT:-30000} ;;
  reads | freshness | restart) COUNT=${COUNT:-80136} ;;  # the whole year (2022): probes pick any report
  submits) COUNT=${COUNT:-2000} WARM=${WARM:-100} ;;
  *) COUNT=${COUNT:-80071} ;;
esac

start() {  # BIN FLAGS WORK: starts gongkaid, waits until its worker follows the change log
  rm -f "$3/port"
  # shellcheck disable=SC2086
  "$1/gongkaid" --listen=127.0.0.1:0 --data_dir="$3/data" --port_file="$3/port" \
    --metrics_listen= --log_format=text --registry_dir="$ROOT/data/regions" $2 2>"$3/log" &
  pid=$!
  for _ in $(seq 3000); do
    [[ -s $3/port ]] && { [[ $2 == *--worker=false* ]] || grep -q "following the change log" "$3/log"; } && break
    sleep 0.1
  done
}

perf_start() {  # sets perf_pid (one's local) when PERF is set
  [[ -n ${PERF:-} ]] || return 0
  # shellcheck disable=SC2086 # PERF_ARGS is a list of options
  perf record ${PERF_ARGS:--F 999 -g} -a -o "$PERF" 2>/dev/null &
  perf_pid=$!
}

one() {  # DIR[:FLAGS] LAST
  local bin=${1%%:*} flags="" work pid server out perf_pid=""
  [[ $1 == *:* ]] && flags=${1#*:}
  work=$(mktemp -d "$ROOT/.bench-ab-XXXXXX")  # on the repository's disk: real syncs
  start "$bin" "$flags" "$work"
  server=127.0.0.1:$(cat "$work/port")
  local lc=("$bin/load_client" --registry_dir="$ROOT/data/regions" --server="$server")
  if [[ $MODE == submits ]]; then
    "${lc[@]}" --mode=submit --year="$YEAR" --offset=0 --count="$WARM" --concurrency=4 >/dev/null
    [[ $flags == *--worker=false* ]] || "${lc[@]}" --mode=catchup >/dev/null
    local cpu0
    cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    [[ $2 == 1 ]] && perf_start
    out=$("${lc[@]}" --mode=submit --year="$YEAR" --offset="$WARM" --count="$COUNT" --concurrency="$CONC")
    [[ -n $perf_pid ]] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
    echo "$1: $(grep -o '"per_second":[0-9.]*' <<<"$out" | cut -d: -f2)/s submits, gongkaid CPU" \
      "$(awk -v c0="$cpu0" -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15 - c0) / hz}' "/proc/$pid/stat") s," \
      "RSS $(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status") MB"
    kill "$pid"; wait "$pid" || true
    rm -rf "$work"
    return
  fi
  out=$("${lc[@]}" --mode=submit --year="$YEAR" --offset=0 --count="$COUNT" --concurrency="$CONC")
  local line
  line="$1: $(grep -o '"per_second":[0-9.]*' <<<"$out" | cut -d: -f2)/s submits"
  if [[ $MODE == restart ]]; then
    for extra in ${EXTRA_YEARS:-}; do
      "${lc[@]}" --mode=submit --year="$extra" --concurrency="$CONC" >/dev/null
    done
  fi
  [[ $MODE != catchup ]] && "${lc[@]}" --mode=catchup >/dev/null
  [[ $2 == 1 ]] && perf_start
  if [[ $MODE == catchup ]]; then
    out=$("${lc[@]}" --mode=catchup)
    line+=", then behind by $(grep -o '"seconds":[0-9.]*' <<<"$out" | cut -d: -f2) s"
  elif [[ $MODE == restart ]]; then
    line+=", RSS $(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status") MB"
    kill "$pid"; wait "$pid" || true
    local t0
    t0=$(date +%s.%N)
    start "$bin" "$flags" "$work"
    line+=", worker following again $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s after the start"
  elif [[ $MODE == freshness ]]; then
    for background in --background_rate=200 ""; do
      # shellcheck disable=SC2086
      out=$("${lc[@]}" --mode=freshness --year="$YEAR" --probes=100 --background_concurrency=2 \
        --background_year="$YEAR" $background)
      line+=", freshness p50/p99 $(grep -o '"p50_ms":[0-9.]*' <<<"$out" | cut -d: -f2)"
      line+="/$(grep -o '"p99_ms":[0-9.]*' <<<"$out" | cut -d: -f2) ms beside"
      line+=" $(grep -o '"background_per_second":[0-9.]*' <<<"$out" | cut -d: -f2)/s"
      "${lc[@]}" --mode=catchup >/dev/null
    done
  elif [[ $MODE == reads ]]; then
    for rpc in GetRollup:5000 GetReport:5000 ListAnomalies:2000; do
      out=$("${lc[@]}" --mode=reads --year="$YEAR" --rpc="${rpc%%:*}" --rate="${rpc##*:}" \
        --seconds=5 --background_concurrency=2 --background_year="$YEAR" --background_rate=200)
      line+=", ${rpc%%:*} p50/p99 $(grep -o '"p50_ms":[0-9.]*' <<<"$out" | cut -d: -f2)"
      line+="/$(grep -o '"p99_ms":[0-9.]*' <<<"$out" | cut -d: -f2) ms"
    done
  else
    local cpu0
    cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
    out=$("${lc[@]}" --mode=recompute --year="$YEAR" --repeat="$REPEAT")
    line+=", recompute $(grep -o '"runs":\[[0-9.,]*\]' <<<"$out" | cut -d: -f2) s"
    line+=" (gongkaid CPU $(awk -v c0="$cpu0" -v hz="$(getconf CLK_TCK)" \
      '{printf "%.2f", ($14 + $15 - c0) / hz}' "/proc/$pid/stat") s for them)"
    line+="$(grep -oE "report\(s\) read in [^,]*, results written in [0-9.a-z]*( \([0-9]+ rollup\(s\) built\))?" "$work/log" |
      sed 's/^/; /' | tr -d '\n' || true)"
  fi
  [[ -n $perf_pid ]] && { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
  line+=", RSS $(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status") MB"
  kill "$pid"; wait "$pid" || true
  rm -rf "$work"
  echo "$line"
}

for run in $(seq "$RUNS"); do
  for dir in "$@"; do one "$dir" "$([[ $run == "$RUNS" ]] && echo 1 || echo 0)"; done
done
