#!/usr/bin/env bash
# Installs the Debian packages perftop's tests use (the real backends, never mocks). Idempotent: does nothing when
# they are present. perftop itself starts without them; only the keys and tests that need a backend do.
set -euo pipefail
pkgs=(google-perftools libgoogle-perftools-dev linux-perf binutils tmux htop make gcc g++)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "perftop tests need: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "setup-system: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq </dev/null >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >&2
