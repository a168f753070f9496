// A trigger's value and activity, through the shared result cache: the single function behind
// GetMetrics, IsActive and StreamIsActive.
import type { CachedAnswer, CacheOutcome, ResultCache } from '../cache/result-cache';
import type { CacheConfig } from '../config/schema';
import { isScalerError } from '../errors';
import type { QueryResult } from '../prometheus/decode-response';
import { reduceResult } from './reduce-result';
import type { QueryGateway } from '../sources/query-gateway';
import type { Logger } from '../telemetry/logger';
import type { Metrics } from '../telemetry/metrics';
import type { ResolvedTrigger } from './resolve-trigger';
import { TriggerRequests } from './trigger-requests';
import type { KeyedRequest } from './upstream-request';

/** What one call may spend: a cancellation signal and an absolute deadline (ms, or Infinity). */
export interface CallContext {
  /** May be created on first read (rpc.ts): read it only when about to wait. */
  readonly signal: AbortSignal;
  readonly deadlineMs: number;
}

export interface Evaluation {
  /** The reduced query value (or the trigger's fallbackValue), unclamped. */
  value: number;
  /** value > activationThreshold, strictly, as KEDA's prometheus_scaler.go GetMetricsAndActivity. */
  active: boolean;
  source: string;
  /** Now minus the evaluation time of the value (ms); 0 for a fallback value. */
  ageMs: number;
  outcome: CacheOutcome;
}

/** Which evaluation of a trigger is wanted. */
export interface EvaluationMode {
  /** Decide activity: use activationQuery when the trigger has one (IsActive, streams). */
  activation?: boolean;
  /** Cache TTL / time bucket override: streams re-evaluate once per activationInterval. */
  ttlMs?: number;
  /**
   * Serve the previous bucket's value while this bucket's query runs (default true, as the cache's
   * switch of the same name); watchers turn it off to see this bucket's data.
   */
  allowPreviousBucket?: boolean;
}

export interface EvaluatorDeps {
  cache: ResultCache;
  cacheConfig: CacheConfig;
  gateway: QueryGateway;
  metrics: Metrics;
  logger: Logger;
  /** Sees every query result (debug diagnostics); absent in normal operation, so it costs nothing. */
  onResult?: (trigger: ResolvedTrigger, query: string, result: QueryResult) => void;
}

export class Evaluator {
  private readonly requests = new TriggerRequests();

  constructor(private readonly deps: EvaluatorDeps) {}

  /**
   * The evaluation when the cache holds this bucket's result, at once and without a promise (the
   * hot path: nearly every KEDA poll is answered from the cache, bench/hot-path.ts); undefined
   * when it must be waited for, then {@link evaluate}. Same outcome, metrics and logs as
   * `evaluate` answering from the cache.
   */
  cached(
    trigger: ResolvedTrigger,
    tenant: string,
    mode: EvaluationMode = {},
  ): Evaluation | undefined {
    const { ttlMs, keyed } = this.requestOf(trigger, mode);
    const answer = this.deps.cache.fresh({ key: keyed.key, ttlMs, tenant });
    return answer === undefined ? undefined : this.apply(trigger, keyed.request.query, answer);
  }

  /**
   * The shared part (the upstream request, its cached result, its query slot) depends only on
   * the query and the source it is sent as (core/upstream-request.ts); what this trigger chose
   * (its timeout, maxStaleness, fallbackValue, activation threshold) is applied to this caller
   * alone, after it.
   *
   * @param tenant the namespace asking, for per-namespace fairness at the source.
   * @throws {@link ScalerError}, classified.
   */
  async evaluate(
    trigger: ResolvedTrigger,
    ctx: CallContext,
    tenant: string,
    mode: EvaluationMode = {},
  ): Promise<Evaluation> {
    const hit = this.cached(trigger, tenant, mode);
    if (hit !== undefined) return hit;
    const { spec, source } = trigger;
    const { cache, cacheConfig, gateway, metrics } = this.deps;
    const { ttlMs, keyed } = this.requestOf(trigger, mode);
    const { request, key } = keyed;
    let answer;
    try {
      answer = await cache.get({
        key,
        retainedBytes: trigger.approxBytes ?? 0,
        allowPreviousBucket: mode.allowPreviousBucket !== false,
        ttlMs,
        maxStalenessMs: spec.maxStalenessMs ?? cacheConfig.maxStalenessMs,
        fallbackValue: spec.fallbackValue,
        caller: ctx,
        tenant,
        callerTimeoutMs: spec.timeoutMs,
        run: (timeMs, interest) =>
          gateway.query(source, { ...request, timeMs }, interest, interest.signal),
      });
    } catch (e) {
      if (!isScalerError(e) || e.kind !== 'cancelled') metrics.cacheOutcome('error');
      throw e;
    }
    return this.apply(trigger, request.query, answer);
  }

  /** The TTL this evaluation uses and the upstream request with its cache key. */
  private requestOf(
    trigger: ResolvedTrigger,
    mode: EvaluationMode,
  ): { ttlMs: number; keyed: KeyedRequest } {
    const ttlMs = mode.ttlMs ?? trigger.spec.cacheTtlMs ?? this.deps.cacheConfig.ttlMs;
    const which = mode.activation === true ? 'activation' : 'query';
    return { ttlMs, keyed: this.requests.of(trigger, ttlMs, which) };
  }

  /** This trigger's own rule applied to the shared answer: value, activity, metrics and logs. */
  private apply(trigger: ResolvedTrigger, query: string, answer: CachedAnswer): Evaluation {
    const { spec, source } = trigger;
    const { metrics, logger } = this.deps;
    if (answer.kind === 'fallback') {
      metrics.cacheOutcome('fallback');
      logger.warn(
        {
          metric: trigger.metricName,
          source: source.name,
          fallbackValue: answer.value,
          cause: answer.cause.message,
        },
        'serving fallbackValue',
      );
      return {
        value: answer.value,
        active: answer.value > spec.activationThreshold,
        source: source.name,
        ageMs: 0,
        outcome: 'fallback',
      };
    }
    this.deps.onResult?.(trigger, query, answer.result);
    const value = reduceResult(answer.result, spec);
    metrics.cacheOutcome(answer.outcome);
    metrics.servedValueAge(answer.ageMs / 1000);
    if (answer.outcome === 'stale') {
      logger.warn(
        {
          metric: trigger.metricName,
          source: source.name,
          ageMs: answer.ageMs,
          cause: answer.cause?.message,
        },
        'source failing; serving the last good value',
      );
    }
    const evaluation: Evaluation = {
      value,
      active: value > spec.activationThreshold,
      source: source.name,
      ageMs: answer.ageMs,
      outcome: answer.outcome,
    };
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ metric: trigger.metricName, ...evaluation }, 'evaluated');
    }
    return evaluation;
  }
}
