#!/usr/bin/env bash
# The main job: a real Prometheus on loopback scraping a sample app, the scaler in front of it,
# and what KEDA would see for a sample trigger, printed as it changes.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run --silent build
exec node dist/scripts/demo.js "$@"
