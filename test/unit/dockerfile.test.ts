// The Dockerfile is reviewed, not built, on these machines (no Docker engine): check what can be
// checked statically, so it cannot drift from the project's layout.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');
const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const lines = text.split('\n').filter(l => l.trim() !== '' && !l.trim().startsWith('#'));
const stages = text.split(/^FROM /m).slice(1);
const final = stages[stages.length - 1] ?? '';

test('multi-stage: npm ci and the build first, production dependencies only in the final stage', () => {
  expect(stages.length).toBeGreaterThanOrEqual(2);
  expect(text).toMatch(/RUN npm ci --no-audit/);
  expect(text).toMatch(/RUN npm run build/);
  expect(text).toMatch(/npm ci --omit=dev/);
});

test('the final stage runs nothing but its own Node, filling the compile cache as the user that reads it', () => {
  // Exec form (no shell on distroless), after USER: the cache files are the runtime user's.
  expect(final.match(/^RUN .*$/gm)).toEqual([
    'RUN ["/nodejs/bin/node", "dist/bundle/main.js", "--version"]',
  ]);
  expect(final.indexOf('USER 65532:65532')).toBeLessThan(final.indexOf('RUN '));
  expect(final).toMatch(/^ENV NODE_COMPILE_CACHE=\/app\/compile-cache$/m);
  expect(final).toMatch(
    /^COPY --from=build --chown=65532:65532 \/src\/compile-cache \.\/compile-cache$/m,
  );
});

/** The Node.js the tests run on (scripts/lib/use-node.sh reads the same file). */
const nodeVersion = readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim();
const nodeMajor = nodeVersion.split('.')[0] ?? '';

test('the final stage runs as a non-root user on a base with no shell', () => {
  expect(final).toMatch(new RegExp(`^gcr\\.io/distroless/nodejs${nodeMajor}-debian12:nonroot`));
  expect(final).toMatch(/^USER 65532:65532$/m);
});

test('the entry point is the bundled CLI and the command is serve, as in the README', () => {
  // scripts/bundle.ts writes dist/bundle/ (npm run build); the image copies only that of dist/.
  expect(final).toMatch(/ENTRYPOINT \["\/nodejs\/bin\/node", "dist\/bundle\/main\.js"\]/);
  expect(final).toMatch(/^COPY --from=build \/src\/dist\/bundle \.\/dist\/bundle$/m);
  expect(readFileSync(join(ROOT, 'scripts', 'bundle.ts'), 'utf8')).toContain("'dist', 'bundle'");
  expect(final).toMatch(/CMD \["serve"\]/);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  expect(pkg.bin['keda-prometheus-scaler']).toBe('dist/src/main.js');
});

test('every path copied from the build context exists', () => {
  const copies = lines.filter(l => l.startsWith('COPY ') && !l.includes('--from='));
  expect(copies.length).toBeGreaterThan(0);
  for (const line of copies) {
    const parts = line.replace(/^COPY\s+/, '').split(/\s+/);
    for (const source of parts.slice(0, -1))
      expect([source, existsSync(join(ROOT, source))]).toEqual([source, true]);
  }
});

const args = Object.fromEntries(
  [...text.matchAll(/^ARG (\w+)=(\S+)$/gm)].map(m => [m[1] ?? '', m[2] ?? '']),
);
const bases = [...text.matchAll(/^FROM (\S+)/gm)].map(m =>
  (m[1] ?? '').replace(/^\$\{(\w+)\}$/, (_, name: string) => args[name] ?? name),
);

test('.nvmrc names an exact Node.js 24 release, and package.json engines follow it', () => {
  expect(nodeVersion).toMatch(/^24\.\d+\.\d+$/);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    engines: { node: string };
  };
  expect(pkg.engines.node).toBe(`>=${nodeMajor}.0.0`);
});

test('the build stages use node at exactly the version of .nvmrc', () => {
  const node = bases.filter(b => b.startsWith('node:'));
  expect(node.length).toBeGreaterThanOrEqual(2);
  for (const image of node) expect(image).toBe(`node:${nodeVersion}-bookworm-slim`);
});

test('the distroless base is pinned by digest, or by tag with the command that prints its digest', () => {
  const distroless = bases.filter(b => b.startsWith('gcr.io/distroless/'));
  expect(distroless).toHaveLength(1);
  const [image, digest] = distroless[0]!.split('@');
  if (digest === undefined) {
    // No registry is reachable here: a digest is only written once seen.
    expect(text).toContain(
      `docker buildx imagetools inspect ${image} --format '{{json .Manifest.Digest}}'`,
    );
  } else {
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  }
});
