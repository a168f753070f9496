// prometheus-adapter's configuration (docs/config.md of kubernetes-sigs/prometheus-adapter):
// `rules`, `externalRules` and `resourceRules`, read from its ConfigMap or its config.yaml; which
// rule serves an HPA's metric name (the `name` mapping inverted, then `seriesQuery` and
// `seriesFilters` checked); and the `metricsQuery` template rendered for one namespace and target.
import { parse } from 'yaml';
import { didYouMeanSuffix } from '../util/did-you-mean';
import { clip } from '../util/echo';
import type { InputObject, Json } from './manifests';
import { MigrateInputError, isMap } from './manifests';

/**
 * The keys prometheus-adapter reads (pkg/config/config.go: MetricsDiscoveryConfig, DiscoveryRule,
 * ResourceMapping, NameMapping). It unmarshals YAML into those structs and ignores any other key,
 * so a misspelt key silently loses its setting there; here it is named with its did-you-mean.
 */
const CONFIG_KEYS = ['rules', 'externalRules', 'resourceRules'];
const RULE_KEYS = [
  'seriesQuery',
  'seriesFilters',
  'resources',
  'name',
  'metricsQuery',
  'labelValueReplacements',
];
const RESOURCES_KEYS = ['overrides', 'template', 'namespaced'];
const NAME_KEYS = ['matches', 'as'];

export interface AdapterRule {
  /** `rules[2]` or `externalRules[0]`: where the report points. */
  at: string;
  external: boolean;
  seriesQuery: string;
  filters: { is?: RegExp; isNot?: RegExp }[];
  /** name.matches (anchored as the adapter does not: it searches, so `^...$` is written). */
  matches: RegExp;
  /** name.as; empty: `$1` when matches has a group, else `$0`. */
  as: string;
  metricsQuery: string;
  /** Label → resource (`namespace: {resource: namespace}`), from resources.overrides. */
  overrides: Map<string, string>;
  /** resources.template (`kube_<<.Group>>_<<.Resource>>`), if any. */
  template: string | undefined;
  /**
   * resources.namespaced (default true): false makes an external metric's query carry no
   * namespace matcher (pkg/naming/metrics_query.go, BuildExternal), so an HPA in one namespace
   * can read a series of another.
   */
  namespaced: boolean;
  /** labelValueReplacements: find/replace on label values that migrate does not apply. */
  replacesLabelValues: boolean;
  /** Why the adapter cannot answer queries for this rule (a missing metricsQuery), if so. */
  problem: string | undefined;
}

export interface ResourceRules {
  cpu: string | undefined;
  memory: string | undefined;
}

export interface AdapterConfig {
  origin: string;
  rules: AdapterRule[];
  resourceRules: ResourceRules | undefined;
  /** Keys the adapter ignores (a misspelling loses its setting there too), one line each. */
  warnings: string[];
  /** Rules the adapter cannot answer queries for, one line each (`rules[3]: ...`). */
  problems: string[];
}

