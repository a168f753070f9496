// `keda-prometheus-scaler simulate`: replays the triggers' series (CSV columns, or each trigger's
// query over a time range of the real source) through the KEDA and HPA models, as a table, CSV,
// JSON and SVG; with --set, once per value, as a comparison.
import { readFileSync, writeFileSync } from 'node:fs';
import type { ServerConfig } from '../config/schema';
import { DEFAULTS, triggerLimits } from '../config/schema';
import type { CommandConfig } from './cli-config';
import { parseUnitDurationMs } from '../util/parse-values';
import { isScalerError } from '../errors';
import type { TriggerLimits, TriggerSpec } from '../metadata/parse-trigger';
import { parseTrigger } from '../metadata/parse-trigger';
import { queryRange } from '../prometheus/range-query';
import { reduceResult } from '../core/reduce-result';
import { upstreamRequest } from '../core/upstream-request';
import { SourceRegistry } from '../sources/source-registry';
import { DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS } from '../simulate/hpa-model';
import { ManifestError } from '../manifest/manifest-error';
import type { LoadedScaledObject } from '../manifest/scaledobject-file';
import { loadScaledObject } from '../manifest/scaledobject-file';
import { SeriesFileError, parseSeriesCsv } from '../simulate/series-csv';
import type {
  Sample,
  ScaledObjectModel,
  SimulationOptions,
  SimulationRow,
} from '../simulate/simulate';
import { simulate } from '../simulate/simulate';
import { renderComparisonSvg, renderSvg } from '../simulate/svg-chart';
import {
  WhatIfError,
  applySet,
  comparisonTable,
  parseSet,
  refuseIneffectiveKey,
  summarize,
} from '../simulate/what-if';
import {
  SOURCE_FLAGS,
  commandConfig,
  configFileOf,
  describeFailure,
  withFlagNames,
} from './cli-config';
import { CliError, EXIT_FAILED, EXIT_USAGE } from './cli-error';
import { asUsageFailure } from './config-or-exit';
import type { CommandIo, CommandSpec } from './command-args';
import {
  UsageError,
  KEDA_VERSION_FLAG,
  kedaVersionFlag,
  kubernetesVersionFlag,
  parseCommandArgs,
  wholeNumberFlag,
} from './command-args';
import { localizeTrigger } from './local-source';
import { parseTimeFlag } from './time-input';

export const SIMULATE_COMMAND = {
  name: 'simulate',
  synopsis: `--scaledobject FILE [--name NAME] [--trigger N]
         (--series FILE.csv | --from TIME --to TIME [--step 15s] [--config FILE | --prometheus-url URL])
         [--kubernetes-version ${KUBERNETES_VERSIONS[0]}..${KUBERNETES_VERSIONS[KUBERNETES_VERSIONS.length - 1]}] [--keda-version X.Y] [--set key=v1,v2,...]
         [--output table|csv|json] [--svg FILE] [--replicas N]`,
  description: `  Replays every trigger of the ScaledObject (or the one --trigger N picks) through KEDA
  (pollingInterval, activation, cooldown, min/max/idle replicas, fallback, scalingModifiers) and
  the HPA of the given Kubernetes release (default ${DEFAULT_KUBERNETES_VERSION}): 15 s syncs, tolerance,
  AverageValue/Value in milli-units, behavior, the largest proposal across metrics.
  --series is a CSV of timestamp (unix seconds or RFC 3339; unix milliseconds are detected) and
  one column per trigger (in order, or named after the triggers in a header); an empty cell or
  "error" is a failed query. --from/--to take RFC 3339 (2024-05-01T12:00:00Z), unix seconds,
  "now", "-2h" / "now-30m" or "2 hours ago", and run each trigger's query_range on the local
  Prometheus, which also answers an in-cluster serverAddress or source. The table shows the steps
  where the replica count changed; CSV and JSON show every step. --set replays once per value and
  prints a comparison (replica-hours, overloaded minutes, scale events, peak, reaction time).
  Exit code 0 on success, 1 when the source fails, 2 for bad flags or files.
`,
  flags: [
    ...SOURCE_FLAGS,
    { name: 'series', arg: 'FILE.csv', help: 'timestamp and one value column per trigger' },
    { name: 'from', arg: 'TIME', help: 'start of the range to query (with --to)' },
    { name: 'to', arg: 'TIME', help: 'end of the range to query (with --from)' },
    { name: 'step', arg: 'DURATION', help: 'query_range step (default 15s, at least 1s)' },
    {
      name: 'kubernetes-version',
      arg: 'X.Y',
      help: `the HPA's release rules (default ${DEFAULT_KUBERNETES_VERSION})`,
    },
    KEDA_VERSION_FLAG,
    {
      name: 'set',
      arg: 'KEY=V1,V2',
      help: 'replay once per value of a ScaledObject field and compare',
    },
    { name: 'output', arg: 'FORMAT', help: 'table (default), csv or json' },
    { name: 'svg', arg: 'FILE', help: 'also write a chart to FILE' },
    { name: 'replicas', arg: 'N', help: 'the replica count at the start (default: KEDA decides)' },
  ],
} as const satisfies CommandSpec;

