#!/usr/bin/env bash
# The national-scale benchmark suite (issue 6), in one command: builds the benchmark targets,
# starts gongkaid on a fresh data directory and PostgreSQL 15 on loopback (a private cluster
# made here), measures everything side by side and rewrites docs/BENCHMARKS.md.
#
#   bash tools/bench.sh            # the full run (about 15 minutes): medians of 3 runs, 5 years
#   bash tools/bench.sh --quick    # one run, 2 years (a few minutes); writes the doc too
#   bash tools/bench.sh --smoke    # seconds, on Beijing's slice of the registry; CI runs it
#                                  # (ctest -R BenchSuiteSmoke); writes only to the work dir
#
# Options: --build_dir=DIR (default build-bench; configured and built unless --no_build),
# --out=FILE (default docs/BENCHMARKS.md; none in smoke mode), --no_pg, --keep (work dir).
# Data lives on the repository's disk (never tmpfs), so every sync is a real one.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODE=full BUILD_DIR="$ROOT/build-bench" OUT="" BUILD=1 PG=1 KEEP=0
for arg in "$@"; do
  case "$arg" in
    --smoke) MODE=smoke ;;
    --quick) MODE=quick ;;
    --build_dir=*) BUILD_DIR="${arg#*=}" ;;
    --out=*) OUT="${arg#*=}" ;;
    --no_build) BUILD=0 ;;
    --no_pg) PG=0 ;;
    --keep) KEEP=1 ;;
    *) echo "bench.sh: unknown argument $arg" >&2; exit 2 ;;
  esac
done
[[ "$MODE" == smoke ]] && BUILD=0
# Absolute: the work directory inside it holds PostgreSQL's socket, which a relative path would
# place beside PostgreSQL's data directory instead.
BUILD_DIR="$(realpath -m "$BUILD_DIR")"
[[ -z "$OUT" && "$MODE" != smoke ]] && OUT="$ROOT/docs/BENCHMARKS.md"
BIN="$BUILD_DIR/bin"
PGBIN=/usr/lib/postgresql/15/bin

# What each mode measures: "concurrency:reports" per submit measurement, and the rest.
case "$MODE" in
  full)  RUNS=3 COUNTS="1:1000 4:3000 16:5000 64:5000" YEARS=5 PROBES=200 READ_SECONDS=5
         ROLLUP_RATE=5000 REPORT_RATE=5000 ANOMALY_RATE=2000 REPEAT=3 PARSE_REPS=5 BG_RATE=200 ;;
  quick) RUNS=1 COUNTS="1:500 4:2000 16:3000 64:3000" YEARS=2 PROBES=50 READ_SECONDS=3
         ROLLUP_RATE=5000 REPORT_RATE=5000 ANOMALY_RATE=2000 REPEAT=1 PARSE_REPS=3 BG_RATE=200 ;;
  smoke) RUNS=1 COUNTS="1:20 4:40 16:60 64:64" YEARS=2 PROBES=5 READ_SECONDS=1
         ROLLUP_RATE=200 REPORT_RATE=200 ANOMALY_RATE=100 REPEAT=1 PARSE_REPS=1 BG_RATE=50 ;;
esac
YEAR=2022
ALL_YEARS=(2022 2023 2021 2020 2019)

if [[ $BUILD == 1 ]]; then
  if [[ $PG == 1 && ! -x $PGBIN/initdb ]] || ! dpkg -s libpq-dev >/dev/null 2>&1; then
    if [[ $PG == 1 ]]; then
      sudo=""; [[ $(id -u) != 0 ]] && sudo=sudo
      $sudo apt-get update -qq
      DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        postgresql-15 libpq-dev >/dev/null
    fi
  fi
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_COMPILER_LAUNCHER=ccache >/dev/null
  targets="gongkaid load_client parse_bench rollup_bench"
  grep -q "pg_bench" "$BUILD_DIR/build.ninja" && targets="$targets pg_bench"
  ninja -C "$BUILD_DIR" -j2 $targets >/dev/null
fi
[[ -x $BIN/pg_bench && -x $PGBIN/initdb ]] || PG=0

# A run killed outright (SIGKILL, a CI timeout) leaves its PostgreSQL behind: stop those first.
for stale in "$BUILD_DIR"/bench-run.*; do
  [[ -f "$stale/owner" ]] && kill -0 "$(cat "$stale/owner")" 2>/dev/null && continue
  [[ -f "$stale/pg/data/postmaster.pid" ]] &&
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$stale/pg/data" -m immediate stop >/dev/null 2>&1
  [[ -d "$stale" && ! -f "$stale/keep" ]] && rm -rf "$stale"
