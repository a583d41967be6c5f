#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine as root: installs what it needs (apt, npm ci),
# makes sure Redis answers on 127.0.0.1:6379, then lint, typecheck and `npm test`
# (build + vitest: unit, integration against real Redis/sshd, and the real LVS lab).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/ensure-redis.sh
npm run lint
npm run typecheck
npm test