const cell = (v: number | null | undefined): string =>
  v === null || v === undefined ? 'error' : String(Number(v.toPrecision(6)));

/** What happened to the triggers at a step: failed queries and fallbacks. */
function marks(r: SimulationRow): string {
  return [
    ...r.failed.filter(n => !r.fallback.includes(n)).map(n => `${n} failed`),
    ...r.fallback.map(n => `${n} fallback`),
  ].join('; ');
}

export function toCsv(rows: SimulationRow[], so: ScaledObjectModel, variant?: string): string {
  const names = so.triggers.map(t => t.name);
  const composite = so.scalingModifiers !== undefined;
  const lines =
    variant === undefined
      ? [
          [
            'timestamp',
            ...names,
            ...(composite ? ['composite'] : []),
            'active',
            'by',
            'desiredReplicas',
            'replicas',
            'marks',
          ].join(','),
        ]
      : [];
  for (const r of rows)
    lines.push(
      [
        ...(variant === undefined ? [] : [variant]),
        r.timestamp,
        ...r.values.map(v => (v === null ? 'error' : String(v))),
        ...(composite ? [cell(r.composite)] : []),
        r.active,
        r.by,
        r.desiredReplicas,
        r.replicas,
        marks(r),
      ].join(','),
    );
  return `${lines.join('\n')}\n`;
}

function toTable(rows: SimulationRow[], so: ScaledObjectModel): string {
  const names = so.triggers.map(t => t.name);
  const composite = so.scalingModifiers !== undefined;
  const header = [
    'time (UTC)',
    ...names,
    ...(composite ? ['composite'] : []),
    'active',
    'by',
    'desired',
    'replicas',
    'marks',
  ];
  const body: string[][] = [];
  let previous: number | undefined;
  let previousMarks = '';
  rows.forEach((r, i) => {
    const m = marks(r);
    if (r.replicas === previous && m === previousMarks && i !== rows.length - 1) return;
    previous = r.replicas;
    previousMarks = m;
    body.push([
      new Date(r.timestamp * 1000).toISOString().slice(0, 19).replace('T', ' '),
      ...r.values.map(cell),
      ...(composite ? [cell(r.composite)] : []),
      String(r.active),
      r.by,
      String(r.desiredReplicas),
      String(r.replicas),
      m,
    ]);
  });
  const widths = header.map((h, c) =>
    Math.max(h.length, ...body.map(l => (l[c] as string).length)),
  );
  const fmt = (cells: string[]): string =>
    cells
      .map((x, c) => (c === cells.length - 1 ? x : x.padEnd(widths[c] as number)))
      .join('  ')
      .trimEnd();
  const peak = Math.max(...rows.map(r => r.replicas));
  const changes = rows.filter((r, i) => i > 0 && r.replicas !== rows[i - 1]?.replicas).length;
  return `${[fmt(header), ...body.map(fmt), '', `${rows.length} steps; peak ${peak} ${peak === 1 ? 'replica' : 'replicas'}; ${changes} ${changes === 1 ? 'change' : 'changes'}`].join('\n')}\n`;
}

