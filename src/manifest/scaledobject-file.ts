// Reads a ScaledObject YAML file (what `check` and `simulate` are given) into the simulator's
// model: every trigger, the HPA behavior, scalingModifiers and fallback, with KEDA's defaults
// (apis/keda/v1alpha1) and an error naming the field and its rule for every value the model reads.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { forceActivationAnnotation } from '../simulate/keda-release';
import { Formula, FormulaError } from '../simulate/formula';
import type {
  BehaviorInput,
  MetricType,
  ScalingPolicy,
  ScalingRules,
  SelectPolicy,
} from '../simulate/hpa-model';
import type {
  FallbackBehavior,
  FallbackModel,
  ScaledObjectFields,
  ScalingModifiersModel,
} from '../simulate/simulate';
import { didYouMeanSuffix } from '../util/did-you-mean';
import { ManifestError } from './manifest-error';

/** Trigger types whose metadata this scaler understands (the built-in's is a subset). */
export const TRIGGER_TYPES: readonly string[] = ['prometheus', 'external', 'external-push'];

export interface LoadedTrigger {
  index: number;
  /** The trigger's `name`, or `trigger<index>` when it has none. */
  name: string;
  /** Whether the trigger has a `name` (only named triggers enter a formula). */
  named: boolean;
  type: string;
  metadata: Record<string, string>;
  metricType: MetricType;
}

type LoadedScalingModifiers = ScalingModifiersModel;

export interface LoadedScaledObject extends ScaledObjectFields {
  name: string;
  /** metadata.namespace: the namespace KEDA sends with each call (a source may be limited to some). */
  namespace: string | undefined;
  /** The triggers to replay: all of them, or the one `triggerIndex` picked. */
  triggers: LoadedTrigger[];
  /** The single trigger `check` explains (the only usable one, or the one `triggerIndex` picked). */
  selected: LoadedTrigger | undefined;
  scalingModifiers: LoadedScalingModifiers | undefined;
  /**
   * spec.advanced.scalingModifiers' formula and target as written, also with a `triggerIndex` (when
   * the formula is left out of the model): what `check` names in its note. Not validated.
   */
  formulaText: { formula: string; target: string } | undefined;
}

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown): string => {
  const text = JSON.stringify(v) ?? String(v);
  return text.length > 60 ? `${text.slice(0, 60)}… (${text.length} chars)` : text;
};
const fail = (field: string, rule: string, v: unknown): never => {
  throw new ManifestError(`${field}: ${rule}, got ${show(v)}`);
};

/** A map, or undefined when absent or null. */
function map(v: unknown, field: string): Json | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isMap(v)) fail(field, 'must be a map', v);
  return v as Json;
}

/** A whole number within [min, max], or `fallback` when absent. */
function whole(v: unknown, field: string, min: number, max: number, fallback: number): number;
function whole(v: unknown, field: string, min: number, max: number): number | undefined;
function whole(
  v: unknown,
  field: string,
  min: number,
  max: number,
  fallback?: number,
): number | undefined {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const range = max === 2 ** 31 - 1 ? `>= ${min}` : `between ${min} and ${max}`;
    fail(field, `must be a whole number ${range}`, v);
  }
  return v as number;
}

const INT32 = 2 ** 31 - 1;
/** Longest trigger name accepted: far beyond any real one, and a bound on what is echoed. */
const MAX_TRIGGER_NAME = 253;
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const FLOAT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal given as a YAML number or a string (KEDA's string fields, ParseFloat). */
function decimal(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && FLOAT.test(v.trim())) return Number(v.trim());
  return fail(field, 'must be a number', v);
}

function oneOf<T extends string>(v: unknown, field: string, allowed: readonly T[], fallback: T): T {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T))
    fail(field, `must be one of ${allowed.join(', ')}`, v);
  return v as T;
}

/**
 * The metricType of a trigger check and simulate do not read (cpu, memory, other scalers): checked
 * against the CRD's values (Utilization is for cpu and memory) and kept as AverageValue, since
 * nothing reads it.
 */
function otherMetricType(v: unknown, field: string): MetricType {
  oneOf(v, field, ['AverageValue', 'Value', 'Utilization'], 'AverageValue');
  return 'AverageValue';
}

