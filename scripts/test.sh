#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, then type-check, lint, format,
# build, unit tests and integration tests against a real Prometheus.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run check
