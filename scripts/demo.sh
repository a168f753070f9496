#!/usr/bin/env bash
# The main job: a real Prometheus on loopback scraping a sample app, the scaler in front of it,
# and what KEDA would see for a sample trigger, printed as it changes.
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
  if [ "$arg" = "--help" ] || [ "$arg" = "-h" ]; then
    # Usage only: nothing is installed or started (the usage text lives in scripts/demo.ts).
    if [ ! -f dist/scripts/demo.js ]; then npm run --silent build; fi
    exec node dist/scripts/demo.js --help
  fi
done
# Node.js 24 (.nvmrc), fetched from the npm registry when the machine's node is another version.
# shellcheck source=lib/use-node.sh
source scripts/lib/use-node.sh
bash scripts/install-deps.sh
npm run --silent build
exec node dist/scripts/demo.js "$@"
