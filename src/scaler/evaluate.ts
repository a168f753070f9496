// A trigger's value and activity from one Prometheus query: the single function behind
// GetMetrics, IsActive and StreamIsActive.
import { ScalerError, isScalerError } from '../errors';
import { queryInstant } from '../prometheus/query-client';
import { reduceResult } from '../prometheus/reduce-result';
import { queryBudget } from '../resilience/deadline';
import type { Logger } from '../telemetry/logger';
import type { ScalerMetrics } from '../telemetry/scaler-metrics';
import type { ResolvedTrigger } from './resolve-trigger';

/** What one call may spend: a cancellation signal and an absolute deadline (ms, or Infinity). */
export interface CallContext {
  signal: AbortSignal;
  deadlineMs: number;
}

export interface Evaluation {
  /** The reduced query value, unclamped (may be negative). */
  value: number;
  /** value > activationThreshold, strictly (keda.md 3.7). */
  active: boolean;
  source: string;
  /** Wall time of the Prometheus request (ms). */
  queryMs: number;
}

export interface EvaluatorOptions {
  maxResponseBytes: number;
  maxTimeoutMs: number;
  metrics: ScalerMetrics;
  logger: Logger;
  now?: () => number;
}

export class Evaluator {
  private readonly now: () => number;

  constructor(private readonly options: EvaluatorOptions) {
    this.now = options.now ?? Date.now;
  }

  /** @throws {@link ScalerError}, classified; never an unclassified error for input problems. */
  async evaluate(trigger: ResolvedTrigger, ctx: CallContext): Promise<Evaluation> {
    const { spec, source } = trigger;
    const started = this.now();
    const configured = Math.min(
      spec.timeoutMs ?? source.defaultTimeoutMs,
      this.options.maxTimeoutMs,
    );
    const budget = queryBudget(configured, ctx.deadlineMs, started);
    if (budget === undefined) {
      this.options.metrics.queries.inc({ source: source.name, outcome: 'deadline_exceeded' });
      throw new ScalerError(
        'deadline_exceeded',
        `the call's deadline left no time to query source "${source.name}"`,
        { source: source.name },
      );
    }
    const endTimer = this.options.metrics.queryDuration.startTimer({ source: source.name });
    try {
      const result = await queryInstant(
        source,
        {
          query: spec.query,
          // Built-in parity: evaluate at "now", second precision (keda.md 3.5).
          timeMs: Math.floor(started / 1000) * 1000,
          timeoutMs: budget.timeoutMs,
          deadlineBound: budget.deadlineBound,
          namespace: spec.namespace,
          queryParameters: spec.queryParameters,
          customHeaders: spec.customHeaders,
          method: spec.httpMethod,
          maxResponseBytes: this.options.maxResponseBytes,
        },
        ctx.signal,
      );
      const value = reduceResult(result, spec);
      this.options.metrics.queries.inc({ source: source.name, outcome: 'ok' });
      const evaluation = {
        value,
        active: value > spec.activationThreshold,
        source: source.name,
        queryMs: this.now() - started,
      };
      this.options.logger.debug({ metric: trigger.metricName, ...evaluation }, 'evaluated');
      return evaluation;
    } catch (e) {
      const outcome = isScalerError(e) ? e.kind : 'internal';
      this.options.metrics.queries.inc({ source: source.name, outcome });
      throw e;
    } finally {
      endTimer();
    }
  }
}
