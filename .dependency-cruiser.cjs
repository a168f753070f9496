// The layering rules of src/, checked by `npm run lint:deps` (dependency-cruiser). docs/architecture.md
// says the same in words; test/unit/architecture.test.ts keeps the two in step.

/**
 * Which project folders (or root files, without .ts) each part of src/ may import. Everything not
 * listed is refused. Keep docs/architecture.md's "Allowed arrows" table identical.
 */
const LAYERS = {
  util: [],
  errors: ['util'],
  telemetry: [],
  resilience: ['errors'],
  config: ['util'],
  metadata: ['errors', 'util'],
  prometheus: ['errors', 'util'],
  cache: ['errors', 'prometheus', 'resilience', 'util'],
  sources: ['config', 'errors', 'metadata', 'prometheus', 'resilience', 'telemetry', 'util'],
  core: [
    'cache',
    'config',
    'diagnose',
    'errors',
    'metadata',
    'prometheus',
    'sources',
    'telemetry',
    'util',
  ],
  diagnose: ['prometheus', 'telemetry', 'util'],
  push: ['cache', 'core', 'errors', 'sources', 'telemetry', 'util'],
  health: ['cache', 'sources'],
  http: ['telemetry', 'util'],
  grpc: ['config', 'util'],
  scaler: ['core', 'errors', 'grpc', 'metadata', 'push', 'telemetry', 'util'],
  simulate: ['util'],
  manifest: ['simulate', 'util'],
  migrate: ['errors', 'metadata', 'util'],
  cli: [
    'app',
    'config',
    'core',
    'diagnose',
    'errors',
    'manifest',
    'metadata',
    'migrate',
    'prometheus',
    'scaler',
    'simulate',
    'sources',
    'telemetry',
    'util',
  ],
  app: [
    'cache',
    'config',
    'core',
    'diagnose',
    'grpc',
    'health',
    'http',
    'push',
    'scaler',
    'sources',
    'telemetry',
    'version',
  ],
  version: [],
  main: ['app', 'cli', 'config', 'http', 'util', 'version'],
};

/** Root files of src/ that are parts of their own; every other name is a folder. */
const ROOT_FILES = ['errors', 'app', 'main', 'version'];

/** A path regex for a part: `src/core/...` or `src/app.ts`. */
const partPath = name => (ROOT_FILES.includes(name) ? `^src/${name}\\.ts$` : `^src/${name}/`);
const anyOf = names => `(${names.map(partPath).join('|')})`;

/** Third-party packages (a regex of package names) that only some parts of the code may know. */
const ONLY = [
  { name: 'only-prometheus-imports-undici', packages: 'undici', parts: ['prometheus'] },
  { name: 'only-telemetry-imports-pino', packages: 'pino', parts: ['telemetry'] },
  { name: 'only-telemetry-imports-prom-client', packages: 'prom-client', parts: ['telemetry'] },
  {
    name: 'only-the-edge-imports-grpc',
    packages: '@grpc/[^/]+',
    parts: ['scaler', 'grpc', 'app'],
  },
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make the layers meaningless.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'commands-do-not-load-the-server',
      severity: 'error',
      comment:
        'check, simulate and migrate build core/create-core.ts; only the serve loader may load the composition root.',
      from: { path: '^src/cli/', pathNot: '^src/cli/load-serve\\.ts$' },
      to: { path: '^src/app\\.ts$' },
    },
    ...ONLY.map(rule => ({
      name: rule.name,
      severity: 'error',
      from: { path: '^src/', pathNot: anyOf(rule.parts) },
      to: { path: `(^|/)node_modules/(${rule.packages})/` },
    })),
  ],
  allowedSeverity: 'error',
  allowed: [
    {
      comment: 'anything may import Node built-ins and packages',
      from: {},
      to: { dependencyTypes: ['core', 'npm', 'npm-dev', 'npm-no-pkg', 'npm-unknown'] },
    },
    {
      comment: 'files of a part import each other',
      from: { path: '^src/([^/]+)/' },
      to: { path: '^src/$1/' },
    },
    ...Object.entries(LAYERS)
      .filter(([, to]) => to.length > 0)
      .map(([from, to]) => ({
        comment: `${from} -> ${to.join(', ')}`,
        from: { path: partPath(from) },
        to: { path: anyOf(to) },
      })),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    exclude: { path: '\\.d\\.ts$' },
  },
};
