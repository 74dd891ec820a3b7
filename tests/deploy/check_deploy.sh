#!/usr/bin/env bash
# CI checks of deploy/ that need no container daemon and no cluster:
#
#   check_deploy.sh SOURCE_DIR GONGKAID GONGKAI_WORKER GONGKAI
#
#  - systemd: `systemd-analyze verify` on every unit, `systemd-analyze security --offline`
#    on every service (exposure must stay "OK"), the sysusers file;
#  - every YAML file parses (python3-yaml); the Kubernetes manifests are well-formed and
#    `kubectl kustomize` renders them (when kubectl is installed);
#  - every --flag passed to gongkaid / gongkai-worker in the Dockerfile, Compose file,
#    Kubernetes manifests, systemd units, env file and docs is one the binary has
#    (`--helpfull`), and every `gongkai COMMAND` is in `gongkai help`;
#  - ports: 50051 gRPC, 9464 gongkaid metrics, 9465 worker metrics, everywhere;
#  - the install layout (`cmake --install` into a temporary DESTDIR) holds the Dockerfile's
#    ENTRYPOINT and every /opt/gongkai path deploy/ mentions;
#  - the Dockerfile's runtime package list covers the binaries' shared libraries;
#  - docs/OPERATIONS.md documents every flag and every metric the alert rules use;
#  - shellcheck on the scripts (when installed).
#
# Prints one line per check (`ok`, `FAIL`, `skip`) and then `N passed, M failed`; exits 1
# if anything failed. The parsing is in check_manifests.py next to this file.
set -uo pipefail

