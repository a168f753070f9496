// `keda-prometheus-scaler check`: a dry run of each trigger through the server's own path
// (parser, source, cache, Prometheus), with the spec KEDA would get, the value, the activity, why
// an empty result is empty, and the HPA's arithmetic at the current replica count.
import type { KedaVersion } from '../simulate/keda-release';
import { behaviorAsStored, kedaRules } from '../simulate/keda-release';
import type { Core } from '../core/create-core';
import { createCore } from '../core/create-core';
import type { ServerConfig } from '../config/schema';
import { isScalerError } from '../errors';
import { grpcStatusName, toGrpcStatus } from '../scaler/grpc-status';
import { diagnoseEmpty } from '../diagnose/diagnose-empty';
import { describeEmptiness, emptiness } from '../diagnose/empty-result';
import { SourceMetadata } from '../diagnose/metadata-client';
import { buildMetricSpec, toMetricValueFields } from '../scaler/metric-spec';
import type { ResolvedTrigger } from '../core/resolve-trigger';
import { upstreamRequest } from '../core/upstream-request';
import { explainHpa } from '../simulate/explain-hpa';
import type { BehaviorInput, KubernetesVersion, MetricType } from '../simulate/hpa-model';
import {
  DEFAULT_KUBERNETES_VERSION,
  KUBERNETES_VERSIONS,
  hpaTolerances,
} from '../simulate/hpa-model';
import { ManifestError } from '../manifest/manifest-error';
import type { LoadedScaledObject } from '../manifest/scaledobject-file';
import { TRIGGER_TYPES, loadScaledObjects } from '../manifest/scaledobject-file';
import { createLogger } from '../telemetry/logger';
import { NoopMetrics } from '../telemetry/metrics';
import { SOURCE_FLAGS, describeFailure, withFlagNames } from './cli-config';
import { CliError, EXIT_USAGE } from './cli-error';
import { configOrExit } from './config-or-exit';
import type { CommandIo, CommandSpec } from './command-args';
import {
  KEDA_VERSION_FLAG,
  UsageError,
  kedaVersionFlag,
  kubernetesVersionFlag,
  parseCommandArgs,
  wholeNumberFlag,
} from './command-args';
import { wholeScaledObject } from './check-scaledobject';
import type { CheckPart } from './check-render';
import { renderCheck } from './check-render';
import type { EmptyReport, TriggerCheck } from './check-result';
import { localizeTrigger } from './local-source';

export const CHECK_COMMAND = {
  name: 'check',
  synopsis: `(--scaledobject FILE [--name NAME] [--trigger N] | --metadata k=v ...)
         [--replicas N] [--config FILE | --prometheus-url URL] [--allow-empty] [--output text|json]
         [--kubernetes-version X.Y] [--keda-version X.Y]`,
  description: `  Runs the trigger as the server would and prints the metric spec, the value, whether it is active,
  which source answered and how long it took, and what the HPA would do at --replicas (default 1).
  A serverAddress or source the configuration does not know (an in-cluster URL) is answered by the
  local Prometheus of --prometheus-url (or the only source of --config), and the output says so.
  When the query returns no series (or NaN), check says so first and asks Prometheus's metadata
  API why: a misspelled metric or label, a matcher that empties the selector, a rate() range
  shorter than two scrape intervals. A file with several ScaledObjects checks them all (--output
  json then gives an array). A ScaledObject with several triggers or scalingModifiers ends with
  what KEDA and the HPA make of all of them: the formula's value and activity, or the largest
  proposal across the triggers.
  Exit code 0 when the trigger works, 1 when it fails (with the message the server would return)
  or would scale on a constant 0 because its query returns nothing (unless --allow-empty),
  2 for bad flags or configuration.
`,
  flags: [
    ...SOURCE_FLAGS,
    {
      name: 'metadata',
      arg: 'KEY=VALUE',
      multiple: true,
      help: 'trigger metadata instead of a file',
    },
    { name: 'replicas', arg: 'N', help: 'the current replica count for the HPA (default 1)' },
    {
      name: 'allow-empty',
      help: 'an empty result is expected (e.g. no traffic yet): exit 0 anyway',
    },
    { name: 'output', arg: 'FORMAT', help: 'text (default) or json' },
    {
      name: 'kubernetes-version',
      arg: 'X.Y',
      help: `the HPA's release rules (${KUBERNETES_VERSIONS[0]}–${KUBERNETES_VERSIONS[KUBERNETES_VERSIONS.length - 1]}, default ${DEFAULT_KUBERNETES_VERSION})`,
    },
    KEDA_VERSION_FLAG,
  ],
} as const satisfies CommandSpec;

