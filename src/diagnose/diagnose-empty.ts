// Why a query returned no series: a metric name that does not exist (with the nearest names), a
// label matcher that empties the selector (with the values the label has), or a rate() range
// too short for the scrape interval. Asks only Prometheus's metadata API, within its budget.
import { nearestNames } from '../util/did-you-mean';
import type { PrometheusMetadata } from './metadata-client';
import { BudgetSpent } from './metadata-client';
import type { Matcher, Selector } from './promql-selectors';
import { extractSelectors, selectorText } from './promql-selectors';

type FindingKind =
  | 'unknown_metric'
  | 'unknown_label'
  | 'emptying_matcher'
  | 'short_range'
  | 'selectors_match'
  | 'incomplete';

export interface Finding {
  kind: FindingKind;
  message: string;
}

/** Functions that need two samples in their range to give a value. */
const TWO_SAMPLE_FUNCTIONS = new Set(['rate', 'irate', 'increase', 'delta', 'idelta', 'deriv']);
/** Label values shown after "has:"; more are counted, not listed. */
const MAX_VALUES_SHOWN = 10;
/** The window whose samples give the scrape interval (s): ten minutes of a 15 s scrape is 40. */
const INTERVAL_WINDOW_S = 600;
/**
 * Suffixes Prometheus naming puts on a metric family (counters, histograms, summaries, units;
 * https://prometheus.io/docs/practices/naming/). `http_requests` for `http_requests_total` is the
 * commonest empty query, and one edit-distance too far for a typo of a long name.
 */
const FAMILY_SUFFIXES = ['_total', '_count', '_sum', '_bucket', '_seconds', '_bytes', '_created'];
/** Family members shown before "did you mean" falls back to edit distance. */
const MAX_FAMILY_SHOWN = 3;

/** The name without its family suffixes: `http_request_duration_seconds_bucket` → `http_request_duration`. */
function familyStem(name: string): string {
  let stem = name;
  for (let cut = true; cut;) {
    cut = false;
    for (const suffix of FAMILY_SUFFIXES) {
      if (stem.length > suffix.length && stem.endsWith(suffix)) {
        stem = stem.slice(0, -suffix.length);
        cut = true;
      }
    }
  }
  return stem;
}

/**
 * Names of the same family as `metric`: the same stem once suffixes are dropped (`http_requests`
 * → `http_requests_total`), or the stem under a namespace prefix either way round
 * (`requests_total` → `app_requests_total`). Same-stem names first, then the shortest.
 */
function familyNames(metric: string, names: readonly string[]): string[] {
  const stem = familyStem(metric);
  const scored: { name: string; rank: number }[] = [];
  for (const name of names) {
    if (name === metric) continue;
    const other = familyStem(name);
    const rank =
      other === stem ? 0 : other.endsWith(`_${stem}`) || stem.endsWith(`_${other}`) ? 1 : undefined;
    if (rank !== undefined) scored.push({ name, rank });
  }
  scored.sort(
    (a, b) => a.rank - b.rank || a.name.length - b.name.length || a.name.localeCompare(b.name),
  );
  return scored.slice(0, MAX_FAMILY_SHOWN).map(s => s.name);
}

const show = (m: Matcher): string => `${m.label}${m.op}${JSON.stringify(m.value)}`;
const where = (s: Selector): string => (s.metric === undefined ? 'the selector' : s.metric);

function listValues(values: string[] | undefined): string {
  if (values === undefined) return '(too many to list)';
  if (values.length === 0) return '(none)';
  const shown = values.slice(0, MAX_VALUES_SHOWN).map(v => JSON.stringify(v));
  return values.length > MAX_VALUES_SHOWN
    ? `${shown.join(', ')} and ${values.length - MAX_VALUES_SHOWN} more`
    : shown.join(', ');
}

/**
 * Findings for a query whose result was empty, most specific first. Selectors are examined in
 * order; an error or a spent budget ends the diagnosis with an `incomplete` finding.
 */
export async function diagnoseEmpty(query: string, api: PrometheusMetadata): Promise<Finding[]> {
  const selectors = await extractSelectors(query);
  if (selectors.length === 0) {
    return [{ kind: 'incomplete', message: 'no metric selector found in the query to examine' }];
  }
  const findings: Finding[] = [];
  const seen = new Set<string>();
  try {
    for (const selector of selectors) {
      const key = `${selectorText(selector.metric, selector.matchers)}[${selector.rangeSeconds}]`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push(...(await examine(selector, api)));
    }
  } catch (e) {
    findings.push({
      kind: 'incomplete',
      message:
        e instanceof BudgetSpent
          ? 'stopped early: the diagnosis asks Prometheus at most a few dozen questions'
          : `stopped early: Prometheus's metadata API failed (${(e as Error).message})`,
    });
  }
  if (findings.length === 0) {
    findings.push({
      kind: 'selectors_match',
      message:
        'every selector matches series, so the empty result comes from the rest of the ' +
        'expression: a binary operator whose sides share no label set, a comparison that ' +
        'filters everything out, or absent()',
    });
  }
  return findings;
}

