// Reads a parsed document against the TypeBox configuration schema: typed values, defaults, and
// every problem as `<key path>: <rule>, got <value>` with a did-you-mean for unknown keys.
import type { ObjectOptions, TArray, TObject, TProperties, TSchema } from '@sinclair/typebox';
import { Kind, Type } from '@sinclair/typebox';
import { didYouMeanSuffix } from '../util/did-you-mean';
import { clip, clipName, quote } from '../util/echo';
import { redactUrl } from '../util/url-rules';
import { parseUnitDurationMs } from '../util/parse-values';

/** Reads one present value at `path`; records what is wrong in `problems`, returns undefined then. */
export type Reader<T> = (value: unknown, path: string, problems: string[]) => T | undefined;

/** On a schema node: how its value is read. Symbols never appear in the emitted JSON Schema. */
const Read = Symbol('read');
/** On a schema node: the name of the typed field when it differs from the YAML key. */
const FieldName = Symbol('fieldName');
/** On a schema node: the value is always there after reading (a default, or required). */
const Always = Symbol('always');
/** On an object node: the one problem reported when a required key is missing. */
export const MissingRule = Symbol('missingRule');

/** On an object node: rules between its keys, run on the values read (defaults filled in). */
const Between = Symbol('between');
export type BetweenRule<O> = (out: O, path: string, problems: string[]) => void;

/** Adds the rules between an object node's keys. */
export function between<S extends TObject>(schema: S, rule: BetweenRule<Out<S>>): S {
  return Object.assign(schema, { [Between]: rule });
}

type Leaf<T> = TSchema & { [Read]: Reader<T> };

/** A check on one value: the typed value, or the rule it broke (`quiet`: never echo the value). */
export type Check<T> = (v: unknown) => { value: T } | { rule: string; quiet?: boolean };

/**
 * A value from the file for a message: strings quoted (a URL without its credentials or query),
 * anything else as JSON, both cut short.
 */
function shown(v: unknown): string {
  if (typeof v !== 'string') return clip(JSON.stringify(v) ?? String(v));
  return quote(v.includes('://') ? redactUrl(v) : v);
}

/** A Reader that words a broken rule as `<path>: <rule>, got <value>`. */
export function reader<T>(check: Check<T>): Reader<T> {
  return (v, path, problems) => {
    const result = check(v);
    if ('value' in result) return result.value;
    problems.push(`${path}: ${result.rule}${result.quiet === true ? '' : `, got ${shown(v)}`}`);
    return undefined;
  };
}

/**
 * An object node that allows no other keys. Only `required` keys are required (TypeBox would
 * require every key not wrapped in Type.Optional).
 */
export function section<P extends TProperties>(
  properties: P,
  options: ObjectOptions & { description: string; required?: (keyof P & string)[] },
): TObject<P> {
  const { required, ...rest } = options;
  const schema = Type.Object(properties, { additionalProperties: false, ...rest });
  if (required === undefined) delete (schema as { required?: string[] }).required;
  else schema.required = required;
  return schema;
}

/** Attaches a reader (and optional markers) to a TypeBox schema node. */
export function leaf<T, S extends TSchema>(schema: S, read: Reader<T>): S & { [Read]: Reader<T> } {
  return Object.assign(schema, { [Read]: read });
}

/** Marks a node as always present: its JSON Schema `default` (or a section's defaults) fills it. */
export function always<S extends TSchema>(schema: S): S & { [Always]: true } {
  return Object.assign(schema, { [Always]: true as const });
}

/** Gives a node's typed field another name than its YAML key (`openDuration` → `openMs`). */
export function named<F extends string, S extends TSchema>(
  field: F,
  schema: S,
): S & { [FieldName]: F } {
  return Object.assign(schema, { [FieldName]: field });
}

/** Duration rule: "3s", "1m30s", "500ms" (a unit is required), at least `minMs`. */
export function durationCheck(minMs: number): Check<number> {
  return v => {
    if (typeof v !== 'string' && typeof v !== 'number') return { rule: 'must be a duration' };
    const parsed = parseUnitDurationMs(String(v));
    if (!parsed.ok) return { rule: parsed.rule };
    if (parsed.value >= minMs) return { value: parsed.value };
    return {
      rule: minMs === 1 ? 'must be greater than 0' : `must be at least ${formatMs(minMs)}`,
    };
  };
}

