#!/usr/bin/env bash
# The demo, on a fresh Debian machine as root: installs what it needs (apt, npm ci),
# builds, and runs `lvs-chatops demo` (the bot on a local Slack, against the real lab).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
npm run build
exec node bin/lvs-chatops.js demo "$@"