/** One trigger to check: from a ScaledObject file, or from --metadata. */
interface Target {
  label: string | undefined;
  /**
   * The ScaledObject's namespace, which KEDA sends with every call and serve checks against the
   * source's `namespaces` (core/resolve-trigger.ts); null with --metadata or none in the file.
   */
  namespace: string | null;
  /** The ScaledObject and the trigger's place in it, when every trigger of it is checked. */
  whole: { so: LoadedScaledObject; index: number } | undefined;
  metadata: Record<string, string>;
  metricType: MetricType;
  minReplicas: number;
  maxReplicas: number;
  /** spec.advanced.scalingModifiers: the HPA then sees the formula's result, not this trigger. */
  composite: { formula: string; target: string } | undefined;
  /** spec.advanced.horizontalPodAutoscalerConfig.behavior, for its tolerances. */
  behavior: BehaviorInput | undefined;
  /** For a built-in `prometheus` trigger: how to convert it, said after the check. */
  migrateNote: string | undefined;
}

/**
 * A `type: prometheus` trigger is read as this scaler would read it, but KEDA runs that type
 * itself: the check says so and names the command that writes the `external` trigger.
 */
function migrateNoteFor(type: string, file: string): string | undefined {
  return type === 'prometheus'
    ? `note: type prometheus is KEDA's built-in trigger, which KEDA runs itself; to run it through this scaler, convert it with: keda-prometheus-scaler migrate ${file}`
    : undefined;
}