async function examine(selector: Selector, api: PrometheusMetadata): Promise<Finding[]> {
  const { metric, matchers } = selector;
  const full = selectorText(metric, matchers);
  if (await api.hasSeries(full)) return examineRange(selector, api);

  // The metric alone; without a fixed name, label questions go to all series.
  const base = metric === undefined ? undefined : selectorText(metric, []);
  if (metric !== undefined && base !== undefined && !(await api.hasSeries(base))) {
    const names = await api.labelValues('__name__');
    const family = names === undefined ? [] : familyNames(metric, names);
    const near = family.length > 0 || names === undefined ? family : nearestNames(metric, names);
    return [
      {
        kind: 'unknown_metric',
        message:
          `metric ${metric} has no series in the last hour` +
          (near.length > 0
            ? ` (did you mean ${near.join(' or ')}?)`
            : names === undefined
              ? ''
              : `; none of the ${names.length} metric names is close`),
      },
    ];
  }

  // Each matcher alone: one that matches nothing by itself is named with what the label has.
  for (const m of matchers) {
    if (await api.hasSeries(selectorText(metric, [m]))) continue;
    const labels = await api.labelNames(base);
    if (labels !== undefined && !labels.includes(m.label) && m.op !== '!=' && m.op !== '!~') {
      const near = nearestNames(m.label, labels, 1);
      return [
        {
          kind: 'unknown_label',
          message:
            `${show(m)}: no series of ${where(selector)} has the label ${m.label}` +
            (near.length > 0 ? ` (did you mean ${near[0]}?)` : '') +
            `; its labels: ${labels.filter(l => l !== '__name__').join(', ')}`,
        },
      ];
    }
    const values = await api.labelValues(m.label, base);
    const near = m.op === '=' && values !== undefined ? nearestNames(m.value, values, 1) : [];
    return [
      {
        kind: 'emptying_matcher',
        message:
          `${show(m)} matches no series of ${where(selector)}` +
          (near.length > 0 ? ` (did you mean ${JSON.stringify(near[0])}?)` : '') +
          `; ${m.label} has: ${listValues(values)}`,
      },
    ];
  }

  // Each matches alone but not together: add them in order and name the one that empties it.
  for (let k = 1; k < matchers.length; k++) {
    const before = matchers.slice(0, k);
    const m = matchers[k] as Matcher;
    if (await api.hasSeries(selectorText(metric, [...before, m]))) continue;
    const values = await api.labelValues(m.label, selectorText(metric, before));
    return [
      {
        kind: 'emptying_matcher',
        message:
          `each matcher of ${where(selector)} matches series alone, but ${show(m)} together ` +
          `with ${before.map(show).join(', ')} matches none; there ${m.label} has: ${listValues(values)}`,
      },
    ];
  }
  return [];
}

/** rate() and friends need two samples in the range: a range under two scrape intervals has one. */
async function examineRange(selector: Selector, api: PrometheusMetadata): Promise<Finding[]> {
  const fn = selector.enclosing;
  const range = selector.rangeSeconds;
  if (fn === undefined || range === undefined || !TWO_SAMPLE_FUNCTIONS.has(fn)) return [];
  const full = selectorText(selector.metric, selector.matchers);
  // The samples' own spacing, not the window over their count: a series one minute old and
  // scraped every 5 s has 12 samples in ten minutes, which is not "every 50s".
  const times = await api.sampleTimes(full, INTERVAL_WINDOW_S);
  const intervalS = times === undefined ? undefined : medianGap(times);
  if (intervalS === undefined) return [];
  if (range >= 2 * intervalS) return [];
  return [
    {
      kind: 'short_range',
      message:
        `${fn}(...[${range}s]) over ${where(selector)}: the series is scraped about every ` +
        `${intervalS}s, so a ${range}s range holds fewer than the two samples ${fn} needs; ` +
        `use at least [${2 * intervalS}s] (4 x the scrape interval, [${4 * intervalS}s], is the usual advice)`,
    },
  ];
}

/** The median gap between consecutive timestamps (whole seconds, at least 1), if two or more. */
function medianGap(times: readonly number[]): number | undefined {
  const gaps = times
    .slice(1)
    .map((t, i) => t - (times[i] as number))
    .filter(g => g > 0)
    .sort((a, b) => a - b);
  const middle = gaps[Math.floor(gaps.length / 2)];
  return middle === undefined ? undefined : Math.max(1, Math.round(middle));
}
