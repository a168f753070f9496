// `keda-prometheus-scaler simulate`: replays a series (a CSV file, or the trigger's query over a
// time range of the real source) through the KEDA and HPA models, as a table, CSV, JSON and SVG.
import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../config/load-config';
import { parseDurationMs } from '../util/parse-values';
import type { ServerConfig } from '../config/schema';
import { DEFAULTS, triggerLimits } from '../config/schema';
import { isScalerError } from '../errors';
import { parseTrigger } from '../metadata/parse-trigger';
import { queryRange } from '../prometheus/range-query';
import { SourceRegistry } from '../sources/source-registry';
import { InputFileError, loadScaledObject } from '../simulate/scaledobject-file';
import type { Sample, SimulationRow } from '../simulate/simulate';
import { simulate } from '../simulate/simulate';
import { renderSvg } from '../simulate/svg-chart';
import { SOURCE_FLAGS, commandConfig, describeFailure } from './cli-config';
import type { CommandIo, CommandSpec } from './command-args';
import { UsageError, helpHint, parseCommandArgs, wholeNumberFlag } from './command-args';
import { localizeTrigger } from './local-source';
import { parseSeriesCsv, parseTimeFlag } from './time-input';

export const SIMULATE_COMMAND = {
  name: 'simulate',
  synopsis: `--scaledobject FILE [--name NAME] [--trigger N]
         (--series FILE.csv | --from TIME --to TIME [--step 15s] [--config FILE | --prometheus-url URL])
         [--output table|csv|json] [--svg FILE] [--replicas N]`,
  description: `  Replays the metric through KEDA (pollingInterval, activation, cooldown, min/max/idle replicas)
  and the HPA (15 s syncs, tolerance 0.1, AverageValue/Value, behavior). --series is a CSV of
  timestamp,value (unix seconds; unix milliseconds are detected and converted). --from/--to take
  RFC 3339 (2024-05-01T12:00:00Z), unix seconds, "now", "-2h" / "now-30m" or "2 hours ago"; the
  query then runs over that range on the local Prometheus, which also answers the trigger's
  in-cluster serverAddress or source. The table shows the steps where the replica count changed;
  CSV and JSON show every step. Exit code 0 on success, 1 when the source fails, 2 for bad flags.
`,
  flags: [
    ...SOURCE_FLAGS,
    { name: 'series', arg: 'FILE.csv', help: 'timestamp,value lines to replay' },
    { name: 'from', arg: 'TIME', help: 'start of the range to query (with --to)' },
    { name: 'to', arg: 'TIME', help: 'end of the range to query (with --from)' },
    { name: 'step', arg: 'DURATION', help: 'query_range step (default 15s, at least 1s)' },
    { name: 'output', arg: 'FORMAT', help: 'table (default), csv or json' },
    { name: 'svg', arg: 'FILE', help: 'also write a chart to FILE' },
    { name: 'replicas', arg: 'N', help: 'the replica count at the start (default: KEDA decides)' },
  ],
} as const satisfies CommandSpec;

export function toCsv(rows: SimulationRow[]): string {
  const lines = ['timestamp,value,active,by,desiredReplicas,replicas'];
  for (const r of rows)
    lines.push(`${r.timestamp},${r.value},${r.active},${r.by},${r.desiredReplicas},${r.replicas}`);
  return `${lines.join('\n')}\n`;
}