/** A Kubernetes quantity as AsApproximateFloat64 reads it: a number, or "0.05" / "50m". */
function quantity(v: unknown, field: string): number {
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return v;
  if (typeof v === 'string') {
    const m = /^(\d+(\.\d*)?|\.\d+)(m?)$/.exec(v.trim());
    if (m !== null) return Number(m[1]) / (m[3] === 'm' ? 1000 : 1);
  }
  return fail(field, 'must be a quantity >= 0 such as 0.05 or 50m', v);
}

/** HPAScalingRules, with the API server's validation (pkg/apis/autoscaling/validation). */
function scalingRules(v: unknown, field: string): Partial<ScalingRules> | undefined {
  const r = map(v, field);
  if (r === undefined) return undefined;
  const out: Partial<ScalingRules> = {};
  const window = whole(
    r['stabilizationWindowSeconds'],
    `${field}.stabilizationWindowSeconds`,
    0,
    3600,
  );
  if (window !== undefined) out.stabilizationWindowSeconds = window;
  if (r['selectPolicy'] !== undefined && r['selectPolicy'] !== null)
    out.selectPolicy = oneOf<SelectPolicy>(
      r['selectPolicy'],
      `${field}.selectPolicy`,
      ['Max', 'Min', 'Disabled'],
      'Max',
    );
  if (r['tolerance'] !== undefined && r['tolerance'] !== null)
    out.tolerance = quantity(r['tolerance'], `${field}.tolerance`);
  const policies = r['policies'];
  if (policies !== undefined && policies !== null) {
    if (!Array.isArray(policies) || policies.length === 0)
      fail(`${field}.policies`, 'must be a list of at least one policy', policies);
    out.policies = (policies as unknown[]).map((p, i): ScalingPolicy => {
      const f = `${field}.policies[${i}]`;
      const pm = map(p, f) ?? fail(f, 'must be a map', p);
      return {
        type: oneOf(pm['type'], `${f}.type`, ['Pods', 'Percent'], 'Pods'),
        value:
          whole(pm['value'], `${f}.value`, 1, INT32) ??
          fail(`${f}.value`, 'is required', undefined),
        periodSeconds:
          whole(pm['periodSeconds'], `${f}.periodSeconds`, 1, 1800) ??
          fail(`${f}.periodSeconds`, 'is required', undefined),
      };
    });
    if ((policies as unknown[]).some(p => isMap(p) && p['type'] === undefined))
      fail(`${field}.policies`, 'each policy needs a type (Pods or Percent)', policies);
  }
  return out;
}

function behavior(advanced: Json | undefined): BehaviorInput | undefined {
  const hpa = map(
    advanced?.['horizontalPodAutoscalerConfig'],
    'spec.advanced.horizontalPodAutoscalerConfig',
  );
  // A null or absent behavior reaches the HPA as nil (controllers/keda/hpa.go passes the
  // pointer), so the controller's legacy rules apply; `{}` gets the API server's defaults.
  const b = map(hpa?.['behavior'], 'spec.advanced.horizontalPodAutoscalerConfig.behavior');
  if (b === undefined) return undefined;
  const out: BehaviorInput = {};
  const up = scalingRules(
    b['scaleUp'],
    'spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp',
  );
  const down = scalingRules(
    b['scaleDown'],
    'spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown',
  );
  if (up !== undefined) out.scaleUp = up;
  if (down !== undefined) out.scaleDown = down;
  return out;
}

