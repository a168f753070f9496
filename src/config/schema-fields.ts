// The leaf builders the configuration schema is written with: strings, flags, counts, byte sizes,
// durations, addresses, lists, mappings, URLs and namespace lists, each with its reader and rule.
import { Type } from '@sinclair/typebox';
import type { Check } from './schema-reader';
import { always, durationCheck, formatMs, leaf, reader } from './schema-reader';
import { PATH_SEGMENT_RULE, normalizeUrl, urlProblem } from '../util/url-rules';
import { NAMESPACE_PATTERN, NAMESPACE_PATTERN_RULE } from '../util/namespace-rules';
import { clipName } from '../util/echo';
import { hasUserinfo, noUserinfo, refusedWith, urlCredentialsRule } from './credential-rules';

/** A Go duration with its unit (`500ms`, `1m30s`); a bare number is refused (parseUnitDurationMs). */
const DURATION_TEXT = '^\\+?(0|(\\d+\\.?\\d*|\\.\\d+)(ns|us|µs|μs|ms|s|m|h))+$';

export type Doc = { description: string };

/** A non-empty string, trimmed; with a `default`, wrap it in always(). */
export const text = (doc: Doc & { default?: string }) =>
  leaf(
    Type.String({ minLength: 1, ...doc }),
    reader<string>(v =>
      typeof v === 'string' && v.trim() !== ''
        ? { value: v.trim() }
        : { rule: 'must be a non-empty string' },
    ),
  );

export const flag = (doc: Doc & { default: boolean }) =>
  always(
    leaf(
      Type.Boolean(doc),
      reader<boolean>(v =>
        typeof v === 'boolean' ? { value: v } : { rule: 'must be true or false' },
      ),
    ),
  );

export const count = (doc: Doc & { default: number }) =>
  always(
    leaf(
      Type.Integer({ minimum: 1, ...doc }),
      reader<number>(v =>
        typeof v === 'number' && Number.isInteger(v) && v > 0
          ? { value: v }
          : { rule: 'must be a whole number > 0' },
      ),
    ),
  );

/** A size in bytes whose default is given in MiB (the unit the memory budgets are worked out in). */
export const mebibytes = ({ defaultMiB, ...doc }: Doc & { defaultMiB: number }) =>
  count({ default: defaultMiB * 1024 * 1024, ...doc });

/** A duration read into milliseconds; `minMs` is its lower limit (1: greater than 0). */
export const duration = (doc: Doc & { default: string }, minMs = 1) =>
  always(
    leaf(
      Type.String({
        pattern: DURATION_TEXT,
        ...doc,
        description: `${doc.description} A duration with its unit (\`500ms\`, \`3s\`, \`1m30s\`)${minMs > 1 ? `; at least ${formatMs(minMs)}` : ''}.`,
      }),
      reader(durationCheck(minMs)),
    ),
  );

export const address = (doc: Doc & { default: string }) =>
  always(
    leaf(
      Type.String({ pattern: '^.+:\\d{1,5}$', ...doc }),
      reader<string>(v => {
        const m = typeof v === 'string' ? /^(.*):(\d+)$/.exec(v) : null;
        return m !== null && (m[1] ?? '') !== '' && Number(m[2]) <= 65535
          ? { value: v as string }
          : { rule: 'must be host:port (e.g. 0.0.0.0:6000)' };
      }),
    ),
  );

/** Where a source's credentials go instead of its URL. */
export const SOURCE_URL_CREDENTIALS_RULE = urlCredentialsRule(
  'use basicAuth with a passwordFile, or bearerTokenFile',
);

/** Why a source URL with a query or a fragment is refused (the reader and the JSON Schema). */
export const SOURCE_URL_QUERY_RULE =
  'must not have a query string or fragment (a token in it would be written into the configuration; use bearerTokenFile or auth)';

/** An http(s) base URL without credentials, query or fragment; the trailing `/` dropped. */
export const checkHttpUrl: Check<string> = v => {
  if (typeof v !== 'string') return { rule: 'must be an http:// or https:// URL' };
  // Quiet: the value may hold a password or a token in its query.
  switch (urlProblem(v.trim())) {
    case undefined:
      return { value: normalizeUrl(v.trim()) };
    case 'not_http':
      return { rule: 'must be an http:// or https:// URL' };
    case 'credentials':
      return { rule: SOURCE_URL_CREDENTIALS_RULE, quiet: true };
    case 'query_or_fragment':
      return { rule: SOURCE_URL_QUERY_RULE, quiet: true };
    case 'path_segment':
      return { rule: PATH_SEGMENT_RULE };
  }
};