function toTable(rows: SimulationRow[]): string {
  const lines = ['time                  value        active  by    desired  replicas'];
  let previous: number | undefined;
  rows.forEach((r, i) => {
    if (r.replicas === previous && i !== rows.length - 1) return;
    previous = r.replicas;
    const time = new Date(r.timestamp * 1000).toISOString().slice(0, 19).replace('T', ' ');
    lines.push(
      `${time}   ${String(Number(r.value.toPrecision(6))).padEnd(12)} ${String(r.active).padEnd(7)} ${r.by.padEnd(5)} ${String(r.desiredReplicas).padEnd(8)} ${r.replicas}`,
    );
  });
  const peak = Math.max(...rows.map(r => r.replicas));
  lines.push(
    '',
    `${rows.length} steps; peak ${peak} replicas; ${rows.filter((r, i) => i > 0 && r.replicas !== rows[i - 1]?.replicas).length} changes`,
  );
  return `${lines.join('\n')}\n`;
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
      throw new UsageError(`--output: must be table, csv or json, got "${output}"`);
    }
    const triggerIndex = wholeNumberFlag('trigger', values.trigger);
    const initialReplicas = wholeNumberFlag('replicas', values.replicas);
    const so = loadScaledObject(values.scaledobject, { name: values.name, triggerIndex });
    // A configuration file's caps (maxTimeout, cache.ttlLimit, ...) apply as they do in `serve`.
    const fromFile =
      (values.config ?? env['SCALER_CONFIG']) === undefined
        ? undefined
        : commandConfig(values, env);
    config = fromFile?.config;
    const limits = triggerLimits(fromFile?.config ?? DEFAULTS);
    const spec = parseTrigger(so.metadata, limits);
    const model = {
      ...so.model,
      threshold: spec.threshold,
      activationThreshold: spec.activationThreshold,
    };
    let series: Sample[];
    if (values.series !== undefined) {
      const parsedSeries = parseSeriesCsv(readSeriesFile(values.series));
      if (parsedSeries.note !== undefined) io.err(`${parsedSeries.note}\n`);
      series = parsedSeries.samples;
    } else if (values.from !== undefined && values.to !== undefined) {
      const step = parseDurationMs(values.step ?? '15s');
      if (!step.ok || step.value < 1000) {
        throw new UsageError(
          `--step: must be a duration of at least 1s, e.g. 15s, got "${values.step}"`,
        );
      }
      const nowS = Date.now() / 1000;
      const startS = parseTimeFlag(values.from, '--from', nowS);
      const endS = parseTimeFlag(values.to, '--to', nowS);
      if (endS <= startS) throw new UsageError('--to: must be later than --from');
      const loaded = fromFile ?? commandConfig(values, env);
      config = loaded.config;
      const localized = localizeTrigger(so.metadata, config, loaded.prometheusUrlGiven);
      if (localized.note !== undefined) io.err(`${localized.note}\n`);
      const sources = new SourceRegistry(config);
      try {
        series = await queryRange(
          sources.resolve(parseTrigger(localized.metadata, limits).source),
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
        );
      } finally {
        await sources.close();
      }
    } else {
      throw new UsageError(
        values.from !== undefined || values.to !== undefined
          ? `give both --from and --to (got only ${values.from !== undefined ? '--from' : '--to'})`
          : 'give --series FILE.csv, or --from and --to',
      );
    }
    const rows = simulate(series, model, initialReplicas === undefined ? {} : { initialReplicas });
    if (values.svg !== undefined) {
      writeFileSync(
        values.svg,
        renderSvg(rows, {
          title: `${so.name}: ${spec.query}`,
          threshold: spec.threshold,
          metricType: so.model.metricType,
        }),
      );
    }
    if (output === 'csv') io.out(toCsv(rows));
    else if (output === 'json')
      io.out(`${JSON.stringify({ scaledObject: so.name, model, rows }, null, 2)}\n`);
    else io.out(toTable(rows));
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputFileError) {
      io.err(`${e.message}\n${helpHint('simulate')}\n`);
      return 2;
    }
    if (e instanceof ConfigError) {
      io.err(`${e.message}\n`);
      return 2;
    }
    if (isScalerError(e)) {
      io.err(`${describeFailure(e, config)}\n`);
      return 1;
    }
    throw e;
  }
}

function readSeriesFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputFileError(`--series ${file}: ${(e as Error).message}`);
  }
}
