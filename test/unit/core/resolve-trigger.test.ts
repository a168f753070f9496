// A trigger whose timeout is above the server's maxTimeout is capped, and the cap is logged once
// for that trigger however often KEDA asks.
import { validateConfig } from '../../../src/config/load-config';
import { triggerLimits } from '../../../src/config/schema';
import { TriggerResolver } from '../../../src/core/resolve-trigger';
import { SourceRegistry } from '../../../src/sources/source-registry';
import type { Logger } from '../../../src/telemetry/logger';

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
    undefined,
    logger,
  );
  const metadata = { query: 'up', threshold: '1', timeout: '20s' };
  for (let i = 0; i < 3; i++) expect(resolver.resolve(metadata).spec.timeoutMs).toBe(10_000);
  resolver.resolve({ ...metadata, timeout: '5s' });
  expect(warned).toEqual(["timeout: 20s is above the server's maxTimeout; capped to 10s"]);
});
