// Finds the metric selectors in a PromQL expression: name, label matchers, range and the function
// around it. Not a PromQL parser: it skips strings, numbers, keywords and grouping clauses, and
// stops at fixed bounds, which is all a diagnosis of an empty result needs.

type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  label: string;
  op: MatchOp;
  value: string;
}

export interface Selector {
  /** The metric name, from `name{...}` or `{__name__="name"}`; undefined when not fixed. */
  metric: string | undefined;
  /** Label matchers other than an equality on __name__. */
  matchers: Matcher[];
  /** The range of a range vector (`[5m]`, or a subquery's range), in seconds. */
  rangeSeconds: number | undefined;
  /** The innermost function or aggregation the selector is an argument of (`rate`). */
  enclosing: string | undefined;
}

/** Longer queries are not diagnosed: the work is linear, but the output would not be readable. */
export const MAX_QUERY_LENGTH = 8192;
/** At most this many selectors, and matchers per selector, are reported. */
const MAX_SELECTORS = 16;
const MAX_MATCHERS = 16;

/** Words that are not metric names: binary operators, modifiers, literals. */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'atan2',
  'inf',
  'nan',
  'start',
  'end',
]);
/** Words followed by a parenthesised list of label names, not by an expression. */
const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

const IDENT = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const NUMBER = /(?:0x[0-9a-fA-F]+|\d*\.?\d+(?:[eE][+-]?\d+)?)[a-zA-Z0-9]*/y;
const SPACE = /\s*/y;
const MATCHER =
  /\s*([a-zA-Z_][a-zA-Z0-9_]*|"(?:[^"\\]|\\.)*")\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*,?/y;
/** A bare quoted metric name inside braces (Prometheus 3: `{"my.metric", job="x"}`). */
const QUOTED_NAME = /\s*("(?:[^"\\]|\\.)*")\s*,?/y;
const DURATION_PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)/g;
const UNIT_S: Record<string, number> = {
  ms: 0.001,
  s: 1,
  m: 60,
  h: 3600,
  d: 86_400,
  w: 604_800,
  y: 31_536_000,
};

function unquote(text: string): string {
  if (text.startsWith('`')) return text.slice(1, -1);
  return text.slice(1, -1).replace(/\\(.)/g, (_, c: string) => {
    const escapes: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'" };
    return escapes[c] ?? c;
  });
}

/** PromQL duration text ("1m30s") in seconds, or undefined. */
export function durationSeconds(text: string): number | undefined {
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

/** The selectors of `query`, in order of appearance; [] when the query is too long. */
export function extractSelectors(query: string): Selector[] {
  if (query.length > MAX_QUERY_LENGTH) return [];
  const out: Selector[] = [];
  /** Open parentheses: the function they belong to (undefined for plain grouping). */
  const calls: (string | undefined)[] = [];
  /** An aggregation whose grouping comes first: `sum by (a) (...)`. */
  let pendingCall: string | undefined;
  let i = 0;
  const at = (re: RegExp, pos: number): RegExpExecArray | null => {
    re.lastIndex = pos;
    return re.exec(query);
  };
  const skipSpace = (pos: number): number => (at(SPACE, pos)?.[0].length ?? 0) + pos;

  while (i < query.length && out.length < MAX_SELECTORS) {
    const c = query[i] as string;
    if (c === '"' || c === "'" || c === '`') {
      const close = c === '`' ? query.indexOf('`', i + 1) : findQuoteEnd(query, i);
      i = close < 0 ? query.length : close + 1;
    } else if (c === '#') {
      const nl = query.indexOf('\n', i);
      i = nl < 0 ? query.length : nl + 1;
    } else if (c === '(') {
      calls.push(pendingCall);
      pendingCall = undefined;
      i++;
    } else if (c === ')') {
      calls.pop();
      i++;
    } else if (/\d/.test(c) || (c === '.' && /\d/.test(query[i + 1] ?? ''))) {
      i += at(NUMBER, i)?.[0].length ?? 1;
    } else if (c === '{') {
      i = readSelector(undefined, i);
    } else if (/[a-zA-Z_:]/.test(c)) {
      const word = at(IDENT, i)?.[0] ?? c;
      const next = skipSpace(i + word.length);
      const lower = word.toLowerCase();
      if (GROUPING.has(lower)) {
        // Skip the label list: `by (a, b)`.
        i = query[next] === '(' ? skipParens(query, next) : next;
      } else if (query[next] === '(') {
        calls.push(word);
        i = next + 1;
      } else if (/^(by|without)\b/i.test(query.slice(next, next + 8))) {
        pendingCall = word;
        i = next;
      } else if (KEYWORDS.has(lower)) {
        i = next;
      } else {
        i = readSelector(word, next);
      }
    } else {
      i++;
    }
  }
  return out;

  /** Reads `{...}` and `[range]` after a name (or from `{`), pushes the selector, returns the end. */
  function readSelector(name: string | undefined, from: number): number {
    let pos = from;
    let metric = name;
    const matchers: Matcher[] = [];
    if (query[pos] === '{') {
      pos++;
      for (;;) {
        pos = skipSpace(pos);
        if (query[pos] === '}' || pos >= query.length) break;
        const m = at(MATCHER, pos);
        if (m !== null) {
          const label = (m[1] ?? '').startsWith('"') ? unquote(m[1] ?? '') : (m[1] ?? '');
          const value = unquote(m[3] ?? '""');
          if (label === '__name__' && m[2] === '=') metric = value;
          else if (matchers.length < MAX_MATCHERS)
            matchers.push({ label, op: m[2] as MatchOp, value });
          pos += m[0].length;
          continue;
        }
        const quoted = at(QUOTED_NAME, pos);
        if (quoted !== null) {
          metric = unquote(quoted[1] ?? '""');
          pos += quoted[0].length;
          continue;
        }
        // Not a matcher we understand: skip to the closing brace.
        const close = query.indexOf('}', pos);
        pos = close < 0 ? query.length : close;
        break;
      }
      pos = query[pos] === '}' ? pos + 1 : pos;
    }
    let rangeSeconds: number | undefined;
    const afterBraces = skipSpace(pos);
    if (query[afterBraces] === '[') {
      const close = query.indexOf(']', afterBraces);
      if (close > 0) {
        const inside =
          query
            .slice(afterBraces + 1, close)
            .split(':')[0]
            ?.trim() ?? '';
        rangeSeconds = durationSeconds(inside);
        pos = close + 1;
      }
    }
    if (metric !== undefined || matchers.length > 0) {
      out.push({ metric, matchers, rangeSeconds, enclosing: calls[calls.length - 1] });
    }
    return pos;
  }
}

function findQuoteEnd(text: string, open: number): number {
  const quote = text[open];
  for (let j = open + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === quote) return j;
  }
  return -1;
}

function skipParens(text: string, open: number): number {
  const close = text.indexOf(')', open);
  return close < 0 ? text.length : close + 1;
}
