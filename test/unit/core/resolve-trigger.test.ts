// The parsed-trigger memo: bounded by entries and estimated bytes, and invalid input is kept by a
// digest and its capped message, never by its text; a capped timeout and an ignored key are
// logged once per trigger, and ignored keys counted.
import { validateConfig } from '../../../src/config/load-config';
import { DEFAULTS, triggerLimits } from '../../../src/config/schema';
import { TriggerResolver } from '../../../src/core/resolve-trigger';
import { SourceRegistry } from '../../../src/sources/source-registry';
import type { Logger } from '../../../src/telemetry/logger';
import { ScalerMetrics } from '../../../src/telemetry/scaler-metrics';

const registry = new SourceRegistry(
  validateConfig({ sources: [{ name: 'prom', url: 'http://prom:9090' }] }),
);
afterAll(() => registry.close());

const resolver = (maxBytes: number, maxEntries = 10_000): TriggerResolver =>
  new TriggerResolver(registry, triggerLimits(DEFAULTS), { maxEntries, maxBytes });

/** A distinct query of about 20 kB, as a long generated PromQL expression would be. */
const longQuery = (i: number): string => `sum(up{job="${i}"}) + ${'0 + '.repeat(5000)}0`;

test('the same map is parsed once and answered from the memo', () => {
  const r = resolver(1 << 20);
  const first = r.resolve({ query: 'sum(up)', threshold: '1' }, null);
  expect(r.resolve({ threshold: '1', query: 'sum(up)' }, null)).toBe(first);
  expect(r.size).toBe(1);
});

test('1,000 distinct 20 kB queries: the memo stays within its byte budget', () => {
  const maxBytes = 1_000_000;
  const r = resolver(maxBytes);
  for (let i = 0; i < 1000; i++) {
    r.resolve({ query: longQuery(i), threshold: '1' }, null);
    expect(r.bytes).toBeLessThanOrEqual(maxBytes);
  }
  // Each is estimated at about 41 kB (2 bytes per character of its text): 24 fit.
  expect(r.size).toBe(24);
  expect(r.size).toBeGreaterThan(0);
});

test('an invalid 60 kB map is remembered by its digest and capped message only', () => {
  const r = resolver(1 << 30);
  for (let i = 0; i < 400; i++) {
    // No threshold: invalid, with a 60 kB query that is never echoed or kept.
    expect(() => r.resolve({ query: `${i}${'x'.repeat(60_000)}` }, null)).toThrow(/threshold/);
  }
  expect(r.size).toBe(400);
  // 400 maps of 60 kB: 24 MB of text; the memo holds about 1.2 kB for each.
  expect(r.bytes / 400).toBeLessThan(1500);
  // Still remembered: the same invalid map is answered without parsing it again.
  expect(() => r.resolve({ query: `0${'x'.repeat(60_000)}` }, null)).toThrow(/threshold/);
  expect(r.size).toBe(400);
});

test('a capped timeout is logged once per trigger, not per call', () => {
  const config = validateConfig({
    maxTimeout: '10s',
    sources: [{ name: 'p', url: 'http://127.0.0.1:9' }],
  });
  const warned: string[] = [];
  const logger = {
    debug: () => undefined,
    info: () => undefined,
    warn: (_fields: object, message: string) => void warned.push(message),
    error: () => undefined,
    isLevelEnabled: () => true,
  } as unknown as Logger;
  const resolver = new TriggerResolver(
    new SourceRegistry(config),
    triggerLimits(config),
    { maxEntries: 1000, maxBytes: DEFAULTS.cache.triggerMemoMaxBytes },
    logger,
  );
  const metadata = { query: 'up', threshold: '1', timeout: '20s' };
  for (let i = 0; i < 3; i++) expect(resolver.resolve(metadata, null).spec.timeoutMs).toBe(10_000);
  resolver.resolve({ ...metadata, timeout: '5s' }, null);
  expect(warned).toEqual(["timeout: 20s is above the server's maxTimeout; capped to 10s"]);
});

test('an ignored metadata key is logged and counted once per trigger, not per call', async () => {
  const config = validateConfig({
    unknownMetadataKeys: 'warn',
    sources: [{ name: 'p', url: 'http://127.0.0.1:9' }],
  });
  const warned: { key: unknown; message: string }[] = [];
  const logger = {
    warn: (fields: { key?: unknown }, message: string) =>
      void warned.push({ key: fields.key, message }),
  } as unknown as Logger;
  const metrics = new ScalerMetrics();
  const resolver = new TriggerResolver(
    new SourceRegistry(config),
    triggerLimits(config),
    { maxEntries: 1000, maxBytes: DEFAULTS.cache.triggerMemoMaxBytes },
    logger,
    metrics,
  );
  const metadata = { query: 'up', threshold: '1', cortexOrgID: 'tenant-a', legacyFlag: 'x' };
  for (let i = 0; i < 3; i++) resolver.resolve(metadata, null);
  expect(warned.map(w => w.key)).toEqual(['cortexOrgID', 'legacyFlag']);
  const text = (await metrics.exposition()).text;
  expect(text).toContain('keda_prometheus_scaler_metadata_warnings_total{kind="legacy"} 1');
  expect(text).toContain('keda_prometheus_scaler_metadata_warnings_total{kind="unknown"} 1');
});
