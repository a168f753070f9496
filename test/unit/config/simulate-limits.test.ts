// `simulate --config FILE` judges trigger metadata by that file's caps, as `serve` does, and by
// the schema's defaults without a file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/main';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'kps-sim-limits-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs simulate on a one-trigger ScaledObject with `cacheTTL: 2m` over a two-line series. */
async function simulateWithCacheTtl2m(configText?: string): Promise<{ code: number; err: string }> {
  const so = join(dir, 'so.yaml');
  writeFileSync(
    so,
    [
      'apiVersion: keda.sh/v1alpha1',
      'kind: ScaledObject',
      'metadata: { name: checkout }',
      'spec:',
      '  scaleTargetRef: { name: checkout }',
      '  triggers:',
      '    - type: external',
      '      metadata: { query: q, threshold: "10", cacheTTL: 2m }',
    ].join('\n'),
  );
  const series = join(dir, 'series.csv');
  writeFileSync(series, '1700000000,5\n1700000015,50\n');
  const args = ['--scaledobject', so, '--series', series, '--output', 'json'];
  if (configText !== undefined) {
    const config = join(dir, 'config.yaml');
    writeFileSync(config, configText);
    args.push('--config', config);
  }
  const err: string[] = [];
  const code = await main(
    ['simulate', ...args],
    {},
    { out: () => undefined, err: t => void err.push(t) },
  );
  return { code, err: err.join('') };
}

test('without a configuration the default cache.ttlLimit (5m) allows cacheTTL: 2m', async () => {
  expect(await simulateWithCacheTtl2m()).toEqual({ code: 0, err: '' });
});

test("with --config, the file's cache.ttlLimit (1m) refuses cacheTTL: 2m", async () => {
  const run = await simulateWithCacheTtl2m(
    'cache:\n  ttlLimit: 1m\nsources:\n  - name: p\n    url: http://127.0.0.1:9\n',
  );
  // Bad metadata is a bad file (exit 2), named by the trigger's place in it.
  expect(run.code).toBe(2);
  expect(run.err).toContain('spec.triggers[0].metadata');
  expect(run.err).toContain("cacheTTL: must be at most 60s (the server's cache.ttlLimit)");
});
