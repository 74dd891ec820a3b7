#!/usr/bin/env bash
# Sets up, builds and runs gongkaid on 127.0.0.1:50051 with its RocksDB in ./gongkai-data
# and the national region registry (data/regions/) loaded on first start. Extra arguments go
# to gongkaid (e.g. --listen=127.0.0.1:50052).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/build.sh
exec build/bin/gongkaid --listen=127.0.0.1:50051 --data_dir=gongkai-data "$@"
