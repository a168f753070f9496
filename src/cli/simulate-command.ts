// `keda-prometheus-scaler simulate`: replays a series (a CSV file, or the trigger's query over a
// time range of the real source) through the KEDA and HPA models, as a table, CSV, JSON and SVG.
import { readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../config/load-config';
import { parseDurationMs } from '../util/parse-values';
import { grpcStatusName, isScalerError, toGrpcStatus } from '../errors';
import { parseTrigger } from '../metadata/parse-trigger';
import { queryRange } from '../prometheus/range-query';
import { SourceRegistry } from '../sources/source-registry';
import { InputFileError, loadScaledObject } from '../simulate/scaledobject-file';
import type { Sample, SimulationRow } from '../simulate/simulate';
import { simulate } from '../simulate/simulate';
import { renderSvg } from '../simulate/svg-chart';
import type { CommandIo } from './command-args';
import { commandConfig } from './cli-config';
import { UsageError, parseCommandArgs, wholeNumberFlag } from './command-args';

export const SIMULATE_USAGE = `Usage: keda-prometheus-scaler simulate --scaledobject FILE [--trigger N]
         (--series FILE.csv | --from TIME --to TIME [--step 15s] [--config FILE | --prometheus-url URL])
         [--output table|csv|json] [--svg FILE] [--replicas N]
  Replays the metric through KEDA (pollingInterval, activation, cooldown, min/max/idle replicas)
  and the HPA (15 s syncs, tolerance 0.1, AverageValue/Value, behavior). --series is a CSV of
  timestamp,value (unix seconds); --from/--to take RFC 3339 or unix seconds. The table shows the
  steps where the replica count changed; CSV and JSON show every step.
`;

/** Reads `timestamp,value` lines; a header line is allowed. @throws naming the line. */
export function parseSeriesCsv(text: string): Sample[] {
  const samples: Sample[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const trimmed = line.trim();
    if (trimmed === '' || (i === 0 && /^[a-z_]+\s*,/i.test(trimmed))) return;
    const [t, v, extra] = trimmed.split(',').map(s => s.trim());
    const timestamp = Number(t);
    const value = Number(v);
    if (
      extra !== undefined ||
      !Number.isFinite(timestamp) ||
      !Number.isFinite(value) ||
      t === '' ||
      v === ''
    ) {
      throw new InputFileError(
        `--series line ${i + 1}: expected "timestamp,value" (unix seconds, number), got "${trimmed}"`,
      );
    }
    samples.push({ timestamp, value });
  });
  if (samples.length === 0) throw new InputFileError('--series: no samples');
  return samples;
}

function parseTime(text: string, flag: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms))
    throw new UsageError(`${flag}: expected RFC 3339 or unix seconds, got "${text}"`);
  return ms / 1000;
}

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
  try {
    const triggerIndex = wholeNumberFlag('trigger', values.trigger);
    const initialReplicas = wholeNumberFlag('replicas', values.replicas);
    const so = loadScaledObject(values.scaledobject, triggerIndex);
    const spec = parseTrigger(so.metadata);
    const model = {
      ...so.model,
      threshold: spec.threshold,
      activationThreshold: spec.activationThreshold,
    };
    let series: Sample[];
    if (values.series !== undefined) {
      series = parseSeriesCsv(readFileSync(values.series, 'utf8'));
    } else if (values.from !== undefined && values.to !== undefined) {
      const step = parseDurationMs(values.step ?? '15s');
      if (!step.ok || step.value < 1000) {
        throw new UsageError(
          `--step: must be a duration of at least 1s, e.g. 15s, got "${values.step}"`,
        );
      }
      const startS = parseTime(values.from, '--from');
      const endS = parseTime(values.to, '--to');
      if (endS <= startS) throw new UsageError('--to: must be later than --from');
      const sources = new SourceRegistry(commandConfig(values, env));
      try {
        series = await queryRange(
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
        );
      } finally {
        await sources.close();
      }
    } else {
      io.err(`give --series FILE.csv, or --from and --to\n\n${SIMULATE_USAGE}`);
      return 2;
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
    if (e instanceof InputFileError || e instanceof ConfigError || e instanceof UsageError) {
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
