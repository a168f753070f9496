// The ExternalScaler handlers: decode the request, resolve the trigger, evaluate, encode.
import type * as grpc from '@grpc/grpc-js';
import { ScalerError } from '../errors';
import { quote } from '../util/echo';
import type {
  GetMetricSpecResponse,
  GetMetricsRequest,
  GetMetricsResponse,
  IsActiveResponse,
  ScaledObjectRef,
} from '../grpc/messages';
import type { Evaluation, Evaluator } from '../core/evaluate';
import type { TriggerResolver } from '../core/resolve-trigger';
import { buildMetricSpec, toMetricValueFields } from './metric-spec';
import type { RpcDeps } from './rpc';
import { serverStream, unary } from './rpc';
import type { WatcherHub } from '../push/watcher-hub';
import type { OpenStreams } from './streams';
import { serveStreamIsActive, serveStreamMetricSpec } from './streams';

export interface ServiceDeps extends RpcDeps {
  resolver: TriggerResolver;
  evaluator: Evaluator;
  streams: OpenStreams;
  hub: WatcherHub;
}

/** KEDA before 2.7 sent `s<index>-<name>` (kedacore/keda #2640); accept both forms. */
const KEDA_INDEX_PREFIX = /^s\d+-/;

/**
 * Whether KEDA's requested name is this trigger's metric. The HPA path may lower-case it
 * (kedacore/keda #4954), so the comparison ignores case. An empty name means "the trigger's".
 */
export function metricNameMatches(requested: string, metricName: string): boolean {
  if (requested === '') return true;
  const wanted = metricName.toLowerCase();
  const asked = requested.toLowerCase();
  return asked === wanted || asked.replace(KEDA_INDEX_PREFIX, '') === wanted;
}

function metadataOf(ref: ScaledObjectRef | null | undefined): Record<string, string> {
  return ref?.scalerMetadata ?? {};
}

export function createExternalScalerService(deps: ServiceDeps): grpc.UntypedServiceImplementation {
  const { resolver, evaluator } = deps;

  const getMetricSpec = unary<ScaledObjectRef, GetMetricSpecResponse>(
    'GetMetricSpec',
    deps,
    req => req,
    // Metadata only: never touches Prometheus, so it answers while Prometheus is down and KEDA's
    // own fallback can engage (kedacore/keda #8056).
    (req, ctx) => {
      const trigger = resolver.resolve(metadataOf(req), req.namespace);
      ctx.fields.metric = trigger.metricName;
      ctx.fields.source = trigger.source.name;
      return { metricSpecs: [buildMetricSpec(trigger.spec, trigger.metricName)] };
    },
  );

  const getMetrics = unary<GetMetricsRequest, GetMetricsResponse>(
    'GetMetrics',
    deps,
    req => req.scaledObjectRef ?? undefined,
    (req, ctx) => {
      const tenant = req.scaledObjectRef?.namespace ?? '';
      const trigger = resolver.resolve(metadataOf(req.scaledObjectRef), tenant);
      ctx.fields.metric = trigger.metricName;
      ctx.fields.source = trigger.source.name;
      if (!metricNameMatches(req.metricName, trigger.metricName)) {
        throw new ScalerError(
          'invalid_metadata',
          `metricName: ${quote(req.metricName)} is not this trigger's metric; ` +
            `GetMetricSpec returns ${quote(trigger.metricName)}`,
        );
      }
      const name = req.metricName === '' ? trigger.metricName : req.metricName;
      const respond = (evaluation: Evaluation): GetMetricsResponse => ({
        metricValues: [{ metricName: name, ...toMetricValueFields(evaluation.value) }],
      });
      const cached = evaluator.cached(trigger, tenant);
      return cached !== undefined
        ? respond(cached)
        : evaluator.evaluate(trigger, ctx, tenant).then(respond);
    },
  );

  const isActive = unary<ScaledObjectRef, IsActiveResponse>(
    'IsActive',
    deps,
    req => req,
    (req, ctx) => {
      const trigger = resolver.resolve(metadataOf(req), req.namespace);
      ctx.fields.metric = trigger.metricName;
      ctx.fields.source = trigger.source.name;
      const respond = (evaluation: Evaluation): IsActiveResponse => ({ result: evaluation.active });
      const mode = { activation: true };
      const cached = evaluator.cached(trigger, req.namespace, mode);
      return cached !== undefined
        ? respond(cached)
        : evaluator.evaluate(trigger, ctx, req.namespace, mode).then(respond);
    },
  );

  const streamIsActive = serverStream<ScaledObjectRef, IsActiveResponse>(
    'StreamIsActive',
    deps,
    req => req,
    (call, ctx) => {
      const trigger = resolver.resolve(metadataOf(call.request), call.request.namespace);
      ctx.fields.metric = trigger.metricName;
      serveStreamIsActive(call, trigger, deps);
      return Promise.resolve();
    },
  );

  const streamMetricSpec = serverStream<ScaledObjectRef, GetMetricSpecResponse>(
    'StreamMetricSpec',
    deps,
    req => req,
    (call, ctx) => {
      const trigger = resolver.resolve(metadataOf(call.request), call.request.namespace);
      ctx.fields.metric = trigger.metricName;
      serveStreamMetricSpec(call, trigger, deps);
      return Promise.resolve();
    },
  );

  return {
    IsActive: isActive,
    StreamIsActive: streamIsActive,
    GetMetricSpec: getMetricSpec,
    GetMetrics: getMetrics,
    StreamMetricSpec: streamMetricSpec,
  };
}
