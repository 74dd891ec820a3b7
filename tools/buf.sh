#!/usr/bin/env bash
# The API's guard: lints proto/ with buf (proto/buf.yaml says which rules and why) and checks
# it against another commit (default: the previous commit, HEAD~1) for changes that would break
# clients' wire or JSON compatibility. buf is the pinned npm package of tools/buf/ (installed
# here with npm ci; Node.js and npm from Debian when missing).
#   bash tools/buf.sh [AGAINST_COMMIT]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
buf=tools/buf/node_modules/.bin/buf
if [ ! -x "$buf" ]; then
  npm ci --prefix tools/buf --no-audit --no-fund --loglevel=error >/dev/null
fi
echo "buf.sh: buf $("$buf" --version) lint"
(cd proto && "../$buf" lint)
against=${1:-HEAD~1}
if ! git rev-parse --verify -q "$against^{commit}" >/dev/null; then
  echo "buf.sh: no commit $against to compare with; breaking-change check skipped"
  exit 0
fi
echo "buf.sh: breaking changes (WIRE_JSON) against $against"
"$buf" breaking proto --against ".git#ref=$(git rev-parse "$against"),subdir=proto"
echo "buf.sh: the API is clean"