/** Writes the chart; a path that cannot be written is a bad flag (exit 2), not a failed source. */
function writeSvg(file: string, svg: string): void {
  try {
    writeFileSync(file, svg);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new UsageError(
      `--svg ${file.slice(0, 200)}: cannot write the chart (${typeof code === 'string' ? code : (e as Error).message})`,
    );
  }
}

/** The simulator's model of a loaded ScaledObject, with each trigger's parsed metadata. */
function toModel(
  loaded: LoadedScaledObject,
  limits: TriggerLimits,
): { model: ScaledObjectModel; specs: TriggerSpec[] } {
  const specs = loaded.triggers.map(t => {
    if (!['prometheus', 'external', 'external-push'].includes(t.type)) {
      throw new ManifestError(
        `spec.triggers[${t.index}].type: ${t.type} cannot be replayed (prometheus, external, external-push); pick one with --trigger N`,
      );
    }
    // Bad metadata is a bad file here (exit 2), named by the trigger's place in it.
    try {
      return parseTrigger(t.metadata, limits);
    } catch (e) {
      if (!isScalerError(e)) throw e;
      throw new ManifestError(`spec.triggers[${t.index}].metadata: ${e.message}`);
    }
  });
  return {
    specs,
    model: {
      pollingIntervalSeconds: loaded.pollingIntervalSeconds,
      cooldownPeriodSeconds: loaded.cooldownPeriodSeconds,
      initialCooldownPeriodSeconds: loaded.initialCooldownPeriodSeconds,
      minReplicaCount: loaded.minReplicaCount,
      maxReplicaCount: loaded.maxReplicaCount,
      idleReplicaCount: loaded.idleReplicaCount,
      triggers: loaded.triggers.map((t, i) => ({
        name: t.name,
        metricType: t.metricType,
        threshold: (specs[i] as TriggerSpec).threshold,
        activationThreshold: (specs[i] as TriggerSpec).activationThreshold,
      })),
      scalingModifiers: loaded.scalingModifiers,
      fallback: loaded.fallback,
      behavior: loaded.behavior,
      ...(loaded.createdAt === undefined ? {} : { createdAt: loaded.createdAt }),
      ...(loaded.forceActivation === undefined ? {} : { forceActivation: loaded.forceActivation }),
    },
  };
}

interface TimeRange {
  startS: number;
  endS: number;
  stepS: number;
}

/** How long one replay's range query may take (ms): many steps cost Prometheus more than one. */
const REPLAY_TIMEOUT_MS = 30_000;

/** --from, --to and --step, checked before the configuration is read or any query runs. */
function timeRange(values: { from?: string; to?: string; step?: string }): TimeRange {
  const stepText = values.step;
  const step = parseUnitDurationMs(stepText ?? '15s');
  if (!step.ok || step.value < 1000) {
    const rule = step.ok ? 'must be a duration of at least 1s, e.g. 15s' : step.rule;
    throw new UsageError(`--step: ${rule}, got "${(stepText ?? '').slice(0, 40)}"`);
  }
  const nowS = Date.now() / 1000;
  const startS = parseTimeFlag(values.from as string, '--from', nowS);
  const endS = parseTimeFlag(values.to as string, '--to', nowS);
  if (endS <= startS) throw new UsageError('--to: must be later than --from');
  return { startS, endS, stepS: step.value / 1000 };
}

/**
 * Each trigger's query over --from/--to on the local Prometheus (which also answers in-cluster
 * serverAddress/source values, said on stderr). A query that matched no series at any step is
 * said on stderr too: the replay then runs on a constant 0 (or failed queries), which is almost
 * always a misspelled metric or label, and `check` tells which.
 */