done
WORK="$(mktemp -d "$BUILD_DIR/bench-run.XXXXXX")"
echo $$ >"$WORK/owner"
[[ $KEEP == 1 ]] && touch "$WORK/keep"
chmod 755 "$WORK"  # PostgreSQL runs as postgres under it
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
GONGKAID_PID="" PG_STARTED=0
cleanup() {
  [[ -n "$GONGKAID_PID" ]] && kill "$GONGKAID_PID" 2>/dev/null && wait "$GONGKAID_PID" 2>/dev/null
  [[ $PG_STARTED == 1 ]] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -m fast \
    stop >/dev/null 2>&1
  if [[ $KEEP == 0 ]]; then rm -rf "$WORK"; else echo "bench.sh: work dir $WORK" >&2; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# The registry: the national one, or Beijing's slice of it in smoke mode.
REGISTRY="$ROOT/data/regions"
if [[ "$MODE" == smoke ]]; then
  REGISTRY="$WORK/regions"
  mkdir -p "$REGISTRY"
  awk -F, 'NR==1 || substr($1,1,2)=="11"' "$ROOT/data/regions/regions.csv" >"$REGISTRY/regions.csv"
  awk -F, 'NR==1 || (substr($2,1,2)=="11" && substr($3,1,2)=="11")' \
    "$ROOT/data/regions/lineage.csv" >"$REGISTRY/lineage.csv"
fi
GEN=(--registry_dir="$REGISTRY")

log() { echo "bench.sh: $*" >&2; }
now() { date +%s.%N; }
# shown: the command as written in the doc (paths relative to the repository).
shown() {
  local s="$*"
  s="${s//$WORK/\$WORK}"; s="${s//$BUILD_DIR\//build-bench/}"; s="${s//$ROOT\//}"
  s="${s//$REGISTRY/\$REGISTRY}"; s="${s//--server=$SERVER/--server=\$SERVER}"
  s="${s//--conninfo=host=127.0.0.1 port=$PGPORT user=postgres dbname=postgres/--conninfo=\"host=127.0.0.1 port=\$PGPORT user=postgres\"}"
  echo "${s//--registry_dir=\$REGISTRY /}"
}
SERVER="" PGPORT=""
# record LABEL JSON COMMAND…: one result line.
record() { printf '%s\t%s\t%s\n' "$1" "$(shown "${@:3}")" "$2" >>"$RESULTS"; }
# measure LABEL COMMAND…: runs a tool printing one JSON line and records it.
measure() {
  local label="$1"; shift
  local out
  if ! out="$("$@" | tail -n 1)"; then log "failed: $label: $(shown "$@")"; echo "$out" >&2; exit 1; fi
  record "$label" "$out" "$@"
  log "$label $out"
}

start_gongkaid() {
  local data="$1"
  rm -f "$WORK/port"
  touch "$WORK/gongkaid.log"
  local ready=$(( $(grep -c "following the change log" "$WORK/gongkaid.log" || true) + 1 ))
  local start; start=$(now)
  "$BIN/gongkaid" --listen=127.0.0.1:0 --data_dir="$data" --port_file="$WORK/port" \
    --metrics_listen= --log_format=text --registry_dir="$REGISTRY" 2>>"$WORK/gongkaid.log" &
  GONGKAID_PID=$!
  for _ in $(seq 1 6000); do
    [[ -s "$WORK/port" ]] && break
    kill -0 "$GONGKAID_PID" 2>/dev/null || break
    sleep 0.01
  done
  [[ -s "$WORK/port" ]] || { log "gongkaid did not start"; tail "$WORK/gongkaid.log" >&2; exit 1; }
  SERVING_SECONDS=$(awk "BEGIN {print $(now) - $start}")
  SERVER="127.0.0.1:$(cat "$WORK/port")"
  # The in-process worker is ready once it has rolled up every stored year.
  for _ in $(seq 1 60000); do
    (( $(grep -c "following the change log" "$WORK/gongkaid.log" || true) >= ready )) && break
    kill -0 "$GONGKAID_PID" 2>/dev/null || break
    sleep 0.01
  done
  READY_SECONDS=$(awk "BEGIN {print $(now) - $start}")
  kill -0 "$GONGKAID_PID" 2>/dev/null || { log "gongkaid $GONGKAID_PID exited"; tail "$WORK/gongkaid.log" >&2; exit 1; }
  log "gongkaid pid $GONGKAID_PID serving on $SERVER"
}
stop_gongkaid() {
  kill "$GONGKAID_PID"; wait "$GONGKAID_PID" || true; GONGKAID_PID=""
}
resources() {  # LABEL DATA_DIR
  local rss hwm disk
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$GONGKAID_PID/status")
  hwm=$(awk '/VmHWM/ {print $2}' "/proc/$GONGKAID_PID/status")
  disk=$(du -sk "$2" | cut -f1)
  record "$1" "{\"rss_mb\":$((rss / 1024)),\"peak_rss_mb\":$((hwm / 1024)),\"disk_mb\":$((disk / 1024))}" \
    "grep -E 'VmRSS|VmHWM' /proc/\$(pidof gongkaid)/status; du -sk DATA_DIR"
  log "$1 rss ${rss} kB, peak ${hwm} kB, disk ${disk} kB (gongkaid pid $GONGKAID_PID)"
}

LC=("$BIN/load_client" "${GEN[@]}")
measure generator "${LC[@]}" --mode=generate --year=$YEAR --count=2000

# --- PostgreSQL 15: a private cluster on loopback, durable commits ---------------------------
if [[ $PG == 1 ]]; then
  mkdir -p "$WORK/pg"
  chown postgres "$WORK/pg"
  runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg/data" -A trust -U postgres >/dev/null
  PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg/data" -l "$WORK/pg/log" -w start -o \
    "-c listen_addresses=127.0.0.1 -p $PGPORT -k $WORK/pg -c synchronous_commit=on -c fsync=on -c max_connections=200 -c shared_buffers=512MB" >/dev/null
  PG_STARTED=1
  PGB=("$BIN/pg_bench" "${GEN[@]}" --conninfo="host=127.0.0.1 port=$PGPORT user=postgres dbname=postgres")
  measure pg_setup "${PGB[@]}" --mode=setup
fi

# --- gongkaid on an empty store ---------------------------------------------------------------
start_gongkaid "$WORK/data"
record startup_empty "{\"serving_seconds\":$SERVING_SECONDS,\"ready_seconds\":$READY_SECONDS}" \
  "$BIN/gongkaid" --listen=127.0.0.1:0 --data_dir=EMPTY --port_file=PORT_FILE
catchup() { measure "catchup/$1" "${LC[@]}" --mode=catchup --server="$SERVER"; }

# --- 1, 2. Durable submits beside the echo and RocksDB ceilings (and PostgreSQL) --------------
offset=0
for run in $(seq 1 $RUNS); do
  for pair in $COUNTS; do
    c=${pair%%:*} n=${pair##*:}
    span=(--year=$YEAR --offset=$offset --count=$n --concurrency=$c)
    measure "submit/$c/$run" "${LC[@]}" --mode=submit --server="$SERVER" "${span[@]}"
    "${LC[@]}" --mode=catchup --server="$SERVER" >/dev/null
    measure "echo/$c/$run" "${LC[@]}" --mode=echo "${span[@]}"
    measure "rocks/$c/$run" "${LC[@]}" --mode=rocks --dir="$WORK/rocks" "${span[@]}"
    [[ $PG == 1 ]] && measure "pg_load/$c/$run" "${PGB[@]}" --mode=load "${span[@]}"
    offset=$((offset + n))
  done
done
# The rest of the national year, at 16 in flight.
measure load_rest "${LC[@]}" --mode=submit --server="$SERVER" --year=$YEAR --offset=$offset --concurrency=16
catchup load_rest
[[ $PG == 1 ]] && measure pg_load_rest "${PGB[@]}" --mode=load --year=$YEAR --offset=$offset --concurrency=16

# --- 3. Full recompute of the national year -------------------------------------------------
measure recompute "${LC[@]}" --mode=recompute --server="$SERVER" --year=$YEAR --repeat=$REPEAT
[[ $PG == 1 ]] && measure pg_rollup "${PGB[@]}" --mode=rollup --year=$YEAR --repeat=$REPEAT
resources resources/1 "$WORK/data"
# The nation's rollup of the year restated on another year's tree (computed on demand; after
# the memory figure, which it would otherwise include).
measure restate "${LC[@]}" --mode=restate --server="$SERVER" --year=$YEAR \
  --on_tree=$((YEAR == 2023 ? 2022 : 2023)) --repeat=$REPEAT

# --- 4. Freshness under a background load: resubmissions of the year at a fixed rate, and as
# fast as 2 in flight go (beyond what the worker sustains: its lag grows) --------------------------
BG=(--background_concurrency=2 --background_year=$YEAR --background_rate=$BG_RATE)
measure freshness "${LC[@]}" --mode=freshness --server="$SERVER" --year=$YEAR --probes=$PROBES "${BG[@]}"
catchup freshness
measure freshness_saturated "${LC[@]}" --mode=freshness --server="$SERVER" --year=$YEAR \
  --probes=$((PROBES / 4)) --background_concurrency=2 --background_year=$YEAR
catchup freshness_saturated

# --- 5. Reads at a fixed rate under the fixed-rate background load --------------------------------
for run in $(seq 1 $RUNS); do
  # The floor: RegionService.GetRegion (an in-memory lookup) at GetRollup's rate — what the
  # client, gRPC, the server's threads and checks and the machine cost a read that does
  # nearly nothing, beside the same background load.
  measure "reads/floor/$run" "${LC[@]}" --mode=reads --server="$SERVER" --year=$YEAR \
    --rpc=floor --rate=$ROLLUP_RATE --seconds=$READ_SECONDS "${BG[@]}"
  measure "reads/GetRollup/$run" "${LC[@]}" --mode=reads --server="$SERVER" --year=$YEAR \
    --rpc=GetRollup --rate=$ROLLUP_RATE --seconds=$READ_SECONDS "${BG[@]}"
  measure "reads/GetReport/$run" "${LC[@]}" --mode=reads --server="$SERVER" --year=$YEAR \
    --rpc=GetReport --rate=$REPORT_RATE --seconds=$READ_SECONDS "${BG[@]}"
  measure "reads/ListAnomalies/$run" "${LC[@]}" --mode=reads --server="$SERVER" --year=$YEAR \
    --rpc=ListAnomalies --rate=$ANOMALY_RATE --seconds=$READ_SECONDS "${BG[@]}"
  # PostgreSQL's point reads at the same rates (its tables hold the year and its rollup).
  if [[ $PG == 1 ]]; then
    measure "pg_reads/report/$run" "${PGB[@]}" --mode=reads --query=report --year=$YEAR \
      --rate=$REPORT_RATE --seconds=$READ_SECONDS --concurrency=16
    measure "pg_reads/rollup/$run" "${PGB[@]}" --mode=reads --query=rollup --year=$YEAR \
      --rate=$ROLLUP_RATE --seconds=$READ_SECONDS --concurrency=16
  fi
done
catchup reads

# --- 7. More national years: RSS and disk; start-up with all of them ------------------------------
for ((y = 1; y < YEARS; y++)); do
  measure "load_year/${ALL_YEARS[$y]}" "${LC[@]}" --mode=submit --server="$SERVER" \
    --year="${ALL_YEARS[$y]}" --concurrency=16
  catchup "year/${ALL_YEARS[$y]}"
  resources "resources/$((y + 1))" "$WORK/data"
done
stop_gongkaid
start_gongkaid "$WORK/data"
record startup_full "{\"serving_seconds\":$SERVING_SECONDS,\"ready_seconds\":$READY_SECONDS,\"years\":$YEARS}" \
  "$BIN/gongkaid" --listen=127.0.0.1:0 --data_dir=DATA_DIR --port_file=PORT_FILE
resources "resources/restarted" "$WORK/data"
stop_gongkaid

# --- 6. Parsing published reports; the worker's arithmetic alone ----------------------------------
if [[ "$MODE" == smoke ]]; then
  "$BIN/parse_bench" --benchmark_min_time=0.01 --benchmark_format=json >"$WORK/parse.json"
else
  "$BIN/parse_bench" --benchmark_repetitions=$PARSE_REPS --benchmark_report_aggregates_only=true \
    --benchmark_format=json >"$WORK/parse.json"
  "$BIN/rollup_bench" --benchmark_repetitions=$PARSE_REPS --benchmark_report_aggregates_only=true \
    --benchmark_format=json >"$WORK/rollup.json"
fi

# --- The report ----------------------------------------------------------------------------------
python3 "$ROOT/bench/report.py" --mode="$MODE" --results="$RESULTS" --parse="$WORK/parse.json" \
  --rollup="$WORK/rollup.json" --notes="$ROOT/bench/notes.md" --out="${OUT:-$WORK/BENCHMARKS.md}"
log "wrote ${OUT:-$WORK/BENCHMARKS.md}"
