// `keda-prometheus-scaler simulate`: replays the triggers' series (CSV columns, or each trigger's
// query over a time range of the real source) through the KEDA and HPA models, as a table, CSV,
// JSON and SVG; with --set, once per value, as a comparison.
import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../config/load-config';
import type { ServerConfig } from '../config/schema';
import { DEFAULTS, triggerLimits } from '../config/schema';
import { parseDurationMs } from '../util/parse-values';
import { grpcStatusName, isScalerError, toGrpcStatus } from '../errors';
import type { TriggerLimits, TriggerSpec } from '../metadata/parse-trigger';
import { parseTrigger } from '../metadata/parse-trigger';
import { queryRange } from '../prometheus/range-query';
import { SourceRegistry } from '../sources/source-registry';
import type { KubernetesVersion } from '../simulate/hpa-model';
import { DEFAULT_KUBERNETES_VERSION, KUBERNETES_VERSIONS } from '../simulate/hpa-model';
import type { LoadedScaledObject } from '../simulate/scaledobject-file';
import { InputFileError, loadScaledObject } from '../simulate/scaledobject-file';
import { parseSeriesCsv } from '../simulate/series-csv';
import type {
  Sample,
  ScaledObjectModel,
  SimulationOptions,
  SimulationRow,
} from '../simulate/simulate';
import { simulate } from '../simulate/simulate';
import { renderComparisonSvg, renderSvg } from '../simulate/svg-chart';
import { WhatIfError, applySet, comparisonTable, parseSet, summarize } from '../simulate/what-if';
import type { CommandIo } from './command-args';
import { commandConfig } from './cli-config';
import { UsageError, parseCommandArgs, wholeNumberFlag } from './command-args';

export const SIMULATE_USAGE = `Usage: keda-prometheus-scaler simulate --scaledobject FILE [--trigger N]
         (--series FILE.csv | --from TIME --to TIME [--step 15s] [--config FILE | --prometheus-url URL])
         [--kubernetes-version ${KUBERNETES_VERSIONS[0]}..${DEFAULT_KUBERNETES_VERSION}] [--set key=v1,v2,...]
         [--output table|csv|json] [--svg FILE] [--replicas N]
  Replays every trigger of the ScaledObject (or the one --trigger N picks) through KEDA
  (pollingInterval, activation, cooldown, min/max/idle replicas, fallback, scalingModifiers) and
  the HPA of the given Kubernetes release (default ${DEFAULT_KUBERNETES_VERSION}): 15 s syncs, tolerance,
  AverageValue/Value in milli-units, behavior, the largest proposal across metrics.
  --series is a CSV of timestamp (unix seconds) and one column per trigger (in order, or named
  after the triggers in a header); an empty cell or "error" is a failed query. --from/--to take
  RFC 3339 or unix seconds and run each trigger's query_range. The table shows the steps where
  the replica count changed; CSV and JSON show every step. --set replays once per value and
  prints a comparison (replica-hours, overloaded minutes, scale events, peak, reaction time).
`;

function parseTime(text: string, flag: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new UsageError(`${flag}: expected RFC 3339 or unix seconds, got "${text}"`);
  return ms / 1000;
}

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
    'time',
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
  return `${[fmt(header), ...body.map(fmt), '', `${rows.length} steps; peak ${peak} replicas; ${changes} changes`].join('\n')}\n`;
}

