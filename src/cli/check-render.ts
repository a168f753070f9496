// How `check` prints its results: the text report for people and the JSON report for scripts,
// both from the same TriggerCheck.
import type { CommandIo } from './command-args';
import type { EmptyReport, TriggerCheck } from './check-result';
import type { WholeScaledObject } from './check-scaledobject';

/** What `check` prints: each trigger's result, and after a ScaledObject's triggers its summary. */
export type CheckPart = TriggerCheck | ({ outcome: 'whole' } & WholeScaledObject);

const ALLOW_EMPTY_HINT =
  'exit 1: the trigger would scale on a constant 0; pass --allow-empty if an empty result is expected (e.g. no traffic yet)';

function emptyLines(empty: EmptyReport[]): string[] {
  return empty.flatMap(e => [e.summary, ...e.findings.map(f => `  - ${f.message}`)]);
}

/** One element of `check --output json` (the keys in a stable order). */
function checkReport(r: TriggerCheck): Record<string, unknown> {
  const context = {
    ...(r.label === undefined ? {} : { scaledObject: r.label }),
    ...(r.answeredBy === undefined ? {} : { answeredBy: r.answeredBy }),
    ...(r.migrateNote === undefined ? {} : { migrate: r.migrateNote }),
  };
  const empty = r.empty.length === 0 ? {} : { empty: r.empty };
  if (r.outcome === 'failed') {
    return {
      ok: false,
      ...context,
      ...empty,
      code: r.status,
      message: r.message.slice(r.message.indexOf(': ') + 2),
    };
  }
  return {
    ok: r.code === 0,
    ...context,
    ...(r.warnings.length === 0 ? {} : { warnings: r.warnings }),
    ...empty,
    ...(r.composite === undefined ? {} : { scalingModifiers: r.composite }),
    metricSpec: r.metricSpec,
    metricValue: r.metricValue,
    value: r.value,
    active: r.active,
    activationThreshold: r.activationThreshold,
    source: r.source,
    tookMs: r.tookMs,
    replicas: r.replicas,
    metricType: r.metricType,
    hpa: r.hpa,
  };
}

/** The text report: warnings and empty results first, then what KEDA and the HPA would see. */
function checkText(r: TriggerCheck): string {
  const answeredBy = r.answeredBy === undefined ? [] : [r.answeredBy];
  const migrate = r.migrateNote === undefined ? [] : [r.migrateNote];
  if (r.outcome === 'failed') {
    return `${[...emptyLines(r.empty), ...answeredBy, r.message, ...migrate].join('\n')}\n`;
  }
  const lines = [
    ...r.warnings.map(w => `warning: ${w}`),
    ...emptyLines(r.empty),
    ...answeredBy,
    `GetMetricSpec   ${JSON.stringify(r.metricSpec)}`,
    `GetMetrics      ${JSON.stringify(r.metricValue)}  (value ${r.value})`,
    `IsActive        ${r.active}  (${r.activeBy} ${r.activationValue} is ${r.active ? '' : 'not '}above activationThreshold ${r.activationThreshold})`,
    `source          ${r.source}, answered in ${r.tookMs} ms`,
    '',
    ...(r.composite === undefined
      ? []
      : [
          `note: spec.advanced.scalingModifiers applies: the HPA sees ${r.composite.formula} against target ${r.composite.target}, not this trigger alone; ${r.composedBelow ? 'the ScaledObject section below composes it' : 'check without --trigger composes it'}`,
        ]),
    `HPA at ${r.replicas} replica(s), this trigger's metricType is ${r.metricType}:`,
    ...(['AverageValue', 'Value'] as const).flatMap(type => [
      `  ${type}${type === r.metricType ? ' (this trigger)' : ''}: kubectl get hpa shows ${r.hpa[type].shown}; desired ${r.hpa[type].desired}`,
      ...r.hpa[type].steps.map(s => `    - ${s}`),
    ]),
    ...(r.code === 1 ? ['', ALLOW_EMPTY_HINT] : []),
    ...(r.migrateNote === undefined ? [] : ['', r.migrateNote]),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Prints every part: JSON as one document (an array when there are several), text with a header
 * per ScaledObject when there are several. A failure the server would return goes to stderr; a
 * report, even a failing one, to stdout.
 */
export function renderCheck(parts: CheckPart[], output: 'text' | 'json', io: CommandIo): void {
  const several = parts.length > 1;
  if (output === 'json') {
    const reports = parts.map(p => (p.outcome === 'whole' ? p.report : checkReport(p)));
    io.out(`${JSON.stringify(several ? reports : reports[0], null, 2)}\n`);
    return;
  }
  for (const [i, p] of parts.entries()) {
    const label = p.outcome === 'whole' ? undefined : p.label;
    const header = several && label !== undefined ? `== ScaledObject ${label}\n` : '';
    const text = p.outcome === 'whole' ? p.text : checkText(p);
    (p.outcome === 'failed' ? io.err : io.out)(`${i > 0 ? '\n' : ''}${header}${text}`);
  }
}
