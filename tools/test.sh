#!/usr/bin/env bash
# Sets up, builds and runs every test (unit, integration against the real server on
# 127.0.0.1:0, end to end through the CLI, and the independent Python client).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
ctest --test-dir build -j2 --output-on-failure --timeout 300
