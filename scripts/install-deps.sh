#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian 12 machine with Node 20: Prometheus, promtool,
# VictoriaMetrics, Alertmanager and the other tools from Debian's packages (only when missing), and
# the npm packages from package-lock.json (`npm ci`).
set -euo pipefail
cd "$(dirname "$0")/.."

node_ok=$(node -e 'const [a,b,c]=process.versions.node.split(".").map(Number);process.stdout.write(String(a>20||(a===20&&(b>18||(b===18&&c>=1)))))')
if [ "$node_ok" != "true" ]; then
  echo "Node.js >= 20.18.1 is required (undici 7); found $(node --version)" >&2
  exit 1
fi

# Debian packages, each only when its command is missing: Prometheus and promtool (integration
# tests, demo, bench), VictoriaMetrics (the second engine of the contract tests), Alertmanager
# (push tests and bench), openssl (TLS test certificates), kubectl (renders deploy/ with kustomize),
# rsvg-convert (the chart test renders the simulate SVG to PNG).
packages=()
need() { command -v "$1" >/dev/null 2>&1 || packages+=("$2"); }
need prometheus prometheus
need promtool prometheus
need victoria-metrics victoria-metrics
need prometheus-alertmanager prometheus-alertmanager
need openssl openssl
need kubectl kubernetes-client
need rsvg-convert librsvg2-bin
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
  # on any machine; npm installs only the one matching this platform.
  npm ci --no-audit --no-fund
fi
