// `simulate --config FILE` judges trigger metadata by that file's caps, as `serve` does, and by
// the schema's defaults without a file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSimulate } from '../../../src/cli/simulate-command';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'kps-sim-limits-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs simulate on a one-trigger ScaledObject with `timeout: 20s` over a two-line series. */
async function simulateWithTimeout20s(configText?: string): Promise<{ code: number; err: string }> {
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
      '      metadata: { query: q, threshold: "10", timeout: 20s }',
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
  const code = await runSimulate(args, {}, { out: () => undefined, err: t => void err.push(t) });
  return { code, err: err.join('') };
}

test('without a configuration the default maxTimeout (30s) allows timeout: 20s', async () => {
  expect(await simulateWithTimeout20s()).toEqual({ code: 0, err: '' });
});

test("with --config, the file's maxTimeout (10s) refuses timeout: 20s", async () => {
  const run = await simulateWithTimeout20s(
    'maxTimeout: 10s\nsources:\n  - name: p\n    url: http://127.0.0.1:9\n',
  );
  // Bad metadata is a scaler error (exit 1), named as KEDA would see it.
  expect(run.code).toBe(1);
  expect(run.err).toContain('INVALID_ARGUMENT');
  expect(run.err).toContain("timeout: must be at most 10s (the server's maxTimeout)");
});