function readTriggers(spec: Json): LoadedTrigger[] {
  const list = spec['triggers'];
  if (!Array.isArray(list) || list.length === 0)
    fail('spec.triggers', 'must be a list of at least one trigger', list);
  const seen = new Set<string>();
  return (list as unknown[]).map((raw, index) => {
    const f = `spec.triggers[${index}]`;
    const t = map(raw, f) ?? fail(f, 'must be a map', raw);
    if (typeof t['type'] !== 'string') fail(`${f}.type`, 'must be a string', t['type']);
    const named = t['name'];
    // KEDA's CRD only asks for a string; a formula can refer to names that are identifiers. Names
    // are printed, so control characters (a forged line, a terminal escape) are refused.
    if (
      named !== undefined &&
      (typeof named !== 'string' ||
        named === '' ||
        named.length > MAX_TRIGGER_NAME ||
        CONTROL_CHARACTER.test(named))
    )
      fail(
        `${f}.name`,
        `must be a string of 1 to ${MAX_TRIGGER_NAME} characters without control characters`,
        named,
      );
    const name = (named as string | undefined) ?? `trigger${index}`;
    if (seen.has(name)) fail(`${f}.name`, 'must be unique within the ScaledObject', name);
    seen.add(name);
    // Triggers check and simulate read; cpu, memory and other scalers are carried along only.
    const readable = TRIGGER_TYPES.includes(t['type'] as string);
    const metadata = map(t['metadata'], `${f}.metadata`) ?? {};
    for (const [k, v] of Object.entries(metadata))
      if (typeof v === 'object' && v !== null) fail(`${f}.metadata.${k}`, 'must be a string', v);
    return {
      index,
      name,
      named: named !== undefined,
      type: t['type'] as string,
      metadata: Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, String(v)])),
      metricType: readable
        ? oneOf(t['metricType'], `${f}.metricType`, ['AverageValue', 'Value'], 'AverageValue')
        : otherMetricType(t['metricType'], `${f}.metricType`),
    };
  });
}

function scalingModifiers(
  advanced: Json | undefined,
  triggers: LoadedTrigger[],
): LoadedScalingModifiers | undefined {
  const sm = map(advanced?.['scalingModifiers'], 'spec.advanced.scalingModifiers');
  if (sm === undefined || Object.keys(sm).length === 0) return undefined;
  const f = 'spec.advanced.scalingModifiers';
  const formulaText = sm['formula'];
  if (typeof formulaText !== 'string' || formulaText.trim() === '')
    fail(`${f}.formula`, 'is mandatory when scalingModifiers is used', formulaText);
  const targetRaw = sm['target'];
  if (targetRaw === undefined || targetRaw === null || targetRaw === '')
    fail(`${f}.target`, 'is required with a formula', targetRaw);
  const target = decimal(targetRaw, `${f}.target`);
  if (!(target > 0)) fail(`${f}.target`, 'must be > 0', targetRaw);
  const activation = sm['activationTarget'];
  let formula: Formula;
  try {
    formula = new Formula(
      formulaText as string,
      triggers.filter(t => t.named).map(t => t.name),
    );
  } catch (e) {
    if (e instanceof FormulaError) return fail(`${f}.formula`, e.message, formulaText);
    throw e;
  }
  return {
    formula,
    target,
    targetText: String(targetRaw).trim(),
    activationTarget:
      activation === undefined || activation === null || activation === ''
        ? 0
        : decimal(activation, `${f}.activationTarget`),
    metricType: oneOf(
      sm['metricType'],
      `${f}.metricType`,
      ['AverageValue', 'Value'],
      'AverageValue',
    ),
  };
}

function fallback(
  spec: Json,
  modifiers: LoadedScalingModifiers | undefined,
): FallbackModel | undefined {
  const fb = map(spec['fallback'], 'spec.fallback');
  if (fb === undefined) return undefined;
  const failureThreshold = whole(
    fb['failureThreshold'],
    'spec.fallback.failureThreshold',
    0,
    INT32,
  );
  const replicas = whole(fb['replicas'], 'spec.fallback.replicas', 0, INT32);
  if (failureThreshold === undefined)
    fail('spec.fallback.failureThreshold', 'is required', undefined);
  if (replicas === undefined) fail('spec.fallback.replicas', 'is required', undefined);
  const behaviors: FallbackBehavior[] = [
    'static',
    'currentReplicas',
    'currentReplicasIfHigher',
    'currentReplicasIfLower',
    'scalingModifiers',
  ];
  const b = oneOf(fb['behavior'], 'spec.fallback.behavior', behaviors, 'static');
  if (b === 'scalingModifiers' && modifiers === undefined)
    fail(
      'spec.fallback.behavior',
      'scalingModifiers requires spec.advanced.scalingModifiers.formula',
      b,
    );
  return {
    failureThreshold: failureThreshold as number,
    replicas: replicas as number,
    behavior: b,
  };
}

