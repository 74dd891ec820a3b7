#!/usr/bin/env bash
# The one build script (README, CI, and later the container build use it): installs the
# Debian 12 packages that are missing (as root, non-interactive), then configures and builds
# everything into build/ with CMake + Ninja.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ ninja-build pkg-config ccache
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev librocksdb-dev libgtest-dev libgmock-dev libxlsxwriter-dev libbenchmark-dev
  libcpp-httplib-dev libssl-dev openssl
  python3 python3-grpcio python3-protobuf python3-yaml grpc-proto systemd
  clang libclang-rt-14-dev)  # clang: the libFuzzer session in the tests
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "build.sh: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build build