async function rangeSeries(
  range: TimeRange,
  loaded: CommandConfig,
  triggers: { name: string; metadata: Record<string, string>; spec: TriggerSpec }[],
  limits: TriggerLimits,
  io: CommandIo,
): Promise<Sample[][]> {
  const { startS, endS, stepS } = range;
  const { config } = loaded;
  const sources = new SourceRegistry(config);
  try {
    const results = await Promise.all(
      triggers.map(({ metadata, spec }) => {
        const localized = localizeTrigger(metadata, config, loaded);
        if (localized.note !== undefined) io.err(`${localized.note}\n`);
        const source = sources.resolve(parseTrigger(localized.metadata, limits).source);
        // What the server would send (the one builder of requests and cache keys), over a range;
        // a replay of many steps gets a longer timeout of its own.
        const { request } = upstreamRequest({ spec, source }, 'query', 0);
        return queryRange(
          source,
          {
            query: request.query,
            startS,
            endS,
            stepS,
            timeoutMs: REPLAY_TIMEOUT_MS,
            namespace: request.namespace,
            queryParameters: request.queryParameters,
            customHeaders: request.customHeaders,
          },
          result => reduceResult(result, spec),
        );
      }),
    );
    results.forEach((r, i) => {
      const t = triggers[i] as (typeof triggers)[number];
      if (r.seriesCount > 0) return;
      const seen = t.spec.ignoreNullValues ? '0' : 'a failed query';
      io.err(
        `trigger ${t.name}: the query returned no series from --from to --to, so KEDA sees ${seen} ` +
          'at every step; run "keda-prometheus-scaler check" on the same file to find out why ' +
          '(a misspelled metric or label, most often)\n',
      );
    });
    return results.map(r => r.points);
  } finally {
    await sources.close();
  }
}

