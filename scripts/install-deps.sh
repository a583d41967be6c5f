#!/usr/bin/env bash
# Installs what lvs-chatops needs on a fresh Debian 12 machine, as root:
#   - Debian packages: redis-server (state), openssh-server/-client (the SSH tests and the lab's
#     hosts), user-mode-linux + uml-utilities (the lab's directors, with a real IPVS),
#     ipvsadm, heartbeat, mon, keepalived (the real cluster tools), iproute2, procps, psmisc,
#     perl with libio-socket-ssl-perl + libnet-ssleay-perl (the mon alert script, and its
#     https test with certificate checks), curl, chromium (the demo page's browser test, driven by
#     playwright-core), prometheus-alertmanager (the bench's peer), redis-sentinel (failover tests).
#   - on a CPU Debian 12's user-mode-linux cannot run on (AVX-512/AMX), a newer Debian one
#     under /usr/local/lib/lvs-chatops/uml (scripts/install-uml.sh says why).
#   - npm packages from package-lock.json (npm ci).
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  redis-server openssh-server openssh-client
  user-mode-linux uml-utilities
  ipvsadm heartbeat mon keepalived
  iproute2 procps psmisc util-linux perl libio-socket-ssl-perl libnet-ssleay-perl curl ca-certificates kmod
  chromium fonts-noto-color-emoji prometheus-alertmanager redis-sentinel patchelf
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: these Debian packages are missing and need root: ${missing[*]}" >&2
    exit 1
  fi
  echo "install-deps: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The lab's directors: Debian 12's UML kernel does not boot on every CPU; a newer one if needed.
if [ "$(id -u)" = 0 ]; then
  scripts/install-uml.sh
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi
