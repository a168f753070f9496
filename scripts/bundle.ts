// Bundles the command line into dist/bundle/ with esbuild, for the image: `serve` from one file
// instead of about 700 (630 under node_modules), compiled from Node's compile cache (the figures:
// docs/performance.md, start-up). Run by `npm run build` after tsc, in well under a second.
//   dist/bundle/main.js        the entry: enables the compile cache, then loads cli.js
//   dist/bundle/cli.js         src/main.ts and everything `serve` needs, minified
//   dist/bundle/<command>.js   check, simulate and migrate, each loaded only when it runs
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';

const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, 'dist', 'bundle');

/**
 * Left out of the bundle and required from node_modules, only when a source's `auth` asks for them
 * (src/prometheus/auth/create-auth.ts imports each one lazily; esbuild keeps such an import lazy
 * inside the bundle). @azure/identity alone takes about 300 ms to load on a loaded machine.
 */
const CLOUD_SDKS = [
  '@azure/identity',
  '@aws-sdk/credential-providers',
  '@aws-crypto/sha256-js',
  '@smithy/protocol-http',
  '@smithy/signature-v4',
  'google-auth-library',
];

/** The commands other than `serve`: own files, which main.ts imports only when one runs. */
const COMMANDS = ['check-command', 'simulate-command', 'migrate-command'];

/**
 * main.ts's `import('./cli/check-command')` and the like become `require('./check-command.js')`,
 * the command's own bundle beside cli.js, so their code is neither read nor compiled by `serve`.
 * A command shares no state with serve: its CliError is recognised by a brand, not instanceof
 * (src/cli/cli-error.ts).
 */
const COMMANDS_APART: Plugin = {
  name: 'commands-apart',
  setup(onBuild) {
    const filter = new RegExp(`^\\./cli/(${COMMANDS.join('|')})$`);
    onBuild.onResolve({ filter }, args =>
      args.importer.endsWith(join('src', 'main.ts'))
        ? { path: `./${args.path.slice('./cli/'.length)}.js`, external: true }
        : undefined,
    );
  },
};

/**
 * @grpc/reflection reads its own .proto files at `__dirname/../../proto/…` (build/src/
 * implementations/reflection-v1*.js). In the bundle __dirname is dist/bundle/, so the path is
 * pointed back at the installed package; the build fails if the line is not found.
 */
const REFLECTION_PROTO_PATH: Plugin = {
  name: 'grpc-reflection-proto-path',
  setup(onBuild) {
    onBuild.onLoad({ filter: /@grpc[\\/]reflection[\\/].*reflection-v1(alpha)?\.js$/ }, args => {
      const source = readFileSync(args.path, 'utf8');
      const from = "path.join(__dirname, '../../proto/";
      if (!source.includes(from)) {
        throw new Error(`${args.path}: "${from}" not found; see scripts/bundle.ts`);
      }
      const to =
        "path.join(path.dirname(require.resolve('@grpc/reflection/package.json')), 'build/proto/";
      return { contents: source.replace(from, to), loader: 'js' };
    });
  },
};

/**
 * The entry. Node compiles a process's entry file before any of its code runs, so the bundle's
 * own enableCompileCache() (src/main.ts) would come too late for the bundle itself: this small file
 * enables the cache first, then the 1.6 MB cli.js is compiled from it when the cache holds it.
 * https://nodejs.org/api/module.html#moduleenablecompilecachecachedir
 */
const LAUNCHER = `#!/usr/bin/env node
// Written by scripts/bundle.ts: Node's compile cache on before cli.js (the bundle) is compiled.
'use strict';
require('node:module').enableCompileCache?.();
require('./cli.js').runAsProcess();
`;

async function bundle(): Promise<void> {
  const result = await build({
    entryPoints: [
      { in: join(ROOT, 'src', 'main.ts'), out: 'cli' },
      ...COMMANDS.map(name => ({ in: join(ROOT, 'src', 'cli', `${name}.ts`), out: name })),
    ],
    outdir: OUT,
    bundle: true,
    platform: 'node',
    // package.json's engines: Node 24 (the image's and the tests' Node).
    target: 'node24',
    // CommonJS like the tsc output: __dirname and require keep their meaning.
    format: 'cjs',
    // Half the bytes to read and compile at start. keepNames: class names stay (pino's `err.type`).
    minify: true,
    keepNames: true,
    // No source map: writing the four maps (22 MB) took the build from 0.8 s to 2 to 3 s here.
    // keepNames keeps the function names in stack traces; their lines point into the bundle.
    sourcemap: false,
    // The reflection package's package.json is only located at run time (REFLECTION_PROTO_PATH).
    external: [...CLOUD_SDKS, '@grpc/reflection/package.json'],
    plugins: [COMMANDS_APART, REFLECTION_PROTO_PATH],
    logLevel: 'warning',
  });
  // A warning (e.g. a require esbuild cannot follow) fails the build instead of scrolling past.
  if (result.warnings.length > 0) throw new Error(`esbuild: ${result.warnings.length} warning(s)`);
  const launcher = join(OUT, 'main.js');
  writeFileSync(launcher, LAUNCHER);
  chmodSync(launcher, 0o755);
}

if (require.main === module) {
  bundle().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