if [ $# -ne 4 ]; then
  echo "usage: $0 SOURCE_DIR GONGKAID GONGKAI_WORKER GONGKAI" >&2
  exit 2
fi
src=$(cd "$1" && pwd)
gongkaid=$(realpath "$2")
worker=$(realpath "$3")
cli=$(realpath "$4")
here=$(cd "$(dirname "$0")" && pwd)

passed=0
failed=0
ok() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
skip() { echo "skip $1: $2"; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for b in "$gongkaid" "$worker" "$cli"; do
  [ -x "$b" ] || fail "binary $b" "not an executable"
done

# ---------------------------------------------------------------- the binaries' interfaces
# absl's --helpfull exits 1 after printing; only the text matters.
"$gongkaid" --helpfull >"$tmp/gongkaid.help" 2>&1
"$worker" --helpfull >"$tmp/worker.help" 2>&1
"$cli" help >"$tmp/cli.help" 2>&1

# ---------------------------------------------------------------- install layout
# Install into a temporary DESTDIR with the real prefix, as the Dockerfile does. The build
# tree is the one that produced GONGKAID (its CMakeCache.txt is above the binary).
install_root=""
build_dir=$(dirname "$gongkaid")
while [ "$build_dir" != / ] && [ ! -f "$build_dir/CMakeCache.txt" ]; do
  build_dir=$(dirname "$build_dir")
done
if ! command -v cmake >/dev/null; then
  skip "install layout" "cmake is not installed"
elif [ ! -f "$build_dir/cmake_install.cmake" ]; then
  skip "install layout" "no CMake build tree above $gongkaid"
elif ! DESTDIR="$tmp/root" cmake --install "$build_dir" --prefix /opt/gongkai \
       >"$tmp/install.log" 2>&1; then
  fail "install layout" "cmake --install failed: $(tail -n 3 "$tmp/install.log" | tr '\n' ' ')"
else
  install_root="$tmp/root"
  missing=()
  for f in bin/gongkaid bin/gongkai-worker bin/gongkai; do
    [ -x "$install_root/opt/gongkai/$f" ] || missing+=("/opt/gongkai/$f")
  done
  for f in regions lineage; do
    [ -f "$install_root/opt/gongkai/share/gongkai/regions/$f.csv" ] ||
      missing+=("/opt/gongkai/share/gongkai/regions/$f.csv")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    ok "install layout: bin/{gongkaid,gongkai-worker,gongkai}, share/gongkai/regions/*.csv"
  else
    fail "install layout" "cmake --install --prefix /opt/gongkai did not install ${missing[*]}"
  fi
fi

# ---------------------------------------------------------------- systemd
# `systemd-analyze verify` also checks that each ExecStart binary exists and is
# executable. The units name /opt/gongkai/bin/…, which does not exist on a CI machine, so
# they are verified from a copy in which /opt/gongkai/bin is replaced by a directory of
# links to the binaries under test (same names as installed). Anything verify prints
# (unknown keys, bad values are only warnings) counts as a failure.
units=("$src"/deploy/systemd/*.service "$src"/deploy/systemd/*.timer)
if ! command -v systemd-analyze >/dev/null; then
  skip "systemd units" "systemd-analyze is not installed"
elif [ ! -e "${units[0]}" ]; then
  fail "systemd units" "none in deploy/systemd"
else
  mkdir -p "$tmp/units" "$tmp/bin"
  ln -s "$gongkaid" "$tmp/bin/gongkaid"
  ln -s "$worker" "$tmp/bin/gongkai-worker"
  ln -s "$cli" "$tmp/bin/gongkai"
  for u in "${units[@]}"; do
    sed "s#/opt/gongkai/bin#$tmp/bin#g" "$u" >"$tmp/units/$(basename "$u")"
  done
  for u in "${units[@]}"; do
    name=$(basename "$u")
    out=$(cd "$tmp/units" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify "./$name" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && [ -z "$out" ]; then
      ok "systemd-analyze verify $name"
    else
      fail "systemd-analyze verify $name" "$(echo "$out" | sed "s#$tmp/units/##g" | tr '\n' ' ')"
    fi
  done
  if systemd-analyze security --help 2>/dev/null | grep -- --offline >/dev/null; then
    for u in "$src"/deploy/systemd/*.service; do
      name=$(basename "$u")
      # Exposure 0–10; above 3.9 systemd no longer calls it "OK".
      if out=$(cd "$tmp/units" && systemd-analyze security --offline=true --threshold=39 \
                 --no-pager "./$name" 2>&1); then
        ok "systemd-analyze security $name: $(echo "$out" | tail -n 1 | sed 's/.*: //')"
      else
        fail "systemd-analyze security $name" "$(echo "$out" | tail -n 1)"
      fi
    done
  else
    skip "systemd-analyze security" "this systemd has no --offline"
  fi
fi
if command -v systemd-sysusers >/dev/null && [ -f "$src/deploy/systemd/gongkai.sysusers" ]; then
  mkdir -p "$tmp/sysroot/etc"
  : >"$tmp/sysroot/etc/passwd"
  : >"$tmp/sysroot/etc/group"
  if out=$(systemd-sysusers --root="$tmp/sysroot" --dry-run \
             "$src/deploy/systemd/gongkai.sysusers" 2>&1) &&
     grep -q "Creating user 'gongkai'" <<<"$out"; then
    ok "systemd-sysusers creates the user gongkai"
  else
    fail "systemd-sysusers deploy/systemd/gongkai.sysusers" "$(echo "$out" | tr '\n' ' ')"
  fi
fi

# ---------------------------------------------------------------- YAML, flags, ports, docs
if [ -x /usr/bin/python3 ]; then
  while IFS= read -r line; do
    echo "$line"
    case "$line" in
      "ok "*) passed=$((passed + 1)) ;;
      "FAIL "*) failed=$((failed + 1)) ;;
    esac
  done < <(/usr/bin/python3 "$here/check_manifests.py" "$src" "$tmp/gongkaid.help" \
             "$tmp/worker.help" "$tmp/cli.help" "$install_root" 2>&1 ||
           echo "FAIL check_manifests.py: exited with an error")
else
  skip "YAML, flags, ports, docs" "/usr/bin/python3 is not installed"
fi

# ---------------------------------------------------------------- Kubernetes rendering
if command -v kubectl >/dev/null; then
  if out=$(kubectl kustomize "$src/deploy/k8s" 2>&1 >"$tmp/k8s.yaml"); then
    ok "kubectl kustomize deploy/k8s renders ($(grep -c '^kind:' "$tmp/k8s.yaml") objects)"
  else
    fail "kubectl kustomize deploy/k8s" "$(echo "$out" | tr '\n' ' ')"
  fi
else
  skip "kubectl kustomize deploy/k8s" "kubectl is not installed"
fi

# ---------------------------------------------------------------- runtime packages
dockerfile="$src/deploy/docker/Dockerfile"
packages=$(sed -n 's/^ARG RUNTIME_PACKAGES="\(.*\)"$/\1/p' "$dockerfile")
if [ -z "$packages" ]; then
  fail "Dockerfile runtime packages" "no ARG RUNTIME_PACKAGES=\"…\" line in $dockerfile"
elif ! command -v dpkg >/dev/null || ! command -v readelf >/dev/null; then
  skip "Dockerfile runtime packages" "needs dpkg and readelf (a Debian build host)"
# (grep reads all of readelf's output: with -q it could exit first, and under pipefail
# readelf's SIGPIPE would make the test say "no sanitizer" at random.)
elif readelf -d "$gongkaid" 2>/dev/null | grep 'NEEDED.*libasan' >/dev/null; then
  skip "Dockerfile runtime packages" "the binaries are built with sanitizers, which never ship"
elif out=$(bash "$src/deploy/docker/runtime-packages.sh" --check "$packages" \
             "$gongkaid" "$worker" "$cli" 2>&1); then
  ok "Dockerfile runtime packages cover the binaries' shared libraries"
else
  fail "Dockerfile runtime packages" "$(echo "$out" | tr '\n' ' ')"
fi

# ---------------------------------------------------------------- shellcheck
if command -v shellcheck >/dev/null; then
  for s in "$here/check_deploy.sh" "$src/deploy/docker/runtime-packages.sh"; do
    if out=$(shellcheck "$s" 2>&1); then
      ok "shellcheck ${s#"$src"/}"
    else
      fail "shellcheck ${s#"$src"/}" "$(echo "$out" | head -n 5 | tr '\n' ' ')"
    fi
  done
else
  skip "shellcheck" "shellcheck is not installed"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