export async function runCheck(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CommandIo,
): Promise<number> {
  const parsed = parseCommandArgs(argv, CHECK_COMMAND, io);
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  const output = values.output ?? 'text';
  let replicas: number;
  let targets: Target[];
  let k8s: KubernetesVersion;
  let keda: KedaVersion;
  try {
    replicas = wholeNumberFlag('replicas', values.replicas) ?? 1;
    k8s = kubernetesVersionFlag(values['kubernetes-version']);
    keda = kedaVersionFlag(values['keda-version']);
    const triggerIndex = wholeNumberFlag('trigger', values.trigger);
    if (output !== 'text' && output !== 'json') {
      throw new UsageError(`--output: must be text or json, got "${output}"`);
    }
    if (values.scaledobject !== undefined) {
      const loaded = loadScaledObjects(values.scaledobject, { name: values.name, triggerIndex });
      targets = loaded.flatMap(so => {
        // The one trigger picked (or the only usable one); else every usable trigger in turn.
        const several = so.selected === undefined;
        const chosen =
          so.selected === undefined
            ? so.triggers.filter(t => TRIGGER_TYPES.includes(t.type))
            : [so.selected];
        return chosen.map(t => ({
          label: several ? `${so.name}, trigger ${t.name}` : so.name,
          namespace: so.namespace ?? null,
          // Without --trigger, the whole ScaledObject too (even when one trigger is readable).
          whole: triggerIndex === undefined ? { so, index: t.index } : undefined,
          metadata: t.metadata,
          metricType: t.metricType,
          minReplicas: Math.max(1, so.minReplicaCount),
          maxReplicas: so.maxReplicaCount,
          behavior: so.behavior,
          // As written: under --trigger N the formula is not parsed, only named.
          composite: so.formulaText,
          migrateNote: migrateNoteFor(t.type, values.scaledobject as string),
        }));
      });
      if (targets.length === 0) {
        throw new ManifestError(
          `spec.triggers: no trigger of type ${TRIGGER_TYPES.join(', ')} to check`,
        );
      }
    } else if (values.metadata !== undefined) {
      targets = [
        {
          label: undefined,
          namespace: null,
          whole: undefined,
          metadata: parseMetadataFlags(values.metadata),
          metricType: 'AverageValue',
          minReplicas: 1,
          maxReplicas: 100,
          behavior: undefined,
          composite: undefined,
          migrateNote: undefined,
        },
      ];
    } else {
      throw new UsageError('give --scaledobject FILE or --metadata k=v');
    }
  } catch (e) {
    throw withFlagNames(e);
  }
  const loaded = configOrExit(values, env);
  const { config } = loaded;
  const core = createCore(config, createLogger('silent'), new NoopMetrics());
  try {
    const outcomes: TriggerCheck[] = [];
    for (const target of targets) {
      let localized;
      try {
        localized = localizeTrigger(target.metadata, config, loaded);
      } catch (e) {
        // A source to pick among several: said without the help hint (the flags were fine).
        if (!(e instanceof UsageError)) throw e;
        throw new CliError(e.message, EXIT_USAGE);
      }
      outcomes.push(
        await checkOne(core, config, { ...target, metadata: localized.metadata }, localized.note, {
          replicas,
          allowEmpty: values['allow-empty'] === true,
          k8s,
          keda,
        }),
      );
    }
    // After the last trigger of a ScaledObject: what KEDA and the HPA make of all of them.
    const parts: CheckPart[] = [];
    for (const [i, o] of outcomes.entries()) {
      parts.push(o);
      const whole = targets[i]?.whole;
      if (whole === undefined || targets[i + 1]?.whole?.so === whole.so) continue;
      const readings = outcomes
        .map((x, j) => ({ index: targets[j]?.whole?.index ?? -1, so: targets[j]?.whole?.so, x }))
        .filter(r => r.so === whole.so)
        .map(r => ({
          index: r.index,
          reading: r.x.outcome === 'checked' ? r.x.reading : undefined,
        }));
      const summary = wholeScaledObject(whole.so, readings, { replicas, k8s, keda });
      if (summary !== undefined) parts.push({ outcome: 'whole', ...summary });
    }
    renderCheck(parts, output, io);
    return Math.max(...parts.map(o => o.code));
  } finally {
    core.cache.close();
    await core.sources.close();
  }
}

function parseMetadataFlags(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map(pair => {
      const i = pair.indexOf('=');
      if (i <= 0)
        throw new UsageError(`--metadata: expected key=value, got "${pair.slice(0, 80)}"`);
      return [pair.slice(0, i), pair.slice(i + 1)];
    }),
  );
}

/** Asks the source directly (no cache) whether `query` gives nothing, and if so, why. */
async function diagnoseIfEmpty(
  core: Core,
  trigger: ResolvedTrigger,
  queryKey: 'query' | 'activationQuery',
): Promise<EmptyReport | undefined> {
  const { spec, source } = trigger;
  if (queryKey === 'activationQuery' && spec.activationQuery === undefined) return undefined;
  // The request the server would send: built by the function that also makes its cache key.
  const { request } = upstreamRequest(trigger, queryKey === 'query' ? 'query' : 'activation', 0);
  const query = request.query;
  const result = await core.gateway.query(
    source,
    { ...request, timeMs: Date.now() },
    'check',
    new AbortController().signal,
  );
  const kind = emptiness(result);
  if (kind === undefined) return undefined;
  return {
    query: queryKey,
    result: kind,
    summary: describeEmptiness(kind, queryKey, spec.ignoreNullValues),
    findings:
      kind === 'no series'
        ? await diagnoseEmpty(query, new SourceMetadata(source, spec.customHeaders))
        : [],
  };
}

