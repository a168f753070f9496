// prometheus-adapter's configuration (docs/config.md of kubernetes-sigs/prometheus-adapter):
// `rules`, `externalRules` and `resourceRules`, read from its ConfigMap or its config.yaml; which
// rule serves an HPA's metric name (the `name` mapping inverted, then `seriesQuery` and
// `seriesFilters` checked); and the `metricsQuery` template rendered for one namespace and target.
import { parse } from 'yaml';
import type { InputObject, Json } from './manifests';
import { MigrateInputError, isMap } from './manifests';

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
}

export interface ResourceRules {
  cpu: string | undefined;
  memory: string | undefined;
}

export interface AdapterConfig {
  origin: string;
  rules: AdapterRule[];
  resourceRules: ResourceRules | undefined;
}

/** The config.yaml text of a ConfigMap that holds prometheus-adapter's configuration, if any. */
export function adapterConfigText(o: InputObject): string | undefined {
  if (o.kind !== 'ConfigMap' || o.group !== '') return undefined;
  const data = o.body['data'];
  if (!isMap(data)) return undefined;
  for (const value of Object.values(data)) {
    if (typeof value === 'string' && /^(rules|externalRules|resourceRules)\s*:/m.test(value)) {
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
  for (const [field, external] of [
    ['rules', false],
    ['externalRules', true],
  ] as const) {
    const list = config[field];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new MigrateInputError(`${origin}: ${field}: must be a list`);
    list.forEach((r: unknown, i) => {
      const at = `${origin}: ${field}[${i}]`;
      if (!isMap(r)) throw new MigrateInputError(`${at}: must be a mapping`);
      const name = isMap(r['name']) ? r['name'] : {};
      const resources = isMap(r['resources']) ? r['resources'] : {};
      const overrides = new Map<string, string>();
      if (isMap(resources['overrides'])) {
        for (const [label, v] of Object.entries(resources['overrides'])) {
          if (isMap(v) && typeof v['resource'] === 'string') overrides.set(label, v['resource']);
        }
      }
      const filters = Array.isArray(r['seriesFilters'])
        ? r['seriesFilters'].filter(isMap).map(f => ({
            ...(f['is'] === undefined ? {} : { is: regex(f['is'], `${at}.seriesFilters`) }),
            ...(f['isNot'] === undefined
              ? {}
              : { isNot: regex(f['isNot'], `${at}.seriesFilters`) }),
          }))
        : [];
      if (typeof r['seriesQuery'] !== 'string' || typeof r['metricsQuery'] !== 'string') {
        throw new MigrateInputError(`${at}: seriesQuery and metricsQuery must be strings`);
      }
      rules.push({
        at: `${field}[${i}]`,
        external,
        seriesQuery: r['seriesQuery'],
        filters,
        matches: regex(name['matches'] ?? '.*', `${at}.name.matches`),
        as: typeof name['as'] === 'string' ? name['as'] : '',
        metricsQuery: r['metricsQuery'],
        overrides,
        template: typeof resources['template'] === 'string' ? resources['template'] : undefined,
      });
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
  return { origin, rules, resourceRules };
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

/** The `__name__` the seriesQuery selects: exact (`foo{...}`, `__name__="foo"`) or a regex. */
function seriesNameMatcher(seriesQuery: string): ((s: string) => boolean) | undefined {
  const bare = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{|$)/.exec(seriesQuery);
  if (bare !== null) return s => s === bare[1];
  const exact = /__name__\s*=\s*"([^"]*)"/.exec(seriesQuery);
  if (exact !== null) return s => s === exact[1];
  const re = /__name__\s*=~\s*"([^"]*)"/.exec(seriesQuery);
  if (re !== null) {
    // PromQL regexes are anchored at both ends.
    const anchored = new RegExp(`^(?:${(re[1] ?? '').replace(/\\\\/g, '\\')})$`);
    return s => anchored.test(s);
  }
  return undefined;
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
  if (values.has(0)) series = values.get(0) ?? '';
  else {
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
