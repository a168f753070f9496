// `simulate --set key=v1,v2,...`: the ScaledObject edited once per value, and the figures that
// compare the replays (replica-hours, overload, churn, peak, reaction time).
import type { SimulationRow, ScaledObjectModel } from './simulate';

export class WhatIfError extends Error {
  override readonly name = 'WhatIfError';
}

type Json = Record<string, unknown>;

/** Keys `--set` accepts, and where each lives in the ScaledObject. */
const SPEC_KEYS = [
  'pollingInterval',
  'cooldownPeriod',
  'initialCooldownPeriod',
  'minReplicaCount',
  'maxReplicaCount',
  'idleReplicaCount',
];
const TRIGGER_KEYS = ['threshold', 'activationThreshold'];
const BEHAVIOR_KEY =
  /^(scaleUp|scaleDown)\.(stabilizationWindowSeconds|selectPolicy|tolerance|policies\[(\d+)\]\.(value|periodSeconds|type))$/;
const MODIFIER_KEY = /^scalingModifiers\.(target|activationTarget|formula|metricType)$/;
const FALLBACK_KEY = /^fallback\.(failureThreshold|replicas|behavior)$/;

const SET_KEYS_HELP =
  `${[...TRIGGER_KEYS, ...SPEC_KEYS].join(', ')}, <triggerName>.threshold, ` +
  'scaleUp|scaleDown.(stabilizationWindowSeconds|selectPolicy|tolerance|policies[N].value|policies[N].periodSeconds), ' +
  'scalingModifiers.(target|activationTarget), fallback.(failureThreshold|replicas|behavior)';

export interface WhatIf {
  key: string;
  values: string[];
}

/** Parses `key=v1,v2,...`. @throws {@link WhatIfError} */
export function parseSet(text: string): WhatIf {
  const i = text.indexOf('=');
  const key = text.slice(0, i).trim();
  const values = text
    .slice(i + 1)
    .split(',')
    .map(v => v.trim());
  if (i <= 0 || values.some(v => v === ''))
    throw new WhatIfError(`--set: expected key=value[,value...], got "${text}"`);
  if (!isKnownKey(key) && !/^[A-Za-z_][A-Za-z0-9_]*\.(threshold|activationThreshold)$/.test(key))
    throw new WhatIfError(`--set: unknown key "${key}"; known: ${SET_KEYS_HELP}`);
  return { key, values };
}

function isKnownKey(key: string): boolean {
  return (
    SPEC_KEYS.includes(key) ||
    TRIGGER_KEYS.includes(key) ||
    BEHAVIOR_KEY.test(key) ||
    MODIFIER_KEY.test(key) ||
    FALLBACK_KEY.test(key)
  );
}

const asYaml = (v: string): unknown => (/^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);

function child(parent: Json, key: string): Json {
  const v = parent[key];
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Json;
  const created: Json = {};
  parent[key] = created;
  return created;
}

/**
 * Refuses a key that cannot change the replay, so that a what-if never prints identical variants
 * without a word: with `advanced.scalingModifiers` the HPA holds one composite metric with the
 * formula's `target`, and activity is the composite against `activationTarget` (KEDA
 * controllers/keda/hpa.go and pkg/scaling/scale_handler.go), so no trigger's threshold or
 * activationThreshold enters.
 * @throws {@link WhatIfError}
 */
export function refuseIneffectiveKey(key: string, so: ScaledObjectModel): void {
  if (so.scalingModifiers === undefined || /^(scaleUp|scaleDown|scalingModifiers)\./.test(key))
    return;
  const field = key.slice(key.lastIndexOf('.') + 1);
  if (!TRIGGER_KEYS.includes(field)) return;
  const instead =
    field === 'threshold' ? 'scalingModifiers.target' : 'scalingModifiers.activationTarget';
  throw new WhatIfError(
    `--set ${key}: this ScaledObject has advanced.scalingModifiers, so the HPA compares the formula's result with scalingModifiers.target and no trigger's ${field} changes the replay; try --set ${instead}=...`,
  );
}

/**
 * Writes one `--set` value into a ScaledObject document, where the ScaledObject would hold it
 * (validation runs afterwards, as for the file). `threshold` applies to every trigger.
 * @throws {@link WhatIfError} for a trigger name that does not exist.
 */
