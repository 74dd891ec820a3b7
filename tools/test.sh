#!/usr/bin/env bash
# Sets up, builds and runs every test (unit, integration against the real server on
# 127.0.0.1:0, end to end through the CLI, the independent Python client, short fuzzing
# sessions). With --sanitize: the same suite built with AddressSanitizer and
# UndefinedBehaviorSanitizer, in build-sanitize/ (the fuzzing sessions, which have their own
# sanitized build, are left out there).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=build
[ "${1:-}" = --sanitize ] && build_dir=build-sanitize
bash tools/build.sh "$@"
ctest --test-dir "$build_dir" -j2 --output-on-failure --timeout 600