/** A string with a default value (a name or a scope that is nearly always the same). */
export const textOr = (doc: Doc & { default: string }) => always(text(doc));

export const stringList = (doc: Doc & { maxItems?: number }) =>
  always(
    leaf(
      Type.Array(Type.String({ minLength: 1 }), { default: [], ...doc }),
      (v, path, problems) => {
        if (!Array.isArray(v) || v.some(s => typeof s !== 'string' || s.trim() === '')) {
          problems.push(`${path}: must be a list of non-empty strings`);
          return undefined;
        }
        return (v as string[]).map(s => s.trim());
      },
    ),
  );

/** Keys a mapping refuses (a JSON Schema pattern) and the rule they break. */
export interface RefusedKeys {
  pattern: string;
  rule: string;
}

/**
 * A string-to-string mapping; `rule` names what is wrong with one entry (undefined: fine), and
 * keys matching `refused` break its rule (in the JSON Schema too). Quiet: problems name the key,
 * cut short, never the value, which may be a credential.
 */
export const stringMap = (
  doc: Doc,
  rule: (key: string, value: string) => string | undefined = () => undefined,
  refused?: RefusedKeys,
) => {
  const refusedKey = refused === undefined ? undefined : new RegExp(refused.pattern);
  const node = always(
    leaf(
      Type.Record(Type.String(), Type.String(), { default: {}, ...doc }),
      (v, path, problems) => {
        if (typeof v !== 'object' || v === null || Array.isArray(v)) {
          problems.push(`${path}: must be a mapping`);
          return undefined;
        }
        const out: Record<string, string> = {};
        for (const [k, x] of Object.entries(v)) {
          const problem =
            refusedKey?.test(k) === true
              ? refused!.rule
              : typeof x !== 'string'
                ? 'must be a string'
                : rule(k, x);
          if (problem === undefined) out[k] = x as string;
          else problems.push(`${path}.${clipName(k)}: ${problem}`);
        }
        return out;
      },
    ),
  );
  if (refused !== undefined) {
    // Beside the record's own `^(.*)$`: a refused key must match both, which it cannot.
    (node as { patternProperties: Record<string, unknown> }).patternProperties = {
      ...node.patternProperties,
      [refused.pattern]: refusedWith(refused.rule),
    };
  }
  return node;
};

/**
 * An http(s) URL that may have a query; quiet: a token URL's query may hold a secret. User
 * information is refused with `credentialsRule` (the message says where the credential goes).
 */
export const anyHttpUrl = (doc: Doc, credentialsRule: string) =>
  leaf(
    Type.String({ pattern: '^https?://', ...doc, ...noUserinfo(credentialsRule) }),
    reader<string>(v => {
      try {
        const url = new URL(String(v));
        if (typeof v === 'string' && (url.protocol === 'http:' || url.protocol === 'https:')) {
          return hasUserinfo(url) ? { rule: credentialsRule, quiet: true } : { value: v.trim() };
        }
      } catch {
        // falls through to the rule
      }
      return { rule: 'must be an http:// or https:// URL', quiet: true };
    }),
  );

/** A `namespaces:` list: names or globs; absent means every namespace (the old behaviour). */
export const namespaces = (description: string) =>
  leaf(
    Type.Array(Type.String({ pattern: NAMESPACE_PATTERN.source }), { minItems: 1, description }),
    (v, path, problems): string[] | undefined => {
      if (!Array.isArray(v) || v.length === 0) {
        problems.push(
          `${path}: must be a non-empty list of namespace names or globs (leave it out for all namespaces)`,
        );
        return undefined;
      }
      const out: string[] = [];
      v.forEach((n: unknown, i) => {
        const name = typeof n === 'string' ? n.trim() : '';
        if (NAMESPACE_PATTERN.test(name)) out.push(name);
        else problems.push(`${path}[${i}]: ${NAMESPACE_PATTERN_RULE}, got ${JSON.stringify(n)}`);
      });
      return out;
    },
  );
