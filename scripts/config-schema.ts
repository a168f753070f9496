// Writes config.schema.json and the configuration reference table of docs/configuration.md from
// the one schema in src/config/schema.ts. `npm run schema` rewrites both; test/unit/config fails
// when either is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema } from '../src/config/schema';

export const TABLE_START = '<!-- config-reference:start (npm run schema writes this table) -->';
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

/** The Markdown table (without markers). */
export function renderReferenceTable(): string {
  const rows = referenceRows();
  const lines = [
    '| key | type | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      r => `| \`${r.key}\` | ${r.type} | ${r.default} | ${r.meaning.replace(/\|/g, '\\|')} |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** The page holding the table, from the repository root. */
export const TABLE_PAGE = 'docs/configuration.md';

/** The page with the text between the markers replaced by the current table. */
export function rewriteTablePage(page: string): string {
  const start = page.indexOf(TABLE_START);
  const end = page.indexOf(TABLE_END);
  if (start < 0 || end < start)
    throw new Error(`${TABLE_PAGE}: markers ${TABLE_START} … ${TABLE_END} not found`);
  return `${page.slice(0, start + TABLE_START.length)}\n\n${renderReferenceTable()}\n${page.slice(end)}`;
}

if (require.main === module) {
  // Run by `npm run schema` from the repository root, which then runs prettier on both files.
  const SCHEMA_FILE = resolve('config.schema.json');
  const PAGE_FILE = resolve(TABLE_PAGE);
  writeFileSync(SCHEMA_FILE, renderSchemaJson());
  writeFileSync(PAGE_FILE, rewriteTablePage(readFileSync(PAGE_FILE, 'utf8')));
  console.log(`wrote ${SCHEMA_FILE} and the table in ${PAGE_FILE}`);
}
