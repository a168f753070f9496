// Finds the metric selectors in a PromQL expression (name, label matchers, range and the function
// around each) with the Prometheus project's own grammar, @prometheus-io/lezer-promql, which is
// loaded on the first diagnosis only: a server that never diagnoses never loads it.

// Types only: erased at compile time, so they load nothing.
import type { parser as promqlParser } from '@prometheus-io/lezer-promql';

type PromQLParser = typeof promqlParser;
type SyntaxNode = ReturnType<PromQLParser['parse']>['topNode'];

type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  label: string;
  op: MatchOp;
  value: string;
}

export interface Selector {
  /** The metric name, from `name{...}`, `{"name"}` or `{__name__="name"}`; undefined when not fixed. */
  metric: string | undefined;
  /** Label matchers other than an equality on __name__. */
  matchers: Matcher[];
  /** The range of a range vector (`[5m]`, or a subquery's range), in seconds. */
  rangeSeconds: number | undefined;
  /** The innermost function or aggregation the selector is an argument of (`rate`). */
  enclosing: string | undefined;
}

/** Longer queries are not diagnosed: parsing is linear, but the output would not be readable. */
export const MAX_QUERY_LENGTH = 8192;
/**
 * Queries with more opening parentheses are not diagnosed: the grammar's time grows faster than
 * the nesting depth (bench/promql-parse.ts, figures in docs/performance.md).
 */
export const MAX_PARENTHESES = 256;
/** At most this many selectors, and matchers per selector, are reported. */
const MAX_SELECTORS = 16;
const MAX_MATCHERS = 16;

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g;
/** A float literal where a duration goes is seconds (lezer-promql's NumberDurationLiteral). */
const SECONDS_LITERAL = /^\d+(?:\.\d+)?$/;
const UNIT_S: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  y: 31_536_000,
};
/** Go's single-character escapes, which PromQL strings follow (docs: querying/basics, String literals). */
const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};
const ESCAPE = /\\(?:x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{3})|(.))/gs;

/** The text of a PromQL string literal: backticks verbatim, quotes with Go's escapes undone. */
function unquote(text: string): string {
  if (text.startsWith('`')) return text.slice(1, -1);
  return text
    .slice(1, -1)
    .replace(ESCAPE, (_, x?: string, u?: string, U?: string, octal?: string, c?: string) => {
      const code = x ?? u ?? U;
      if (code !== undefined) return String.fromCodePoint(Math.min(parseInt(code, 16), 0x10ffff));
      if (octal !== undefined) return String.fromCharCode(parseInt(octal, 8));
      return ESCAPES[c ?? ''] ?? c ?? '';
    });
}

/** PromQL duration text ("1m30s", or "90" seconds) in seconds, or undefined. */
export function durationSeconds(text: string): number | undefined {
  if (SECONDS_LITERAL.test(text)) return Number(text);
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(DURATION_PART)) {
    total += Number(m[1]) * (UNIT_S[m[2] ?? ''] ?? 0);
    matched += m[0];
  }
  return matched === text && matched !== '' ? total : undefined;
}

/** The selector as PromQL text, with the name as a matcher: `{__name__="x",a="b"}`. */
export function selectorText(metric: string | undefined, matchers: readonly Matcher[]): string {
  const parts = [
    ...(metric === undefined ? [] : [`__name__=${JSON.stringify(metric)}`]),
    ...matchers.map(m => `${m.label}${m.op}${JSON.stringify(m.value)}`),
  ];
  return `{${parts.join(',')}}`;
}

let parser: Promise<PromQLParser> | undefined;

/** The grammar, required on first use (tsc turns this import() into a deferred require). */
function loadParser(): Promise<PromQLParser> {
  parser ??= import('@prometheus-io/lezer-promql').then(m => m.parser);
  return parser;
}

/**
 * The selectors of `query`, in order of appearance; [] when the query is too long or too deeply
 * nested. A query with syntax errors still yields the selectors the grammar recovers around them.
 */
export async function extractSelectors(query: string): Promise<Selector[]> {
  if (query.length > MAX_QUERY_LENGTH || countParentheses(query) > MAX_PARENTHESES) return [];
  const tree = (await loadParser()).parse(query);
  const out: Selector[] = [];
  const text = (node: SyntaxNode): string => query.slice(node.from, node.to);
  const cursor = tree.cursor();
  do {
    if (cursor.name !== 'VectorSelector') continue;
    const selector = readSelector(cursor.node, text);
    if (selector.metric !== undefined || selector.matchers.length > 0) out.push(selector);
  } while (out.length < MAX_SELECTORS && cursor.next());
  return out;
}

/** Name, matchers, range and enclosing call of one VectorSelector node. */
function readSelector(node: SyntaxNode, text: (node: SyntaxNode) => string): Selector {
  const identifier = node.getChild('Identifier');
  let metric = identifier === null ? undefined : text(identifier);
  const matchers: Matcher[] = [];
  for (let m = node.getChild('LabelMatchers')?.firstChild; m; m = m.nextSibling) {
    if (m.name === 'QuotedLabelName') {
      // `{"my.metric", job="x"}`: a bare quoted string is the metric name (Prometheus 3).
      metric = unquote(text(m));
      continue;
    }
    const name = m.getChild('LabelName') ?? m.getChild('QuotedLabelName');
    const op = m.getChild('MatchOp');
    const value = m.getChild('StringLiteral');
    // A matcher the parser recovered from a syntax error in (`{a="b" or c="d"}`) is left out.
    if (name === null || op === null || value === null || hasError(m)) continue;
    const label = name.name === 'QuotedLabelName' ? unquote(text(name)) : text(name);
    const matcher = { label, op: text(op) as MatchOp, value: unquote(text(value)) };
    if (label === '__name__' && matcher.op === '=') metric = matcher.value;
    else if (matchers.length < MAX_MATCHERS) matchers.push(matcher);
  }
  return {
    metric,
    matchers,
    rangeSeconds: rangeOf(node, text),
    enclosing: enclosingCall(node, text),
  };
}

function countParentheses(query: string): number {
  let count = 0;
  for (let i = query.indexOf('('); i >= 0; i = query.indexOf('(', i + 1)) count++;
  return count;
}

function hasError(node: SyntaxNode): boolean {
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.type.isError) return true;
  }
  return false;
}

/** `x[5m]` and the subquery `x[10m:1m]` give their range; anything else none. */
function rangeOf(node: SyntaxNode, text: (node: SyntaxNode) => string): number | undefined {
  const parent = node.parent;
  if (parent?.name !== 'MatrixSelector' && parent?.name !== 'SubqueryExpr') return undefined;
  const range = parent.getChild('DurationExpr');
  // Duration arithmetic (`[5m * 2]`, `[step()]`) is not evaluated: its literal alone is read.
  return range === null ? undefined : durationSeconds(text(range).trim());
}

/** The innermost function call or aggregation around `node`, through parentheses and operators. */
function enclosingCall(node: SyntaxNode, text: (node: SyntaxNode) => string): string | undefined {
  for (let up = node.parent; up; up = up.parent) {
    if (up.name === 'FunctionCall') {
      const fn = up.getChild('FunctionIdentifier');
      return fn === null ? undefined : text(fn);
    }
    if (up.name === 'AggregateExpr') {
      const op = up.getChild('AggregateOp');
      return op === null ? undefined : text(op).toLowerCase();
    }
  }
  return undefined;
}
