#!/usr/bin/env bash
# A short, bounded libFuzzer session on the importer's parser.
#
#   fuzz.sh SOURCE_DIR BUILD_DIR SECONDS
#
# Builds the parser, the schema walker and the generated messages (BUILD_DIR/proto, from the
# normal CMake build) with clang++ -fsanitize=fuzzer,address, seeds the corpus with the sample
# reports, and fuzzes for SECONDS. Exits 77 ("skipped", ctest's SKIP_RETURN_CODE) when clang++
# or libFuzzer is not available; non-zero when the fuzzer finds a crash, leak or hang.
set -euo pipefail
src=${1:?source dir}
build=${2:?build dir}
seconds=${3:-25}

clang=$(command -v clang++ || command -v clang++-14 || true)
if [ -z "$clang" ]; then
  echo "fuzz.sh: skipped: clang++ not found (apt-get install clang libclang-rt-14-dev)"
  exit 77
fi
gen="$build/proto/gongkai/v1"
if [ ! -f "$gen/report.pb.cc" ] || [ ! -f "$gen/options.pb.cc" ]; then
  echo "fuzz.sh: skipped: generated protos not found in $gen (build gongkai_proto first)"
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/gongkai-fuzz-XXXXXX")
trap 'rm -rf "$work"' EXIT

absl_libs=$(pkg-config --libs absl_strings absl_str_format absl_status absl_statusor \
  absl_flat_hash_map 2>/dev/null || echo "-labsl_strings -labsl_str_format_internal \
  -labsl_status -labsl_statusor -labsl_raw_hash_set -labsl_hash -labsl_city \
  -labsl_low_level_hash -labsl_int128 -labsl_throw_delegate -labsl_raw_logging_internal")
# Fails with "skipped" (not an error) when libFuzzer's runtime is missing.
if ! echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' \
    | "$clang" -x c++ -fsanitize=fuzzer - -o "$work/probe" 2>/dev/null; then
  echo "fuzz.sh: skipped: clang++ cannot link libFuzzer (apt-get install libclang-rt-14-dev)"
  exit 77
fi
echo "fuzz.sh: building the fuzzer with $clang"
"$clang" -std=c++20 -O1 -g -fsanitize=fuzzer,address -fno-omit-frame-pointer \
  -I"$src" -I"$build/proto" \
  "$src"/importer/*.cc "$src/proto/cells.cc" "$src/proto/money.cc" "$src"/common/*.cc \
  $(ls "$gen"/*.pb.cc | grep -v '\.grpc\.pb\.cc$') "$build/proto/google/rpc/status.pb.cc" \
  "$src/tests/importer/parser_fuzzer.cc" \
  -lprotobuf $absl_libs -lpthread -o "$work/parser_fuzzer"

mkdir -p "$work/corpus"
cp "$src"/tests/testdata/samples/*.txt "$work/corpus/"
echo "fuzz.sh: fuzzing for ${seconds}s"
set +e
ASAN_OPTIONS=detect_leaks=1 "$work/parser_fuzzer" "$work/corpus" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -artifact_prefix="$work/" -print_final_stats=1 2>&1 | tail -25
status=${PIPESTATUS[0]}
if [ "$status" -ne 0 ]; then
  mkdir -p "$build/fuzz-artifacts"
  cp "$work"/crash-* "$work"/timeout-* "$work"/leak-* "$build/fuzz-artifacts/" 2>/dev/null || true
  echo "fuzz.sh: the fuzzer failed (status $status); artifacts in $build/fuzz-artifacts"
fi
exit "$status"