/** The config.yaml text of a ConfigMap that holds prometheus-adapter's configuration, if any. */
export function adapterConfigText(o: InputObject): string | undefined {
  if (o.kind !== 'ConfigMap' || o.group !== '') return undefined;
  const data = o.body['data'];
  if (!isMap(data)) return undefined;
  for (const value of Object.values(data)) {
    // kube-prometheus writes the keys quoted (`"resourceRules":`), as jsonnet's YAML output does.
    if (
      typeof value === 'string' &&
      /^(["']?)(rules|externalRules|resourceRules)\1\s*:/m.test(value)
    ) {
      return value;
    }
  }
  return undefined;
}

function regex(text: unknown, at: string): RegExp {
  try {
    return new RegExp(typeof text === 'string' ? text : '');
  } catch (e) {
    throw new MigrateInputError(`${at}: not a regular expression (${(e as Error).message})`);
  }
}

/** `at: unknown key` lines for the keys of `map` the adapter does not read. */
function unknownKeys(map: Json, known: readonly string[], at: string): string[] {
  return Object.keys(map)
    .filter(k => !known.includes(k))
    .map(
      k =>
        `${at}${at === '' ? '' : '.'}${clip(k)}: prometheus-adapter ignores this key${didYouMeanSuffix(k, known)}`,
    );
}

/** One rule of `rules` or `externalRules`, with what the adapter would ignore in it. */
function readRule(
  r: Json,
  field: string,
  i: number,
  origin: string,
  external: boolean,
  warnings: string[],
): AdapterRule {
  const at = `${field}[${i}]`;
  const name = isMap(r['name']) ? r['name'] : {};
  const resources = isMap(r['resources']) ? r['resources'] : {};
  warnings.push(
    ...unknownKeys(resources, RESOURCES_KEYS, `${at}.resources`),
    ...unknownKeys(name, NAME_KEYS, `${at}.name`),
  );
  const overrides = new Map<string, string>();
  if (isMap(resources['overrides'])) {
    for (const [label, v] of Object.entries(resources['overrides'])) {
      if (isMap(v) && typeof v['resource'] === 'string') overrides.set(label, v['resource']);
    }
  }
  const filters = Array.isArray(r['seriesFilters'])
    ? r['seriesFilters'].filter(isMap).map(f => ({
        ...(f['is'] === undefined ? {} : { is: regex(f['is'], `${origin}: ${at}.seriesFilters`) }),
        ...(f['isNot'] === undefined
          ? {}
          : { isNot: regex(f['isNot'], `${origin}: ${at}.seriesFilters`) }),
      }))
    : [];
  // The adapter reads a missing string as "": a rule without seriesQuery discovers nothing
  // useful, one without metricsQuery fails every query ("empty query produced by metrics query
  // template", pkg/naming/metrics_query.go). Only that rule is lost, so only its HPAs cannot move.
  const missing = (['seriesQuery', 'metricsQuery'] as const).filter(
    k => typeof r[k] !== 'string' || r[k] === '',
  );
  const misspelt = Object.keys(r)
    .filter(k => !RULE_KEYS.includes(k))
    .map(k => `${clip(k)}${didYouMeanSuffix(k, RULE_KEYS)}`);
  const problem =
    missing.length === 0
      ? undefined
      : `${at}: no ${missing.join(' and ')} (a non-empty string), so prometheus-adapter serves no value from this rule` +
        (misspelt.length > 0 ? `; keys it ignores here: ${misspelt.join(', ')}` : '');
  // A rule that cannot serve names its ignored keys in its problem, not twice.
  if (problem === undefined) warnings.push(...unknownKeys(r, RULE_KEYS, at));
  return {
    at,
    external,
    seriesQuery: typeof r['seriesQuery'] === 'string' ? r['seriesQuery'] : '',
    filters,
    matches: regex(name['matches'] ?? '.*', `${origin}: ${at}.name.matches`),
    as: typeof name['as'] === 'string' ? name['as'] : '',
    metricsQuery: typeof r['metricsQuery'] === 'string' ? r['metricsQuery'] : '',
    overrides,
    template: typeof resources['template'] === 'string' ? resources['template'] : undefined,
    namespaced: resources['namespaced'] !== false,
    replacesLabelValues:
      Array.isArray(r['labelValueReplacements']) && r['labelValueReplacements'].length > 0,
    problem,
  };
}

/** Reads the adapter configuration (a parsed config.yaml). @throws {@link MigrateInputError} */
export function readAdapterConfig(body: Json | string, origin: string): AdapterConfig {
  let config: unknown = body;
  if (typeof body === 'string') {
    try {
      config = parse(body);
    } catch (e) {
      throw new MigrateInputError(`${origin}: not YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  if (!isMap(config)) throw new MigrateInputError(`${origin}: must be a mapping`);
  const rules: AdapterRule[] = [];
  const warnings = unknownKeys(config, CONFIG_KEYS, '');
  for (const [field, external] of [
    ['rules', false],
    ['externalRules', true],
  ] as const) {
    const list = config[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new MigrateInputError(`${origin}: ${field}: must be a list`);
    list.forEach((r: unknown, i) => {
      if (!isMap(r)) throw new MigrateInputError(`${origin}: ${field}[${i}]: must be a mapping`);
      rules.push(readRule(r, field, i, origin, external, warnings));
    });
  }
  const rr = config['resourceRules'];
  const resourceRules = isMap(rr)
    ? {
        cpu:
          isMap(rr['cpu']) && typeof rr['cpu']['containerQuery'] === 'string' ? 'cpu' : undefined,
        memory:
          isMap(rr['memory']) && typeof rr['memory']['containerQuery'] === 'string'
            ? 'memory'
            : undefined,
      }
    : undefined;
  const problems = rules.flatMap(r => (r.problem === undefined ? [] : [r.problem]));
  return { origin, rules, resourceRules, warnings, problems };
}

/** The metric name a rule gives a series (Go regexp ReplaceAllString semantics, `$1`/`${1}`). */
export function metricNameOf(rule: AdapterRule, series: string): string | undefined {
  const m = rule.matches.exec(series);
  if (m === null) return undefined;
  const as = rule.as !== '' ? rule.as : m.length > 1 ? '$1' : '$0';
  const replaced = as.replace(
    /\$\{(\d+)\}|\$(\d+)/g,
    (_x, a?: string, b?: string) => m[Number(a ?? b)] ?? '',
  );
  return series.slice(0, m.index) + replaced + series.slice(m.index + m[0].length);
}

/** The one `__name__` a seriesQuery selects (`foo{...}`, `{__name__="foo"}`), if it names one. */
export function exactSeriesName(seriesQuery: string): string | undefined {
  const m = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{|$)|__name__\s*=\s*"([^"]*)"/.exec(seriesQuery);
  return m === null ? undefined : (m[1] ?? m[3]);
}

/** The `__name__` the seriesQuery selects: exact (`foo{...}`, `__name__="foo"`) or a regex. */
function seriesNameMatcher(seriesQuery: string): ((s: string) => boolean) | undefined {
  const exact = exactSeriesName(seriesQuery);
  if (exact !== undefined) return s => s === exact;
  // PromQL regexes are anchored at both ends.
  // A regex JavaScript cannot read (RE2 and JavaScript differ at the edges) constrains nothing.
  const anchored = (text: string | undefined) => {
    try {
      return new RegExp(`^(?:${(text ?? '').replace(/\\\\/g, '\\')})$`);
    } catch {
      return undefined;
    }
  };
  const re = /__name__\s*=~\s*"([^"]*)"/.exec(seriesQuery);
  const notRe = /__name__\s*!~\s*"([^"]*)"/.exec(seriesQuery);
  const not = /__name__\s*!=\s*"([^"]*)"/.exec(seriesQuery);
  if (re === null && notRe === null && not === null) return undefined;
  const selects = re === null ? undefined : anchored(re[1]);
  const excludes = notRe === null ? undefined : anchored(notRe[1]);
  return s =>
    (selects === undefined || selects.test(s)) &&
    (excludes === undefined || !excludes.test(s)) &&
    (not === null || s !== not[1]);
}

/**
 * The series a rule would have to discover for `metric` to be served under that name: the
 * `name.as` pattern matched against the metric name, its groups put back into `name.matches`.
 * Offline, without Prometheus's series list; checked by applying the rule forwards.
 */
export function seriesFor(rule: AdapterRule, metric: string): string | undefined {
  const as = rule.as !== '' ? rule.as : /\((?!\?)/.test(rule.matches.source) ? '$1' : '$0';
  const groups: number[] = [];
  const pattern = as
    .split(/(\$\{\d+\}|\$\d+)/)
    .map(part => {
      const g = /^\$\{?(\d+)\}?$/.exec(part);
      if (g === null) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      groups.push(Number(g[1]));
      return '(.+?)';
    })
    .join('');
  const m = new RegExp(`^${pattern}$`).exec(metric);
  if (m === null) return undefined;
  const values = new Map<number, string>();
  groups.forEach((g, i) => values.set(g, m[i + 1] ?? ''));
  let series: string;
  const exactName = exactSeriesName(rule.seriesQuery);
  if (values.has(0)) series = values.get(0) ?? '';
  else if (groups.length === 0 && exactName !== undefined) {
    // A constant `as` (docs/sample-config.yaml: `name: {as: "cheesy_goodness"}`) names the one
    // series the seriesQuery selects.
    series = exactName;
  } else {
    // Put each value in place of its capturing group of `matches`, and drop the anchors.
    let n = 0;
    series = rule.matches.source
      .replace(/^\^/, '')
      .replace(/\$$/, '')
      .replace(/\((?!\?)(?:[^()\\]|\\.)*\)/g, () => values.get(++n) ?? '');
    if (/[\\[\]().*+?|{}]/.test(series)) return undefined;
  }
  if (metricNameOf(rule, series) !== metric) return undefined;
  const selects = seriesNameMatcher(rule.seriesQuery);
  if (selects !== undefined && !selects(series)) return undefined;
  for (const f of rule.filters) {
    if (f.is !== undefined && !f.is.test(series)) return undefined;
    if (f.isNot !== undefined && f.isNot.test(series)) return undefined;
  }
  return series;
}

/** The label that holds a resource (`pod`, `namespace`, `ingress`) for a rule. */
export function labelFor(rule: AdapterRule, resource: string, group = ''): string | undefined {
  for (const [label, r] of rule.overrides) {
    if (r === resource || r === `${resource}s` || r.replace(/s$/, '') === resource) return label;
  }
  if (rule.template !== undefined) {
    return rule.template
      .replace(/<<\s*\.Group\s*>>/g, group)
      .replace(/<<\s*\.Resource\s*>>/g, resource)
      .replace(/__+/g, '_');
  }
  return undefined;
}

/** A rendering that failed: the action the template used that this renderer does not know. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** Renders a metricsQuery (Go text/template with `<<` `>>` delimiters, three fields). */
export function renderMetricsQuery(
  template: string,
  values: { series: string; labelMatchers: string; groupBy: string },
): string {
  return template.replace(/<<-?\s*(.*?)\s*-?>>/g, (_all, action: string) => {
    switch (action) {
      case '.Series':
        return values.series;
      case '.LabelMatchers':
        return values.labelMatchers;
      case '.GroupBy':
        return values.groupBy;
      default:
        throw new TemplateError(
          `metricsQuery: cannot render <<${action}>> (migrate renders <<.Series>>, <<.LabelMatchers>> and <<.GroupBy>>)`,
        );
    }
  });
}

/** A label selector (matchLabels, matchExpressions) as PromQL matchers. */
export function selectorMatchers(selector: unknown): string[] {
  if (!isMap(selector)) return [];
  const out: string[] = [];
  const q = (v: string) => JSON.stringify(v);
  if (isMap(selector['matchLabels'])) {
    for (const [k, v] of Object.entries(selector['matchLabels'])) out.push(`${k}=${q(String(v))}`);
  }
  if (Array.isArray(selector['matchExpressions'])) {
    for (const e of selector['matchExpressions'].filter(isMap)) {
      const key = String(e['key']);
      const values = Array.isArray(e['values']) ? e['values'].map(String) : [];
      const alternatives = q(values.map(v => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'));
      switch (e['operator']) {
        case 'In':
          out.push(`${key}=~${alternatives}`);
          break;
        case 'NotIn':
          out.push(`${key}!~${alternatives}`);
          break;
        case 'Exists':
          out.push(`${key}!=""`);
          break;
        case 'DoesNotExist':
          out.push(`${key}=""`);
          break;
      }
    }
  }
  return out;
}