async function checkOne(
  core: Core,
  config: ServerConfig,
  target: Target,
  note: string | undefined,
  options: { replicas: number; allowEmpty: boolean; k8s: KubernetesVersion; keda: KedaVersion },
): Promise<TriggerCheck> {
  const { replicas } = options;
  const { metricType, minReplicas, maxReplicas } = target;
  const context = { label: target.label, answeredBy: note, migrateNote: target.migrateNote };
  let trigger: ResolvedTrigger | undefined;
  try {
    trigger = core.resolver.resolve(target.metadata, target.namespace);
    const { spec: triggerSpec } = trigger;
    const spec = buildMetricSpec(triggerSpec, trigger.metricName);
    const ctx = { signal: new AbortController().signal, deadlineMs: Date.now() + 30_000 };
    const started = performance.now();
    const evaluation = await core.evaluator.evaluate(trigger, ctx, 'check');
    const activity = await core.evaluator.evaluate(trigger, ctx, 'check', { activation: true });
    const tookMs = performance.now() - started;
    const empty = await collectEmpty(core, trigger, evaluation.value, activity.value);
    // The simulator's own engine: milli-units as KEDA sends them, the release's tolerance rule
    // and the behavior's tolerances where the release honours them.
    const { k8s, keda } = options;
    const tolerances = hpaTolerances(behaviorAsStored(target.behavior, kedaRules(keda)), k8s);
    const explain = (type: MetricType) =>
      explainHpa(
        type,
        evaluation.value,
        triggerSpec.threshold,
        replicas,
        minReplicas,
        maxReplicas,
        tolerances,
        k8s,
        keda,
      );
    return {
      outcome: 'checked',
      ...context,
      empty,
      code: empty.length > 0 && !options.allowEmpty ? 1 : 0,
      // Keys the server accepts and ignores (it logs them once and counts them): said first.
      warnings: (triggerSpec.warnings ?? []).map(w => w.message),
      composite: target.composite,
      composedBelow: target.whole !== undefined,
      metricSpec: spec,
      metricValue: toMetricValueFields(evaluation.value),
      value: evaluation.value,
      active: activity.active,
      activeBy: triggerSpec.activationQuery === undefined ? 'value' : 'activationQuery value',
      activationValue: activity.value,
      activationThreshold: triggerSpec.activationThreshold,
      source: trigger.source.name,
      tookMs: Math.round(tookMs * 10) / 10,
      replicas,
      metricType,
      hpa: { AverageValue: explain('AverageValue'), Value: explain('Value') },
      reading: {
        value: evaluation.value,
        active: activity.active,
        threshold: triggerSpec.threshold,
        activationThreshold: triggerSpec.activationThreshold,
      },
    };
  } catch (e) {
    if (!isScalerError(e)) throw e;
    // The server's no_data answer: say why the result is empty as well.
    const empty =
      e.kind === 'no_data' && trigger !== undefined
        ? await collectEmpty(core, trigger, 0, 0).catch(() => [])
        : [];
    return {
      outcome: 'failed',
      ...context,
      empty,
      code: 1,
      status: grpcStatusName(toGrpcStatus(e).code),
      message: describeFailure(e, config),
    };
  }
}

/** Diagnoses the query (and activationQuery) whose value came out as 0 from nothing. */
async function collectEmpty(
  core: Core,
  trigger: ResolvedTrigger,
  value: number,
  activationValue: number,
): Promise<EmptyReport[]> {
  const out: EmptyReport[] = [];
  if (value === 0) {
    const main = await diagnoseIfEmpty(core, trigger, 'query');
    if (main !== undefined) out.push(main);
  }
  if (trigger.spec.activationQuery !== undefined && activationValue === 0) {
    const activation = await diagnoseIfEmpty(core, trigger, 'activationQuery');
    if (activation !== undefined) out.push(activation);
  }
  return out;
}