/** The simulator's model of a loaded ScaledObject, with each trigger's parsed metadata. */
function toModel(
  loaded: LoadedScaledObject,
  limits: TriggerLimits,
): { model: ScaledObjectModel; specs: TriggerSpec[] } {
  const specs = loaded.triggers.map(t => {
    if (!['prometheus', 'external', 'external-push'].includes(t.type)) {
      throw new InputFileError(
        `spec.triggers[${t.index}].type: ${t.type} cannot be replayed (prometheus, external, external-push); pick one with --trigger N`,
      );
    }
    // Bad metadata is a bad file here (exit 2), named by the trigger's place in it.
    try {
      return parseTrigger(t.metadata, limits);
    } catch (e) {
      if (!isScalerError(e)) throw e;
      throw new InputFileError(`spec.triggers[${t.index}].metadata: ${e.message}`);
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
    },
  };
}

async function rangeSeries(
  values: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv,
  config: ServerConfig | undefined,
  specs: TriggerSpec[],
): Promise<Sample[][]> {
  const step = parseDurationMs(values['step'] ?? '15s');
  if (!step.ok || step.value < 1000) {
    throw new UsageError(
      `--step: must be a duration of at least 1s, e.g. 15s, got "${values['step']}"`,
    );
  }
  const startS = parseTime(values['from'] as string, '--from');
  const endS = parseTime(values['to'] as string, '--to');
  if (endS <= startS) throw new UsageError('--to: must be later than --from');
  const sources = new SourceRegistry(config ?? commandConfig(values, env));
  try {
    return await Promise.all(
      specs.map(spec =>
        queryRange(
          sources.resolve(spec.source),
          {
            query: spec.query,
            startS,
            endS,
            stepS: step.value / 1000,
            timeoutMs: 30_000,
            namespace: spec.namespace,
            queryParameters: spec.queryParameters,
            customHeaders: spec.customHeaders,
          },
          spec,
        ),
      ),
    );
  } finally {
    await sources.close();
  }
}

export async function runSimulate(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CommandIo,
): Promise<number> {
  const parsed = parseCommandArgs(
    argv,
    {
      scaledobject: { type: 'string' },
      trigger: { type: 'string' },
      series: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      step: { type: 'string' },
      config: { type: 'string' },
      'prometheus-url': { type: 'string' },
      output: { type: 'string' },
      svg: { type: 'string' },
      replicas: { type: 'string' },
      'kubernetes-version': { type: 'string' },
      set: { type: 'string' },
    },
    SIMULATE_USAGE,
    io,
  );
  if ('exit' in parsed) return parsed.exit;
  const { values } = parsed;
  const output = values.output ?? 'table';
  if (values.scaledobject === undefined || !['table', 'csv', 'json'].includes(output)) {
    io.err(
      `--scaledobject is required and --output must be table, csv or json\n\n${SIMULATE_USAGE}`,
    );
    return 2;
  }
  const file = values.scaledobject;
  try {
    const triggerIndex = wholeNumberFlag('trigger', values.trigger);
    const initialReplicas = wholeNumberFlag('replicas', values.replicas);
    const version = values['kubernetes-version'] ?? DEFAULT_KUBERNETES_VERSION;
    if (!(KUBERNETES_VERSIONS as readonly string[]).includes(version)) {
      throw new UsageError(
        `--kubernetes-version: must be one of ${KUBERNETES_VERSIONS.join(', ')}, got "${version}"`,
      );
    }
    const whatIf = values.set === undefined ? undefined : parseSet(values.set);
    const options: SimulationOptions = {
      kubernetesVersion: version as KubernetesVersion,
      ...(initialReplicas === undefined ? {} : { initialReplicas }),
    };
    // A configuration file's caps (maxTimeout, cache.ttlLimit, ...) apply as they do in `serve`.
    const config =
      (values.config ?? env['SCALER_CONFIG']) === undefined
        ? undefined
        : commandConfig(values, env);
    const limits = triggerLimits(config ?? DEFAULTS);
    const loaded = loadScaledObject(file, triggerIndex);
    const base = toModel(loaded, limits);
    // Every variant is validated before any query runs.
    const variants =
      whatIf === undefined
        ? [{ label: 'as written', model: base.model }]
        : whatIf.values.map(v => ({
            label: `${whatIf.key}=${v}`,
            model: toModel(
              loadScaledObject(file, triggerIndex, so => applySet(so, whatIf.key, v)),
              limits,
            ).model,
          }));
    let series: Sample[][];
    if (values.series !== undefined) {
      let text: string;
      try {
        text = readFileSync(values.series, 'utf8');
      } catch (e) {
        throw new InputFileError(`--series: ${(e as Error).message}`);
      }
      series = parseSeriesCsv(
        text,
        base.model.triggers.map(t => t.name),
      );
    } else if (values.from !== undefined && values.to !== undefined) {
      series = await rangeSeries(values, env, config, base.specs);
    } else {
      io.err(`give --series FILE.csv, or --from and --to\n\n${SIMULATE_USAGE}`);
      return 2;
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
        writeFileSync(
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
          `${JSON.stringify({ scaledObject: loaded.name, kubernetesVersion: version, set: whatIf, variants: runs.map((r, i) => ({ label: r.label, summary: summaries[i], rows: r.rows })) }, null, 2)}\n`,
        );
      } else io.out(comparisonTable(whatIf.key, summaries));
      return 0;
    }
    const { model, rows } = runs[0] as (typeof runs)[number];
    if (values.svg !== undefined) {
      writeFileSync(values.svg, renderSvg(rows, { title, model }));
    }
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
    if (
      e instanceof InputFileError ||
      e instanceof ConfigError ||
      e instanceof UsageError ||
      e instanceof WhatIfError
    ) {
      io.err(`${e.message}\n`);
      return 2;
    }
    if (isScalerError(e)) {
      const st = toGrpcStatus(e);
      io.err(`${grpcStatusName(st.code)}: ${st.details}\n`);
      return 1;
    }
    throw e;
  }
}