/** 1000 → "1s", 1500 → "1500ms": how a limit is shown in a message. */
export function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** The typed value a schema node reads to. */
export type Out<S> = S extends { [Read]: Reader<infer T> }
  ? T
  : S extends TArray<infer I>
    ? readonly Out<I>[]
    : S extends TObject<infer P>
      ? Section<P>
      : never;

/** An object node's typed value: fields renamed where asked, `| undefined` unless always there. */
export type Section<P extends TProperties> = {
  -readonly [
    K in keyof P as P[K] extends { [FieldName]: infer F extends string } ? F : K
  ]: P[K] extends { [Always]: true } ? Out<P[K]> : Out<P[K]> | undefined;
};

const isObjectNode = (s: TSchema): s is TObject => s[Kind] === 'Object';
const isArrayNode = (s: TSchema): s is TArray => s[Kind] === 'Array';
const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads `value` (present: not undefined) against `schema`.
 */
export function readNode<S extends TSchema>(
  schema: S,
  value: unknown,
  path: string,
  problems: string[],
): Out<S> | undefined {
  const read = (schema as Partial<Leaf<unknown>>)[Read];
  if (read !== undefined) return read(value, path, problems) as Out<S> | undefined;
  if (isArrayNode(schema)) {
    if (!Array.isArray(value)) {
      problems.push(`${path}: must be a list`);
      return undefined;
    }
    const items: unknown[] = [];
    value.forEach((item: unknown, i) => {
      const out = readNode(schema.items, item, `${path}[${i}]`, problems);
      if (out !== undefined) items.push(out);
    });
    return items as Out<S>;
  }
  if (isObjectNode(schema)) return readObject(schema, value, path, problems) as Out<S> | undefined;
  throw new Error(`config schema at ${path}: a node without a reader`);
}

function readObject(
  schema: TObject,
  value: unknown,
  path: string,
  problems: string[],
): Record<string, unknown> | undefined {
  if (!isMapping(value)) {
    problems.push(`${path === '' ? 'config' : path}: must be a mapping`);
    return undefined;
  }
  const at = path === '' ? '' : `${path}.`;
  const keys = Object.keys(schema.properties);
  for (const key of Object.keys(value)) {
    if (!keys.includes(key))
      problems.push(`${at}${clipName(key)}: unknown key${didYouMeanSuffix(key, keys)}`);
  }
  const out: Record<string, unknown> = {};
  const missing: string[] = [];
  let complete = true;
  for (const [key, node] of Object.entries(schema.properties)) {
    const field = (node as { [FieldName]?: string })[FieldName] ?? key;
    const raw = value[key];
    // YAML's empty value (null) leaves a scalar at its default; a null list or mapping is wrong.
    const container = node['type'] === 'object' || node['type'] === 'array';
    const absent = raw === undefined || (raw === null && !container);
    const read = absent ? undefined : readNode(node, raw, `${at}${key}`, problems);
    out[field] = read ?? defaultOf(node);
    if (schema.required?.includes(key) === true && out[field] === undefined) {
      complete = false;
      if (absent) missing.push(key);
    }
  }
  if (complete) {
    (schema as { [Between]?: BetweenRule<typeof out> })[Between]?.(out, path, problems);
    return out;
  }
  const rule = (schema as { [MissingRule]?: string })[MissingRule];
  if (rule !== undefined) problems.push(`${path}: ${rule}`);
  else for (const key of missing) problems.push(`${at}${key}: is required`);
  return undefined;
}

/** The typed default of a node: a leaf's JSON Schema `default` read, a section's defaults. */
function defaultOf<S extends TSchema>(schema: S): Out<S> | undefined {
  if (isObjectNode(schema) && (schema as Partial<Leaf<unknown>>)[Read] === undefined) {
    return (schema as { [Always]?: true })[Always] === true
      ? (defaultsOf(schema) as Out<S>)
      : undefined;
  }
  if (schema.default === undefined) return undefined;
  const problems: string[] = [];
  const value = readNode(schema, schema.default, 'default', problems);
  if (value === undefined) throw new Error(`config schema: bad default: ${problems.join('; ')}`);
  return value;
}

/** Every field of an object node at its default (required fields without one: undefined). */
export function defaultsOf<P extends TProperties>(schema: TObject<P>): Section<P> {
  const out: Record<string, unknown> = {};
  for (const [key, node] of Object.entries(schema.properties)) {
    out[(node as { [FieldName]?: string })[FieldName] ?? key] = defaultOf(node);
  }
  return out as Section<P>;
}
