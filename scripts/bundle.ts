// Bundles the command-line entry (src/main.ts) into one file, dist/bundle/main.js, with esbuild:
// the image runs it, because loading ~400 small files from node_modules was most of `serve`'s
// start-up (docs/performance.md, start-up). Run by `npm run build` after tsc.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Plugin } from 'esbuild';

const ROOT = join(__dirname, '..', '..');
const BUNDLE = join(ROOT, 'dist', 'bundle', 'main.js');

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

async function bundle(): Promise<void> {
  const result = await build({
    entryPoints: [join(ROOT, 'src', 'main.ts')],
    outfile: BUNDLE,
    bundle: true,
    platform: 'node',
    // package.json's engines: Node 24 (the image's and the tests' Node).
    target: 'node24',
    // CommonJS like the tsc output: `require.main === module` and __dirname keep their meaning.
    format: 'cjs',
    // The reflection package's package.json is only located at run time (REFLECTION_PROTO_PATH).
    external: [...CLOUD_SDKS, '@grpc/reflection/package.json'],
    plugins: [REFLECTION_PROTO_PATH],
    // Stack traces name the TypeScript files; the map is read only with --enable-source-maps.
    sourcemap: true,
    logLevel: 'warning',
  });
  // A warning (e.g. a require esbuild cannot follow) fails the build instead of scrolling past.
  if (result.warnings.length > 0) throw new Error(`esbuild: ${result.warnings.length} warning(s)`);
}

if (require.main === module) {
  bundle().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  });
}
