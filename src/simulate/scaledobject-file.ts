// Reads a ScaledObject YAML file into the simulator's model and the chosen trigger's metadata,
// with KEDA's defaults (keda.md 4.1) and clear errors for what KEDA would reject.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import type { BehaviorInput } from './hpa-model';
import type { ScaledObjectModel } from './simulate';

export interface LoadedScaledObject {
  name: string;
  triggerType: string;
  metadata: Record<string, string>;
  model: ScaledObjectModel;
}

/** Trigger types whose metadata this scaler understands (the built-in's is a subset). */
const TRIGGER_TYPES = ['prometheus', 'external', 'external-push'];

/** A file a command reads (a ScaledObject, a series CSV) is unreadable or malformed. */
export class InputFileError extends Error {
  override readonly name = 'InputFileError';
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
const num = (v: unknown, fallback: number, key: string): number => {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new InputFileError(`spec.${key}: must be a number >= 0, got ${JSON.stringify(v)}`);
  }
  return v;
};

/**
 * @param triggerIndex which trigger (0-based); without it, the only prometheus/external trigger.
 * @throws {@link InputFileError} naming the field.
 */
export function loadScaledObject(file: string, triggerIndex?: number): LoadedScaledObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputFileError(`${file}: ${(e as Error).message}`);
  }
  const docs = parseAllDocuments(text).map(d => obj(d.toJSON()));
  const so = docs.find(d => d['kind'] === 'ScaledObject');
  if (so === undefined) throw new InputFileError(`${file}: no document of kind ScaledObject`);
  const spec = obj(so['spec']);
  const triggers = Array.isArray(spec['triggers']) ? (spec['triggers'] as unknown[]).map(obj) : [];
  const usable = triggers
    .map((t, i) => ({ t, i }))
    .filter(({ t }) => TRIGGER_TYPES.includes(String(t['type'])));
  let chosen: { t: Json; i: number } | undefined;
  if (triggerIndex !== undefined) {
    const t = triggers[triggerIndex];
    if (t === undefined)
      throw new InputFileError(
        `--trigger ${triggerIndex}: the ScaledObject has ${triggers.length} triggers`,
      );
    chosen = { t, i: triggerIndex };
  } else if (usable.length === 1) {
    chosen = usable[0];
  } else {
    throw new InputFileError(
      `spec.triggers: ${usable.length} triggers of type ${TRIGGER_TYPES.join(', ')}; pick one with --trigger N`,
    );
  }
  if (chosen === undefined || !TRIGGER_TYPES.includes(String(chosen.t['type']))) {
    throw new InputFileError(
      `spec.triggers[${chosen?.i}].type: must be one of ${TRIGGER_TYPES.join(', ')}`,
    );
  }
  const metadata = Object.fromEntries(
    Object.entries(obj(chosen.t['metadata'])).map(([k, v]) => [k, String(v)]),
  );
  const metricTypeText = chosen.t['metricType'] ?? 'AverageValue';
  if (metricTypeText !== 'AverageValue' && metricTypeText !== 'Value') {
    throw new InputFileError(
      `spec.triggers[${chosen.i}].metricType: must be AverageValue or Value for external metrics, got ${JSON.stringify(metricTypeText)}`,
    );
  }
  const advanced = obj(spec['advanced']);
  const hpaConfig = obj(advanced['horizontalPodAutoscalerConfig']);
  const behavior =
    hpaConfig['behavior'] === undefined ? undefined : (obj(hpaConfig['behavior']) as BehaviorInput);
  const minReplicaCount = num(spec['minReplicaCount'], 0, 'minReplicaCount');
  const maxReplicaCount = num(spec['maxReplicaCount'], 100, 'maxReplicaCount');
  const idle =
    spec['idleReplicaCount'] === undefined
      ? undefined
      : num(spec['idleReplicaCount'], 0, 'idleReplicaCount');
  if (idle !== undefined && idle >= minReplicaCount) {
    throw new InputFileError(
      `spec.idleReplicaCount: must be less than minReplicaCount (${minReplicaCount}), got ${idle}`,
    );
  }
  if (minReplicaCount > maxReplicaCount) {
    throw new InputFileError(
      `spec.minReplicaCount: must not exceed maxReplicaCount (${maxReplicaCount})`,
    );
  }
  return {
    name:
      typeof obj(so['metadata'])['name'] === 'string'
        ? (obj(so['metadata'])['name'] as string)
        : 'scaledobject',
    triggerType: String(chosen.t['type']),
    metadata,
    model: {
      pollingIntervalSeconds: num(spec['pollingInterval'], 30, 'pollingInterval'),
      cooldownPeriodSeconds: num(spec['cooldownPeriod'], 300, 'cooldownPeriod'),
      initialCooldownPeriodSeconds: num(spec['initialCooldownPeriod'], 0, 'initialCooldownPeriod'),
      minReplicaCount,
      maxReplicaCount,
      idleReplicaCount: idle,
      // Filled from the parsed trigger by the caller (parseTrigger knows the rules).
      threshold: NaN,
      activationThreshold: 0,
      metricType: metricTypeText,
      behavior,
    },
  };
}
