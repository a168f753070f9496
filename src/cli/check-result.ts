// What `check` found for one trigger, as data: the renderer (check-render.ts) turns it into the
// text report or the JSON one, so both say the same things.
import type { Finding } from '../diagnose/diagnose-empty';
import type { Emptiness } from '../diagnose/empty-result';
import type { MetricSpecMessage } from '../scaler/metric-spec';
import type { HpaExplanation } from '../simulate/explain-hpa';
import type { MetricType } from '../simulate/hpa-model';
import type { CheckedReading } from './check-scaledobject';

/** What an empty result means for this trigger, and why it is empty. */
export interface EmptyReport {
  query: 'query' | 'activationQuery';
  result: Emptiness;
  summary: string;
  findings: Finding[];
}

/** What both outcomes say about where the trigger came from. */
interface TriggerContext {
  /** The `== ScaledObject …` label when several parts are printed. */
  label: string | undefined;
  /** Which local Prometheus answered for an in-cluster address, when one did. */
  answeredBy: string | undefined;
  /** For a built-in `prometheus` trigger: how to convert it. */
  migrateNote: string | undefined;
  /** Why the query (or activationQuery) gave nothing, when it did. */
  empty: EmptyReport[];
}

/** The trigger ran as the server would run it. */
interface TriggerChecked extends TriggerContext {
  outcome: 'checked';
  /** 1 when the result is empty and --allow-empty was not given, else 0. */
  code: 0 | 1;
  /** Keys the server accepts and ignores. */
  warnings: string[];
  /** spec.advanced.scalingModifiers' formula and target, as written. */
  composite: { formula: string; target: string } | undefined;
  /** Whether the whole ScaledObject is composed after its triggers (no --trigger). */
  composedBelow: boolean;
  metricSpec: MetricSpecMessage;
  metricValue: { metricValue: string; metricValueFloat: number };
  value: number;
  active: boolean;
  /** The value activity was decided on: the query's, or the activationQuery's. */
  activeBy: 'value' | 'activationQuery value';
  activationValue: number;
  activationThreshold: number;
  source: string;
  /** Both evaluations together (ms, one decimal). */
  tookMs: number;
  replicas: number;
  metricType: MetricType;
  hpa: Record<'AverageValue' | 'Value', HpaExplanation>;
  /** What the whole-ScaledObject summary needs. */
  reading: NonNullable<CheckedReading['reading']>;
}

/** The server would have answered with an error. */
interface TriggerFailed extends TriggerContext {
  outcome: 'failed';
  code: 1;
  /** The gRPC status KEDA would see ("INVALID_ARGUMENT"). */
  status: string;
  /** The failure as the CLI prints it ("INVALID_ARGUMENT: …"). */
  message: string;
}

export type TriggerCheck = TriggerChecked | TriggerFailed;
