// Reads a ScaledObject YAML file into the simulator's model and the chosen trigger's metadata,
// with KEDA's defaults (keda.md 4.1) and clear errors for what KEDA would reject.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { didYouMeanSuffix } from '../util/did-you-mean';
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

/** What picks the ScaledObject and its trigger in a file. */
export interface ScaledObjectChoice {
  /** metadata.name of the ScaledObject (--name); without it, a file must hold exactly one. */
  name?: string | undefined;
  /** Which trigger (0-based, --trigger); without it, the only prometheus/external trigger. */
  triggerIndex?: number | undefined;
}

/** The ScaledObject documents of a YAML file (any number of `---` documents, other kinds skipped). */
function readScaledObjects(file: string): Json[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputFileError(`${file}: ${(e as Error).message}`);
  }
  const parsed = parseAllDocuments(text);
  const broken = parsed.find(d => d.errors.length > 0);
  if (broken !== undefined) {
    throw new InputFileError(`${file}: not valid YAML: ${broken.errors[0]?.message}`);
  }
  const docs = parsed.map(d => obj(d.toJSON()));
  const scaledObjects = docs.filter(d => d['kind'] === 'ScaledObject');
  if (scaledObjects.length === 0) {
    const kinds = [
      ...new Set(docs.map(d => (typeof d['kind'] === 'string' ? d['kind'] : '(no kind)'))),
    ];
    throw new InputFileError(
      `${file}: no document of kind ScaledObject (found: ${kinds.join(', ') || 'nothing'})`,
    );
  }
  return scaledObjects;
}

const nameOf = (so: Json): string => {
  const name = obj(so['metadata'])['name'];
  return typeof name === 'string' ? name : 'scaledobject';
};

/**
 * Every ScaledObject in the file (or the one named), each with its chosen trigger.
 * @throws {@link InputFileError} naming the field, or listing the names in the file.
 */
export function loadScaledObjects(
  file: string,
  choice: ScaledObjectChoice = {},
): LoadedScaledObject[] {
  let scaledObjects = readScaledObjects(file);
  if (choice.name !== undefined) {
    const names = scaledObjects.map(nameOf);
    scaledObjects = scaledObjects.filter(so => nameOf(so) === choice.name);
    if (scaledObjects.length === 0) {
      throw new InputFileError(
        `--name ${choice.name}: no ScaledObject of that name in ${file}` +
          `${didYouMeanSuffix(choice.name, names)}; it has: ${names.join(', ')}`,
      );
    }
  }
  return scaledObjects.map(so => toLoaded(so, choice.triggerIndex));
}

/**
 * The one ScaledObject the file holds, or the one named.
 * @throws {@link InputFileError} naming the field, or listing the names when there are several.
 */
export function loadScaledObject(
  file: string,
  choice: ScaledObjectChoice = {},
): LoadedScaledObject {
  const all = loadScaledObjects(file, choice);
  if (all.length > 1) {
    throw new InputFileError(
      `${file}: ${all.length} ScaledObjects (${all.map(so => so.name).join(', ')}); pick one with --name NAME`,
    );
  }
  return all[0] as LoadedScaledObject;
}

function toLoaded(so: Json, triggerIndex: number | undefined): LoadedScaledObject {
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
    name: nameOf(so),
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
