#!/usr/bin/env bash
# Which Debian packages must a runtime image install so that these binaries start?
#
#   runtime-packages.sh BINARY...                  print the packages, one a line, sorted
#   runtime-packages.sh --check "PKG PKG…" BINARY...  exit 1 (naming them) if any is missing
#
# For every shared library a binary links against directly (its ELF NEEDED entries, read with
# readelf), the library's path is taken from ldd and its owner from dpkg -S. Libraries needed
# only indirectly come with these packages' own dependencies, so they are not listed.
#
# Used by deploy/docker/Dockerfile (build stage: the runtime stage's list must cover the
# installed binaries) and by tests/deploy/check_deploy.sh (the same check in CI), so the list
# in the Dockerfile cannot silently fall behind a new library dependency.
set -euo pipefail

want=""
check=0
if [ "${1:-}" = "--check" ]; then
  [ $# -ge 2 ] || { echo "usage: $0 [--check \"PKG…\"] BINARY..." >&2; exit 2; }
  check=1
  want=" $(tr -s '[:space:]' ' ' <<<"$2") "
  shift 2
fi
[ $# -ge 1 ] || { echo "usage: $0 [--check \"PKG…\"] BINARY..." >&2; exit 2; }
command -v readelf >/dev/null || { echo "runtime-packages: readelf (binutils) is needed" >&2; exit 2; }

owner() {  # owner PATH → the package that ships PATH (merged /usr: try the resolved path too)
  local out
  out=$(dpkg -S "$1" 2>/dev/null || dpkg -S "$(realpath "$1")" 2>/dev/null || true)
  # "libgrpc++1.51:amd64: /usr/lib/…" → "libgrpc++1.51"; skip "diversion by …" lines.
  grep -v '^diversion' <<<"$out" | head -n1 | sed 's/: .*//; s/:.*//'
}

packages=()
for bin in "$@"; do
  [ -x "$bin" ] || { echo "runtime-packages: $bin is not an executable" >&2; exit 2; }
  resolved=$(ldd "$bin")
  while read -r lib; do
    [ -n "$lib" ] || continue
    path=$(awk -v l="$lib" '$1 == l && $3 ~ /^\// {print $3; exit}' <<<"$resolved")
    if [ -z "$path" ]; then
      echo "runtime-packages: $bin needs $lib, which ldd cannot find" >&2
      exit 1
    fi
    pkg=$(owner "$path")
    if [ -z "$pkg" ]; then
      echo "runtime-packages: no Debian package ships $path ($lib, needed by $bin)" >&2
      exit 1
    fi
    packages+=("$pkg")
  done < <(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
done

mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)
if [ "$check" = 0 ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi
missing=()
for p in "${packages[@]}"; do
  [[ "$want" == *" $p "* ]] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "runtime-packages: the runtime list lacks ${missing[*]} (needed by one of: $*)" >&2
  exit 1
fi