/**
 * Validates a ScaledObject document (already parsed) into the model's inputs.
 * @param triggerIndex replay only that trigger (scalingModifiers then do not apply).
 * @throws {@link ManifestError} naming the field and the rule.
 */
export function parseScaledObject(so: Json, triggerIndex?: number): LoadedScaledObject {
  const spec = map(so['spec'], 'spec') ?? fail('spec', 'is required', undefined);
  const all = readTriggers(spec);
  const usable = all.filter(t => TRIGGER_TYPES.includes(t.type));
  let selected: LoadedTrigger | undefined;
  if (triggerIndex !== undefined) {
    selected = all[triggerIndex];
    if (selected === undefined)
      throw new ManifestError(
        `${triggerIndex}: the ScaledObject has ${all.length} trigger(s), ` +
          `${all.map((t, i) => `${i} (${t.name})`).join(', ')}`,
        'triggerIndex',
      );
    if (!TRIGGER_TYPES.includes(selected.type))
      fail(
        `spec.triggers[${triggerIndex}].type`,
        `must be one of ${TRIGGER_TYPES.join(', ')}`,
        selected.type,
      );
  } else if (usable.length === 1) selected = usable[0];
  const triggers = triggerIndex !== undefined ? [selected as LoadedTrigger] : all;
  const advanced = map(spec['advanced'], 'spec.advanced');
  const modifiers = triggerIndex === undefined ? scalingModifiers(advanced, all) : undefined;
  const minReplicaCount = whole(spec['minReplicaCount'], 'spec.minReplicaCount', 0, INT32, 0);
  const maxReplicaCount = whole(spec['maxReplicaCount'], 'spec.maxReplicaCount', 1, INT32, 100);
  const idleReplicaCount = whole(spec['idleReplicaCount'], 'spec.idleReplicaCount', 0, INT32);
  if (idleReplicaCount !== undefined && idleReplicaCount >= minReplicaCount)
    fail(
      'spec.idleReplicaCount',
      `must be less than minReplicaCount (${minReplicaCount})`,
      idleReplicaCount,
    );
  if (minReplicaCount > maxReplicaCount)
    fail(
      'spec.minReplicaCount',
      `must not exceed maxReplicaCount (${maxReplicaCount})`,
      minReplicaCount,
    );
  const meta = map(so['metadata'], 'metadata');
  const created = meta?.['creationTimestamp'];
  const createdAt =
    created === undefined || created === null
      ? undefined
      : typeof created === 'string'
        ? Date.parse(created) / 1000
        : NaN;
  if (createdAt !== undefined && !Number.isFinite(createdAt)) {
    fail('metadata.creationTimestamp', 'must be an RFC 3339 time', created);
  }
  const annotations = map(meta?.['annotations'], 'metadata.annotations');
  const force = annotations?.['autoscaling.keda.sh/force-activation'];
  return {
    name: typeof meta?.['name'] === 'string' ? meta['name'] : 'scaledobject',
    namespace:
      typeof meta?.['namespace'] === 'string' && meta['namespace'] !== ''
        ? meta['namespace']
        : undefined,
    ...(createdAt === undefined ? {} : { createdAt }),
    // Annotation values are strings; YAML may have read `true` as a boolean.
    ...(typeof force === 'string' || typeof force === 'boolean'
      ? { forceActivation: forceActivationAnnotation(String(force)) }
      : {}),
    triggers,
    selected,
    // CRD: pollingInterval minimum 1 (a 0 would poll without end).
    pollingIntervalSeconds: whole(spec['pollingInterval'], 'spec.pollingInterval', 1, INT32, 30),
    cooldownPeriodSeconds: whole(spec['cooldownPeriod'], 'spec.cooldownPeriod', 0, INT32, 300),
    initialCooldownPeriodSeconds: whole(
      spec['initialCooldownPeriod'],
      'spec.initialCooldownPeriod',
      0,
      INT32,
      0,
    ),
    minReplicaCount,
    maxReplicaCount,
    idleReplicaCount,
    behavior: behavior(advanced),
    scalingModifiers: modifiers,
    formulaText: formulaText(advanced),
    fallback: fallback(spec, modifiers),
  };
}

