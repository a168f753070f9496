# Sourced by scripts/install-deps.sh, test.sh and demo.sh: puts the project's Node.js (.nvmrc,
# major 24) first on PATH. The machine's own node is used when its major version matches;
# otherwise the npm registry's node-linux-<arch> package of that exact version is installed once
# into .tmp/node (no download from anywhere but the npm registry) and used instead, so `npm ci`,
# its install scripts, the build, jest and the demo all run on Node 24 even where the machine has
# Node 20 (end of life 2026-04-30).
# shellcheck shell=bash

project_node_version=$(tr -d '[:space:]v' <"$(dirname "${BASH_SOURCE[0]}")/../../.nvmrc")
project_node_major=${project_node_version%%.*}
machine_node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)

if [ "$machine_node_major" != "$project_node_major" ]; then
  case "$(uname -m)" in
    x86_64) node_arch=x64 ;;
    aarch64 | arm64) node_arch=arm64 ;;
    *)
      echo "no node-linux package for $(uname -m): install Node.js ${project_node_version} yourself" >&2
      exit 1
      ;;
  esac
  node_prefix="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/.tmp/node"
  node_package="$node_prefix/node_modules/node-linux-${node_arch}"
  if [ "$("$node_package/bin/node" --version 2>/dev/null)" != "v${project_node_version}" ]; then
    echo "Node.js $(node --version 2>/dev/null || echo '(none)') here; installing node-linux-${node_arch}@${project_node_version} from the npm registry into .tmp/node" >&2
    if ! command -v npm >/dev/null 2>&1; then
      echo "npm is needed to fetch Node.js ${project_node_version}: install Node.js and npm (any version), or Node.js ${project_node_version} itself" >&2
      exit 1
    fi
    rm -rf "$node_prefix"
    npm install --prefix "$node_prefix" --no-save --no-package-lock --no-audit --no-fund \
      "node-linux-${node_arch}@${project_node_version}" >&2
  fi
  export PATH="$node_package/bin:$PATH"
  # node-gyp builds native addons against the headers of the node that runs them (the machine's
  # npm config may point nodedir at another version's headers).
  export npm_config_nodedir="$node_package"
fi
