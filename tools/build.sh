#!/usr/bin/env bash
# The one build script (README, CI, and the container build use it): installs the Debian 12
# packages that are missing (as root, non-interactive), then configures and builds everything
# with CMake + Ninja:
#   bash tools/build.sh              into build/ (BUILD_TYPE, default RelWithDebInfo)
#   bash tools/build.sh --sanitize   into build-sanitize/, with AddressSanitizer and
#                                    UndefinedBehaviorSanitizer on every target
# GONGKAI_WERROR=1 makes every warning an error (CI sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=build
cmake_args=(-DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}")
if [ "${1:-}" = --sanitize ]; then
  build_dir=build-sanitize
  cmake_args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DGONGKAI_SANITIZE=address,undefined)
fi
[ "${GONGKAI_WERROR:-0}" = 1 ] && cmake_args+=(-DGONGKAI_WERROR=ON)

packages=(cmake g++ ninja-build pkg-config ccache
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev librocksdb-dev libgtest-dev libgmock-dev libxlsxwriter-dev libbenchmark-dev
  libgoogle-perftools-dev  # TCMalloc for gongkaid and gongkai-worker
  libcpp-httplib-dev libssl-dev openssl
  libzip-dev libxml2-dev libpoppler-cpp-dev libtesseract-dev tesseract-ocr-chi-sim  # importer/files
  python3 python3-grpcio python3-protobuf python3-yaml python3-h2 grpc-proto systemd
  clang libclang-rt-14-dev  # clang: the libFuzzer session in the tests
  chromium fonts-noto-cjk)  # the reviewer's HTML page, tested in a real browser
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

cmake -S . -B "$build_dir" -G Ninja "${cmake_args[@]}" >/dev/null
cmake --build "$build_dir"
