// Writes config.schema.json, the Helm chart's values.schema.json and the configuration reference of
// docs/configuration.md (an entry per key) from the one schema in src/config/schema.ts. `npm run schema`
// rewrites them; test/unit/config and test/integration/helm-chart.test.ts fail when one is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema } from '../src/config/schema';
import { VALUES_SCHEMA_PATH, renderValuesSchema } from './chart-values-schema';

export const TABLE_START = '<!-- config-reference:start (npm run schema writes this list) -->';
export const TABLE_END = '<!-- config-reference:end -->';

/** The schema as JSON Schema draft 2020-12 text; TypeBox's symbols are not JSON and drop out. */
export function renderSchemaJson(): string {
  const document = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'keda-prometheus-scaler configuration',
    ...ConfigSchema,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** One row per key, in schema order: nested keys as `cache.ttl`, list items as `sources[].url`. */
export function referenceRows(): { key: string; type: string; default: string; meaning: string }[] {
  const rows: { key: string; type: string; default: string; meaning: string }[] = [];
  const walk = (properties: Record<string, TSchema>, required: string[], prefix: string): void => {
    for (const [key, node] of Object.entries(properties)) {
      const path = `${prefix}${key}`;
      const item = node['type'] === 'array' ? (node['items'] as TSchema) : undefined;
      rows.push({
        key: path,
        type: typeName(node),
        default: required.includes(key)
          ? 'required'
          : node['default'] !== undefined
            ? `\`${JSON.stringify(node['default']).replace(/^"(.*)"$/, '$1')}\``
            : node['properties'] !== undefined
              ? 'see its keys'
              : 'none',
        meaning: String(node['description'] ?? ''),
      });
      const nested = item?.['properties'] === undefined ? node : item;
      if (nested['properties'] !== undefined) {
        walk(
          nested['properties'] as Record<string, TSchema>,
          (nested['required'] as string[] | undefined) ?? [],
          `${path}${item === undefined ? '' : '[]'}.`,
        );
      }
    }
  };
  walk(ConfigSchema.properties, [], '');
  return rows;
}

function typeName(node: TSchema): string {
  if (node['anyOf'] !== undefined) {
    const options = node['anyOf'] as TSchema[];
    if (options.every(o => o['const'] !== undefined)) {
      return `one of ${options.map(o => `\`${String(o['const'])}\``).join(', ')}`;
    }
    return 'duration';
  }
  if (node['type'] === 'integer') return 'whole number';
  if (node['type'] === 'array') {
    const items = node['items'] as TSchema;
    if (items['type'] === 'object') return 'list of mappings';
    // A list whose entries may be a string or a mapping (allowedServerAddresses).
    const kinds = ((items['anyOf'] as TSchema[] | undefined) ?? [items]).map(
      (i): unknown => i['type'],
    );
    return kinds.includes('object') ? 'list of strings or mappings' : 'list of strings';
  }
  if (node['type'] === 'object') return node['properties'] === undefined ? 'string map' : 'mapping';
  return String(node['type']);
}

/** One reference entry: the key, then its type, default and meaning. */
export function renderReferenceEntry(r: {
  key: string;
  type: string;
  default: string;
  meaning: string;
}): string {
  const facts =
    r.default === 'required'
      ? `${r.type}, required`
      : r.default === 'none'
        ? `${r.type}, optional`
        : r.default === 'see its keys'
          ? r.type
          : `${r.type}, default ${r.default}`;
  return `- **\`${r.key}\`** (${facts})${r.meaning === '' ? '' : `: ${r.meaning}`}`;
}

/**
 * The reference (without markers): one list entry per key, in schema order, under a heading per
 * top-level mapping or list of mappings (`sources`, `cache`, …) and one per run of plain top-level
 * keys between them. A list, not a table, so that each entry wraps to the page width.
 */
export function renderReference(): string {
  const rows = referenceRows();
  const hasChildren = (top: string): boolean =>
    rows.some(r => r.key.startsWith(`${top}.`) || r.key.startsWith(`${top}[].`));
  const groups: { keys: string[]; mapping: boolean; entries: string[] }[] = [];
  for (const row of rows) {
    const top = row.key.split(/[.[]/)[0] ?? row.key;
    const last = groups[groups.length - 1];
    const entry = renderReferenceEntry(row);
    if (last !== undefined && (row.key !== top || (!hasChildren(top) && !last.mapping))) {
      if (row.key === top) last.keys.push(top);
      last.entries.push(entry);
      continue;
    }
    groups.push({ keys: [top], mapping: hasChildren(top), entries: [entry] });
  }
  return groups
    .map(g => `### ${g.keys.map(k => `\`${k}\``).join(', ')}\n\n${g.entries.join('\n')}\n`)
    .join('\n');
}

/** The page holding the table, from the repository root. */
export const TABLE_PAGE = 'docs/configuration.md';

/** The page with the text between the markers replaced by the current table. */
export function rewriteTablePage(page: string): string {
  const start = page.indexOf(TABLE_START);
  const end = page.indexOf(TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`${TABLE_PAGE}: markers ${TABLE_START} … ${TABLE_END} not found`);
  return `${page.slice(0, start + TABLE_START.length)}\n\n${renderReference()}\n${page.slice(end)}`;
}

if (require.main === module) {
  // Run by `npm run schema` from the repository root, which then runs prettier on both files.
  const SCHEMA_FILE = resolve('config.schema.json');
  const PAGE_FILE = resolve(TABLE_PAGE);
  writeFileSync(SCHEMA_FILE, renderSchemaJson());
  writeFileSync(PAGE_FILE, rewriteTablePage(readFileSync(PAGE_FILE, 'utf8')));
  // The Helm chart's values.schema.json derives from the same schema.
  const VALUES_SCHEMA_FILE = resolve(VALUES_SCHEMA_PATH);
  writeFileSync(VALUES_SCHEMA_FILE, renderValuesSchema());
  console.log(`wrote ${SCHEMA_FILE}, ${VALUES_SCHEMA_FILE} and the reference in ${PAGE_FILE}`);
}
