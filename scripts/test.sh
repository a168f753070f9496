#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, then type-check, lint, format,
# build, unit tests and integration tests against a real Prometheus, all on Node.js 24 (.nvmrc;
# fetched from the npm registry when the machine's node is another major version).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/use-node.sh
source scripts/lib/use-node.sh
bash scripts/install-deps.sh
echo "test: Node.js $(node --version)" >&2
npm run check