export async function runSimulate(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CommandIo,
): Promise<number> {
  const parsed = parseCommandArgs(argv, SIMULATE_COMMAND, io);
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  const output = values.output ?? 'table';
  let config: ServerConfig | undefined;
  try {
    if (values.scaledobject === undefined) throw new UsageError('--scaledobject FILE is required');
    if (output !== 'table' && output !== 'csv' && output !== 'json') {
      throw new UsageError(`--output: must be table, csv or json, got "${output.slice(0, 20)}"`);
    }
    if (values.series !== undefined && (values.from !== undefined || values.to !== undefined)) {
      throw new UsageError(
        `give --series FILE.csv or --from/--to, not both (got --series and ${values.from !== undefined ? '--from' : '--to'})`,
      );
    }
    const file = values.scaledobject;
    const triggerIndex = wholeNumberFlag('trigger', values.trigger);
    const initialReplicas = wholeNumberFlag('replicas', values.replicas);
    const version = kubernetesVersionFlag(values['kubernetes-version']);
    const whatIf = values.set === undefined ? undefined : parseSet(values.set);
    const kedaVersion = kedaVersionFlag(values['keda-version']);
    const options: SimulationOptions = {
      kubernetesVersion: version,
      kedaVersion,
      ...(initialReplicas === undefined ? {} : { initialReplicas }),
    };
    // A configuration file's caps (maxTimeout, cache.ttlLimit, ...) apply as they do in `serve`.
    const fromFile =
      configFileOf(values, env) === undefined ? undefined : commandConfig(values, env);
    config = fromFile?.config;
    const limits = triggerLimits(config ?? DEFAULTS);
    const choice = { name: values.name, triggerIndex };
    const loaded = loadScaledObject(file, choice);
    const base = toModel(loaded, limits);
    if (whatIf !== undefined) refuseIneffectiveKey(whatIf.key, base.model);
    // Every variant is validated before any query runs.
    const variants =
      whatIf === undefined
        ? [{ label: 'as written', model: base.model }]
        : whatIf.values.map(v => ({
            label: `${whatIf.key}=${v}`,
            model: toModel(
              loadScaledObject(file, choice, so => applySet(so, whatIf.key, v)),
              limits,
            ).model,
          }));
    let series: Sample[][];
    if (values.series !== undefined) {
      let text: string;
      try {
        text = readFileSync(values.series, 'utf8');
      } catch (e) {
        throw new SeriesFileError(`--series ${values.series}: ${(e as Error).message}`);
      }
      const parsedSeries = parseSeriesCsv(
        text,
        base.model.triggers.map(t => t.name),
      );
      if (parsedSeries.note !== undefined) io.err(`${parsedSeries.note}\n`);
      series = parsedSeries.series;
    } else if (values.from !== undefined && values.to !== undefined) {
      const triggers = loaded.triggers.map((t, i) => ({
        name: t.name,
        metadata: t.metadata,
        spec: base.specs[i] as TriggerSpec,
      }));
      const range = timeRange(values);
      // Loaded before the query, so that a failure names the source's URL.
      const answering = fromFile ?? commandConfig(values, env);
      config = answering.config;
      series = await rangeSeries(range, answering, triggers, limits, io);
    } else {
      throw new UsageError(
        values.from !== undefined || values.to !== undefined
          ? `give both --from and --to (got only ${values.from !== undefined ? '--from' : '--to'})`
          : 'give --series FILE.csv, or --from and --to',
      );
    }
    const runs = variants.map(v => ({ ...v, rows: simulate(series, v.model, options) }));
    const sm = base.model.scalingModifiers;
    // A short title: the composite's formula, or the queries.
    const title =
      sm === undefined
        ? `${loaded.name}: ${base.specs.map(s => s.query).join(' | ')}`
        : `${loaded.name}: composite ${sm.formula.text}`;
    if (whatIf !== undefined) {
      const summaries = runs.map(r => summarize(r.label, r.rows, r.model));
      if (values.svg !== undefined)
        writeSvg(
          values.svg,
          renderComparisonSvg(runs, { title: `${loaded.name}: --set ${whatIf.key}` }),
        );
      if (output === 'csv') {
        io.out(
          `variant,timestamp,${base.model.triggers.map(t => t.name).join(',')}${base.model.scalingModifiers === undefined ? '' : ',composite'},active,by,desiredReplicas,replicas,marks\n`,
        );
        for (const r of runs) io.out(toCsv(r.rows, r.model, r.label));
      } else if (output === 'json') {
        io.out(
          `${JSON.stringify({ scaledObject: loaded.name, kubernetesVersion: version, kedaVersion, set: whatIf, variants: runs.map((r, i) => ({ label: r.label, summary: summaries[i], rows: r.rows })) }, null, 2)}\n`,
        );
      } else io.out(comparisonTable(whatIf.key, summaries));
      return 0;
    }
    const { model, rows } = runs[0] as (typeof runs)[number];
    if (values.svg !== undefined) writeSvg(values.svg, renderSvg(rows, { title, model }));
    if (output === 'csv') io.out(toCsv(rows, model));
    else if (output === 'json')
      io.out(
        `${JSON.stringify(
          {
            scaledObject: loaded.name,
            kubernetesVersion: version,
            model: {
              ...model,
              scalingModifiers: model.scalingModifiers && {
                ...model.scalingModifiers,
                formula: model.scalingModifiers.formula.text,
              },
            },
            rows,
          },
          null,
          2,
        )}\n`,
      );
    else io.out(toTable(rows, model));
    return 0;
  } catch (e) {
    // Bad files and --set values are bad input like bad flags: exit 2 with the help hint.
    if (e instanceof SeriesFileError || e instanceof WhatIfError) {
      throw new CliError(e.message, EXIT_USAGE, true);
    }
    // The failure the server would have returned for the replay's query.
    if (isScalerError(e)) throw new CliError(describeFailure(e, config), EXIT_FAILED);
    throw asUsageFailure(withFlagNames(e));
  }
}