export function applySet(so: Json, key: string, value: string): void {
  const spec = child(so, 'spec');
  if (SPEC_KEYS.includes(key)) {
    spec[key] = asYaml(value);
    return;
  }
  const triggers = Array.isArray(spec['triggers']) ? (spec['triggers'] as Json[]) : [];
  const dot = key.lastIndexOf('.');
  const field = key.slice(dot + 1);
  if (TRIGGER_KEYS.includes(key) || (TRIGGER_KEYS.includes(field) && !key.startsWith('scale'))) {
    const name = dot < 0 ? undefined : key.slice(0, dot);
    const chosen = triggers.filter(t => name === undefined || t['name'] === name);
    if (chosen.length === 0) throw new WhatIfError(`--set ${key}: no trigger named "${name}"`);
    for (const t of chosen) child(t, 'metadata')[field] = value;
    return;
  }
  const b = BEHAVIOR_KEY.exec(key);
  if (b !== null) {
    const hpa = child(child(spec, 'advanced'), 'horizontalPodAutoscalerConfig');
    const rules = child(child(hpa, 'behavior'), b[1] as string);
    if (b[3] === undefined) {
      rules[b[2] as string] = asYaml(value);
      return;
    }
    const policies = Array.isArray(rules['policies']) ? (rules['policies'] as Json[]) : [];
    const p = policies[Number(b[3])];
    if (p === undefined)
      throw new WhatIfError(`--set ${key}: ${b[1]} has ${policies.length} policies in the file`);
    p[b[4] as string] = asYaml(value);
    return;
  }
  const m = MODIFIER_KEY.exec(key);
  if (m !== null) {
    child(child(spec, 'advanced'), 'scalingModifiers')[m[1] as string] = value;
    return;
  }
  const f = FALLBACK_KEY.exec(key) as RegExpExecArray;
  child(spec, 'fallback')[f[1] as string] = asYaml(value);
}

export interface VariantSummary {
  label: string;
  /** Replicas integrated over time, in hours (each step's count held until the next step). */
  replicaHours: number;
  /** Minutes in which some trigger's load exceeded what the replicas serve at the target. */
  overloadedMinutes: number;
  /** Changes of the replica count. */
  scaleEvents: number;
  peakReplicas: number;
  /** Each overload: seconds from its start to the first scale-up within it (undefined: none). */
  reactionSeconds: (number | undefined)[];
}

/**
 * Overloaded: per replica above target. AverageValue: value > target × replicas (any value at 0
 * replicas). Value: value > target (the HPA compares it unscaled). With scalingModifiers, the
 * composite against its target.
 */
function overloaded(row: SimulationRow, so: ScaledObjectModel): boolean {
  const over = (value: number | null | undefined, target: number, type: string): boolean =>
    value !== null &&
    value !== undefined &&
    (type === 'Value' ? value > target : value > target * row.replicas);
  const sm = so.scalingModifiers;
  if (sm !== undefined) return over(row.composite, sm.target, sm.metricType);
  return so.triggers.some((t, i) => over(row.values[i], t.threshold, t.metricType));
}

export function summarize(
  label: string,
  rows: SimulationRow[],
  so: ScaledObjectModel,
): VariantSummary {
  let replicaSeconds = 0;
  let overloadedSeconds = 0;
  let scaleEvents = 0;
  let peak = 0;
  const reactions: (number | undefined)[] = [];
  let inOverload = false;
  let waiting: number | undefined;
  rows.forEach((r, i) => {
    const next = rows[i + 1];
    const dt = next === undefined ? 0 : next.timestamp - r.timestamp;
    replicaSeconds += r.replicas * dt;
    const prev = rows[i - 1];
    if (prev !== undefined && prev.replicas !== r.replicas) scaleEvents++;
    if (waiting !== undefined && prev !== undefined && r.replicas > prev.replicas) {
      reactions[reactions.length - 1] = r.timestamp - waiting;
      waiting = undefined;
    }
    peak = Math.max(peak, r.replicas);
    const isOver = overloaded(r, so);
    if (isOver) {
      overloadedSeconds += dt;
      if (!inOverload) {
        inOverload = true;
        waiting = r.timestamp;
        reactions.push(undefined);
      }
    } else {
      // An overload that ends (or a replay that ends) without a scale-up stays unanswered.
      inOverload = false;
      waiting = undefined;
    }
  });
  return {
    label,
    replicaHours: replicaSeconds / 3600,
    overloadedMinutes: overloadedSeconds / 60,
    scaleEvents,
    peakReplicas: peak,
    reactionSeconds: reactions,
  };
}

/** The comparison table, one line per variant. */
export function comparisonTable(key: string, variants: VariantSummary[]): string {
  const header = [
    key,
    'replica-hours',
    'overloaded min',
    'scale events',
    'peak',
    'overloads: first scale-up after (mean / max s), unanswered',
  ];
  const lines = variants.map(v => {
    const seen = v.reactionSeconds.filter((s): s is number => s !== undefined);
    const never = v.reactionSeconds.length - seen.length;
    const reaction =
      v.reactionSeconds.length === 0
        ? 'no overload'
        : seen.length === 0
          ? `${never}: unanswered ${never}`
          : `${v.reactionSeconds.length}: ${(seen.reduce((a, b) => a + b, 0) / seen.length).toFixed(0)} / ${Math.max(...seen)}, unanswered ${never}`;
    return [
      v.label,
      v.replicaHours.toFixed(2),
      v.overloadedMinutes.toFixed(1),
      String(v.scaleEvents),
      String(v.peakReplicas),
      reaction,
    ];
  });
  const widths = header.map((h, c) =>
    Math.max(h.length, ...lines.map(l => (l[c] as string).length)),
  );
  const fmt = (cells: string[]): string =>
    cells
      .map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c] as number)))
      .join('  ');
  return `${[fmt(header), ...lines.map(fmt)].join('\n')}\n`;
}