/** The formula and target text as written, or undefined when there is no formula. */
function formulaText(advanced: Json | undefined): LoadedScaledObject['formulaText'] {
  const sm = advanced?.['scalingModifiers'];
  if (!isMap(sm) || typeof sm['formula'] !== 'string') return undefined;
  const target = sm['target'];
  return { formula: sm['formula'], target: typeof target === 'string' ? target : String(target) };
}

/** What picks the ScaledObject and its trigger in a file. */
export interface ScaledObjectChoice {
  /** metadata.name of the ScaledObject; without it, every ScaledObject in the file. */
  name?: string | undefined;
  /** Which trigger (0-based); without it, all of them (and the only usable one for check). */
  triggerIndex?: number | undefined;
}

/** The ScaledObject documents of a YAML file (any number of `---` documents, other kinds skipped). */
function readScaledObjectDocuments(file: string): Json[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    // "ENOENT: no such file or directory, open 'x'" says the path twice.
    const code = (e as { code?: unknown }).code;
    throw new ManifestError(
      `${file}: cannot read the file (${typeof code === 'string' ? code : (e as Error).message})`,
      'file',
    );
  }
  const parsed = parseAllDocuments(text);
  const broken = parsed.find(d => d.errors.length > 0);
  if (broken !== undefined) {
    throw new ManifestError(`${file}: not valid YAML: ${broken.errors[0]?.message}`);
  }
  const docs = parsed.map(d => d.toJSON() as unknown).filter(isMap);
  const scaledObjects = docs.filter(d => d['kind'] === 'ScaledObject');
  if (scaledObjects.length === 0) {
    const kinds = [
      ...new Set(docs.map(d => (typeof d['kind'] === 'string' ? d['kind'] : '(no kind)'))),
    ];
    throw new ManifestError(
      `${file}: no document of kind ScaledObject (found: ${kinds.join(', ') || 'nothing'})`,
    );
  }
  return scaledObjects;
}

const nameOf = (so: Json): string => {
  const name = isMap(so['metadata']) ? so['metadata']['name'] : undefined;
  return typeof name === 'string' ? name : 'scaledobject';
};

/**
 * Every ScaledObject in the file (or the one `choice.name` names), validated.
 * @param edit changes each document before validation (`simulate --set`).
 * @throws {@link ManifestError} naming the field, or listing the names in the file.
 */
export function loadScaledObjects(
  file: string,
  choice: ScaledObjectChoice = {},
  edit?: (so: Json) => void,
): LoadedScaledObject[] {
  let docs = readScaledObjectDocuments(file);
  if (choice.name !== undefined) {
    const names = docs.map(nameOf);
    docs = docs.filter(so => nameOf(so) === choice.name);
    if (docs.length === 0) {
      throw new ManifestError(
        `${choice.name}: no ScaledObject of that name in ${file}` +
          `${didYouMeanSuffix(choice.name, names)}; it has: ${names.join(', ')}`,
        'name',
      );
    }
  }
  return docs.map(so => {
    edit?.(so);
    try {
      return parseScaledObject(so, choice.triggerIndex);
    } catch (e) {
      // With several in the file, say which one the problem is in.
      if (!(e instanceof ManifestError) || docs.length === 1) throw e;
      throw e.inScaledObject(nameOf(so));
    }
  });
}

/**
 * The one ScaledObject the file holds, or the one named.
 * @throws {@link ManifestError} naming the field, or listing the names when there are several.
 */
export function loadScaledObject(
  file: string,
  choice: ScaledObjectChoice = {},
  edit?: (so: Json) => void,
): LoadedScaledObject {
  const all = loadScaledObjects(file, choice, edit);
  if (all.length > 1) {
    throw new ManifestError(
      `${file}: ${all.length} ScaledObjects (${all.map(so => so.name).join(', ')})`,
      undefined,
      undefined,
      true,
    );
  }
  return all[0] as LoadedScaledObject;
}
