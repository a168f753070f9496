// The README's configuration file and trigger examples parse with the scaler's own code.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { validateConfig } from '../../src/config/load-config';
import { parseTrigger } from '../../src/metadata/parse-trigger';

const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');

/** The first ```yaml block after a heading or sentence that contains `marker`. */
function yamlAfter(marker: string): unknown {
  const at = readme.indexOf(marker);
  expect(at).toBeGreaterThanOrEqual(0);
  const block = /```yaml\n([\s\S]*?)```/.exec(readme.slice(at));
  if (block === null) throw new Error(`no yaml block after "${marker}"`);
  return parseYaml(block[1] ?? '');
}

test('the configuration file example is a valid configuration, with every documented value', () => {
  const config = validateConfig(yamlAfter('### Configuration file'));
  expect(config.sources[0]?.name).toBe('prod');
  expect(config.cache.ttlMs).toBe(15_000);
  expect(config.breaker.closeAfterSuccesses).toBe(3);
});

test('the trigger example parses as trigger metadata', () => {
  const doc = yamlAfter('A trigger that uses it') as {
    triggers: { metadata: Record<string, string> }[];
  };
  const metadata = doc.triggers[0]?.metadata ?? {};
  expect(parseTrigger(metadata).threshold).toBe(100);
});
