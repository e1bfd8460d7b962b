#!/usr/bin/env bash
# Makes sure the Debian packages the local stack runs on are present.
# As root on Debian/Ubuntu it installs what is missing; otherwise it prints the exact command.
set -euo pipefail

declare -A PACKAGE_OF=(
  [etcd]=etcd-server
  [haproxy]=haproxy
  [prometheus]=prometheus
  [promtool]=prometheus
  [prometheus-alertmanager]=prometheus-alertmanager
  [amtool]=prometheus-alertmanager
)
# Extra packages: python3-venv for `make`'s virtualenv, chromium for the browser tests.
EXTRA="${GAMEDAY_EXTRA_PACKAGES:-}"

missing=()
for binary in "${!PACKAGE_OF[@]}"; do
  command -v "$binary" >/dev/null 2>&1 || missing+=("${PACKAGE_OF[$binary]}")
done
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  missing+=(python3-venv)
fi
for package in $EXTRA; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
command="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "gameday: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  $command
else
  echo "gameday needs these packages: ${missing[*]}" >&2
  echo "Run as root:  apt-get update && $command" >&2
  exit 1
fi
