#!/usr/bin/env bash
# Sets up, builds and runs every test (unit, integration against the real server on
# 127.0.0.1:0, end to end through the CLI, the independent Python client, short fuzzing
# sessions). With --sanitize: the same suite built with AddressSanitizer and
# UndefinedBehaviorSanitizer, in build-sanitize/ (the fuzzing sessions, which have their own
# sanitized build, are left out there).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=build
if [ "${1:-}" = --sanitize ]; then
  build_dir=build-sanitize
  # Leaks inside third-party libraries that our code cannot free (tests/lsan.supp).
  export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
fi
bash tools/build.sh "$@"
ctest --test-dir "$build_dir" -j2 --output-on-failure --timeout 600
