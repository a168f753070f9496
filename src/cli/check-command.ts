// `keda-prometheus-scaler check`: a dry run of one trigger through the server's own path
// (parser, source, cache, Prometheus), with the spec KEDA would get, the value, the activity, and
// the HPA's arithmetic at the current replica count.
import { createCore } from '../app';
import { ConfigError } from '../config/load-config';
import { grpcStatusName, isScalerError, toGrpcStatus } from '../errors';
import { buildMetricSpec, toMetricValueFields } from '../scaler/metric-spec';
import { explainHpa } from '../simulate/explain-hpa';
import type { BehaviorInput, KubernetesVersion, MetricType } from '../simulate/hpa-model';
import {
  DEFAULT_KUBERNETES_VERSION,
  KUBERNETES_VERSIONS,
  releaseRules,
  tolerancesFor,
  withBehaviorDefaults,
} from '../simulate/hpa-model';
import { InputFileError, loadScaledObject } from '../simulate/scaledobject-file';
import { createLogger } from '../telemetry/logger';
import { NoopMetrics } from '../telemetry/metrics';
import { commandConfig } from './cli-config';
import type { CommandIo } from './command-args';
import { UsageError, parseCommandArgs, wholeNumberFlag } from './command-args';

export const CHECK_USAGE = `Usage: keda-prometheus-scaler check (--scaledobject FILE [--trigger N] | --metadata k=v ...)
                                    [--replicas N] [--config FILE | --prometheus-url URL] [--output text|json]
                                    [--kubernetes-version X.Y]
  Runs the trigger as the server would and prints the metric spec, the value, whether it is active,
  which source answered and how long it took, and what the HPA would do at --replicas (default 1).
  Exit code 0 when the trigger works, 1 when it fails (with the message the server would return),
  2 for bad flags or configuration.
`;

export async function runCheck(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CommandIo,
): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      scaledobject: { type: 'string' },
      trigger: { type: 'string' },
      metadata: { type: 'string', multiple: true },
      replicas: { type: 'string' },
      config: { type: 'string' },
      'prometheus-url': { type: 'string' },
      output: { type: 'string' },
      'kubernetes-version': { type: 'string' },
    },
    CHECK_USAGE,
    io,
  );
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  const output = values.output ?? 'text';
  let replicas: number;
  let triggerIndex: number | undefined;
  let version: string;
  try {
    replicas = wholeNumberFlag('replicas', values.replicas) ?? 1;
    version = values['kubernetes-version'] ?? DEFAULT_KUBERNETES_VERSION;
    if (!(KUBERNETES_VERSIONS as readonly string[]).includes(version)) {
      throw new UsageError(
        `--kubernetes-version: must be one of ${KUBERNETES_VERSIONS.join(', ')}, got "${version}"`,
      );
    }
    triggerIndex = wholeNumberFlag('trigger', values.trigger);
    if (output !== 'text' && output !== 'json') {
      throw new UsageError(`--output: must be text or json, got "${output}"`);
    }
  } catch (e) {
    io.err(`${(e as Error).message}\n\n${CHECK_USAGE}`);
    return 2;
  }
  let metadata: Record<string, string>;
  let metricType: 'AverageValue' | 'Value' = 'AverageValue';
  let minReplicas = 1;
  let maxReplicas = 100;
  let behavior: BehaviorInput | undefined;
  try {
    if (values.scaledobject !== undefined) {
      const so = loadScaledObject(values.scaledobject, triggerIndex);
      if (so.selected === undefined) {
        throw new InputFileError(
          'spec.triggers: several prometheus/external triggers; pick one with --trigger N',
        );
      }
      metadata = so.selected.metadata;
      metricType = so.selected.metricType;
      minReplicas = Math.max(1, so.minReplicaCount);
      maxReplicas = so.maxReplicaCount;
      behavior = so.behavior;
    } else if (values.metadata !== undefined) {
      metadata = Object.fromEntries(
        values.metadata.map(pair => {
          const i = pair.indexOf('=');
          if (i <= 0) throw new UsageError(`--metadata: expected key=value, got "${pair}"`);
          return [pair.slice(0, i), pair.slice(i + 1)];
        }),
      );
    } else {
      io.err(`give --scaledobject FILE or --metadata k=v\n\n${CHECK_USAGE}`);
      return 2;
    }
  } catch (e) {
    io.err(`${(e as Error).message}\n`);
    return 2;
  }
  let config;
  try {
    config = commandConfig(values, env);
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const core = createCore(config, createLogger('silent'), new NoopMetrics());
  try {
    const trigger = core.resolver.resolve(metadata, null);
    const spec = buildMetricSpec(trigger.spec, trigger.metricName);
    const ctx = { signal: new AbortController().signal, deadlineMs: Date.now() + 30_000 };
    const started = performance.now();
    const evaluation = await core.evaluator.evaluate(trigger, ctx, 'check');
    const activity = await core.evaluator.evaluate(trigger, ctx, 'check', { activation: true });
    const tookMs = performance.now() - started;
    const fields = toMetricValueFields(evaluation.value);
    // The simulator's own engine: milli-units as KEDA sends them, the release's tolerance rule
    // and the behavior's tolerances where the release honours them.
    const k8s = version as KubernetesVersion;
    const tolerances = tolerancesFor(
      behavior === undefined ? undefined : withBehaviorDefaults(behavior),
      0.1,
      releaseRules(k8s),
    );
    const explain = (type: MetricType) =>
      explainHpa(
        type,
        evaluation.value,
        trigger.spec.threshold,
        replicas,
        minReplicas,
        maxReplicas,
        tolerances,
        k8s,
      );
    const hpa = { AverageValue: explain('AverageValue'), Value: explain('Value') };
    const report = {
      ok: true,
      metricSpec: spec,
      metricValue: fields,
      value: evaluation.value,
      active: activity.active,
      activationThreshold: trigger.spec.activationThreshold,
      source: trigger.source.name,
      tookMs: Math.round(tookMs * 10) / 10,
      replicas,
      metricType,
      hpa,
    };
    if (output === 'json') {
      io.out(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      const lines = [
        `GetMetricSpec   ${JSON.stringify(spec)}`,
        `GetMetrics      ${JSON.stringify(fields)}  (value ${evaluation.value})`,
        `IsActive        ${activity.active}  (${trigger.spec.activationQuery === undefined ? 'value' : 'activationQuery'} > activationThreshold ${trigger.spec.activationThreshold})`,
        `source          ${trigger.source.name}, answered in ${report.tookMs} ms`,
        '',
        `HPA at ${replicas} replica(s), this trigger's metricType is ${metricType}:`,
        ...(['AverageValue', 'Value'] as const).flatMap(type => [
          `  ${type}${type === metricType ? ' (this trigger)' : ''}: kubectl get hpa shows ${hpa[type].shown}; desired ${hpa[type].desired}`,
          ...hpa[type].steps.map(s => `    - ${s}`),
        ]),
      ];
      io.out(`${lines.join('\n')}\n`);
    }
    return 0;
  } catch (e) {
    if (!isScalerError(e)) throw e;
    const st = toGrpcStatus(e);
    if (output === 'json')
      io.out(
        `${JSON.stringify({ ok: false, code: grpcStatusName(st.code), message: st.details }, null, 2)}\n`,
      );
    else io.err(`${grpcStatusName(st.code)}: ${st.details}\n`);
    return 1;
  } finally {
    core.cache.close();
    await core.sources.close();
  }
}
