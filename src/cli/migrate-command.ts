// `keda-prometheus-scaler migrate FILE...`: reads manifests (files or `-` for standard input),
// writes the converted YAML stream to standard output, the sources to --config-out, and the
// report to standard error (text or JSON). Exit 0 all moved, 1 something could not move, a value
// must be filled in by hand, or --verify found a difference; 2 bad flags or input, or no object
// read at all (then nothing is written).
import { readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { loadConfig } from '../config/load-config';
import type { InputObject } from '../migrate/manifests';
import { MAX_INPUT_BYTES, MigrateInputError, readObjects } from '../migrate/manifests';
import { migrate, yamlStream } from '../migrate/migrate';
import type { ExistingSource } from '../migrate/source-plan';
import { CREDENTIAL_FIELDS } from '../migrate/source-plan';
import type { SourceConfig } from '../config/schema';
import type { SourceFillIn } from '../migrate/report';
import { fillInLine, reportText } from '../migrate/report';
import type { CommandIo, CommandSpec } from './command-args';
import {
  UsageError,
  kubernetesVersionFlag,
  parseCommandArgs,
  wholeNumberFlag,
} from './command-args';
import { configFileOf } from './cli-config';
import { CliError, EXIT_USAGE } from './cli-error';
import { asUsageFailure, configOrExit } from './config-or-exit';
import { createCore } from '../core/create-core';
import { deriveMetricName } from '../core/metric-name';
import { DEFAULT_HPA_TOLERANCE, DEFAULT_KUBERNETES_VERSION } from '../simulate/hpa-model';
import type { KubernetesVersion } from '../simulate/hpa-model';
import { createLogger } from '../telemetry/logger';
import { NoopMetrics } from '../telemetry/metrics';
import type { VerifyRow } from './migrate-verify';
import { verifyChecks, verifyText } from './migrate-verify';

/** The scaler's Service in deploy/base (namespace keda, gRPC port 6000). */
export const DEFAULT_SCALER_ADDRESS = 'keda-prometheus-scaler.keda.svc.cluster.local:6000';
export const DEFAULT_SCALER_NAMESPACE = 'keda';

export const MIGRATE_COMMAND = {
  name: 'migrate',
  synopsis: `FILE... [--config-out FILE] [--push] [--scaler-address HOST:PORT]
         [--scaler-namespace NS] [--config FILE] [--adapter-prometheus-url URL]
         [--verify (--config FILE | --prometheus-url URL) [--replicas N] [--hpa-tolerance F]
          [--kubernetes-version X.Y]] [--output text|json]`,
  description: `  Converts KEDA's built-in prometheus triggers, and HPAs on prometheus-adapter's metrics, to this
  scaler. FILE is YAML (several documents, or kubectl get -o yaml List output; - reads standard
  input) with ScaledObjects, ScaledJobs and the (Cluster)TriggerAuthentications they use (kubectl
  get scaledobjects,scaledjobs,triggerauthentications,clustertriggerauthentications -A -o yaml), or
  prometheus-adapter's configuration (its ConfigMap or config.yaml) with the autoscaling/v2 HPAs
  and, optionally, the workloads they target. An HPA becomes a ScaledObject that takes it over.
  Writes the objects to standard output (converted ones changed, all others unchanged; never a
  Secret), the sources the triggers now name to --config-out, and a report to
  standard error: per object what changed, every warning, what cannot move and why, and for each
  source the Secret the scaler's namespace must hold with the command that copies it (values are
  never printed). An object is converted whole or not at all. prometheus-adapter's config.yaml is
  read, not written (it is no Kubernetes object). A value KEDA read from a Secret that the
  configuration holds in the open (a basic-auth user name) is left as a <placeholder> and listed
  under "Fill in by hand".
  Exit code 0 when everything moved, 1 when an object cannot move (it is written unchanged), a
  value must be filled in by hand, or --verify found a difference, 2 for bad flags or input, no
  object read included (nothing is written). Without --config-out the sources are not written (a
  preview): the report says so and the exit code does not change.
`,
  positionals: true,
  flags: [
    {
      name: 'config-out',
      arg: 'FILE',
      help: 'write the sources (a scaler configuration) to FILE',
    },
    { name: 'push', help: 'write external-push triggers (activation pushed) instead of external' },
    {
      name: 'scaler-address',
      arg: 'HOST:PORT',
      help: `the scaler's gRPC address for scalerAddress (default ${DEFAULT_SCALER_ADDRESS})`,
    },
    {
      name: 'scaler-namespace',
      arg: 'NS',
      help: `the scaler's namespace, where source Secrets go (default ${DEFAULT_SCALER_NAMESPACE})`,
    },
    {
      name: 'config',
      arg: 'FILE',
      env: 'SCALER_CONFIG',
      help: 'an existing scaler configuration: a source with the same URL and credentials is reused',
    },
    {
      name: 'adapter-prometheus-url',
      arg: 'URL',
      help: "the Prometheus prometheus-adapter queries (default: its Deployment's --prometheus-url, if given)",
    },
    {
      name: 'verify',
      help: 'evaluate original and converted triggers side by side against Prometheus (needs --config or --prometheus-url)',
    },
    {
      name: 'prometheus-url',
      arg: 'URL',
      env: 'SCALER_PROMETHEUS_URL',
      help: 'for --verify: a local Prometheus (a port-forward) that answers every source',
    },
    { name: 'replicas', arg: 'N', help: 'for --verify: the current replica count (default 1)' },
    {
      name: 'hpa-tolerance',
      arg: 'F',
      help: `for --verify: kube-controller-manager's --horizontal-pod-autoscaler-tolerance, used where the HPA's behavior sets none (default ${DEFAULT_HPA_TOLERANCE})`,
    },
    {
      name: 'kubernetes-version',
      arg: 'X.Y',
      help: `for --verify: the HPA's release rules (default ${DEFAULT_KUBERNETES_VERSION})`,
    },
    { name: 'output', arg: 'FORMAT', help: 'the report as text (default) or json' },
  ],
} as const satisfies CommandSpec;

/** Reads one input (a path or `-`) within the size bound. */
function readInput(path: string, stdin: () => string): string {
  if (path === '-') return stdin();
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new MigrateInputError(
      `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  if (size > MAX_INPUT_BYTES) {
    throw new MigrateInputError(`${path}: ${size} bytes; at most ${MAX_INPUT_BYTES} are read`);
  }
  return readFileSync(path, 'utf8');
}

/** Standard input, read once, within the size bound. */
function readStdin(): string {
  const chunks: Buffer[] = [];
  let total = 0;
  const buffer = Buffer.alloc(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buffer, 0, buffer.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((e as NodeJS.ErrnoException).code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_INPUT_BYTES) {
      throw new MigrateInputError(`-: more than ${MAX_INPUT_BYTES} bytes; at most that is read`);
    }
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes `text` to `path` whole or not at all (a temporary file renamed over it). */
function writeWhole(path: string, text: string): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** An input file that cannot be read is bad input (exit 2), said without the help hint. */
function asInputFailure(e: unknown): unknown {
  return e instanceof MigrateInputError ? new CliError(e.message, EXIT_USAGE) : e;
}

export async function runMigrate(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: CommandIo,
  stdin: () => string = readStdin,
): Promise<number> {
  const parsed = parseCommandArgs(argv, MIGRATE_COMMAND, io);
  if ('exit' in parsed) return parsed.exit;
  const { values, positionals } = parsed;
  const output = values.output ?? 'text';
  let inputs: InputObject[];
  let existingSources: readonly ExistingSource[] = [];
  let replicas = 1;
  let k8s: KubernetesVersion = DEFAULT_KUBERNETES_VERSION;
  let controllerTolerance = DEFAULT_HPA_TOLERANCE;
  try {
    const tolerance = values['hpa-tolerance'];
    if (tolerance !== undefined) {
      controllerTolerance = Number(tolerance);
      if (!/^\d*\.?\d+$/.test(tolerance.trim()) || controllerTolerance >= 1) {
        throw new UsageError(
          `--hpa-tolerance: must be a fraction >= 0 and < 1 (0.1 is 10%), got "${tolerance.slice(0, 20)}"`,
        );
      }
    }
    replicas = wholeNumberFlag('replicas', values.replicas, 1) ?? 1;
    k8s = kubernetesVersionFlag(values['kubernetes-version']);
    if (
      values.verify === true &&
      configFileOf(values, env) === undefined &&
      (values['prometheus-url'] ?? (env['SCALER_PROMETHEUS_URL'] || undefined)) === undefined
    ) {
      throw new UsageError('--verify: needs --config FILE or --prometheus-url URL');
    }
    if (output !== 'text' && output !== 'json') {
      throw new UsageError(`--output: must be text or json, got "${output.slice(0, 20)}"`);
    }
    if (positionals.length === 0)
      throw new UsageError('give at least one FILE (or - for standard input)');
    if (positionals.filter(p => p === '-').length > 1) {
      throw new UsageError('- (standard input) may be given once');
    }
    const address = values['scaler-address'];
    if (address !== undefined && !/^[^\s/]+:\d{1,5}$/.test(address)) {
      throw new UsageError(`--scaler-address: must be host:port, got "${address.slice(0, 80)}"`);
    }
    const namespace = values['scaler-namespace'];
    if (namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
      throw new UsageError(
        `--scaler-namespace: must be a namespace name, got "${namespace.slice(0, 80)}"`,
      );
    }
    inputs = positionals.flatMap(p => readObjects(readInput(p, stdin), p === '-' ? 'stdin' : p));
    // Nothing read is no success: `kubectl get … | migrate -` gets empty input when kubectl fails.
    if (inputs.length === 0) {
      throw new MigrateInputError(
        `${positionals.map(p => (p === '-' ? 'standard input' : p)).join(', ')}: no objects read (empty input, or an empty List); if it came from kubectl get, see that command's error`,
      );
    }
  } catch (e) {
    throw asInputFailure(e);
  }
  const configFile = configFileOf(values, env);
  if (configFile !== undefined) {
    try {
      existingSources = loadConfig({ configFile, logLevel: 'silent' }).sources.map(existingSource);
    } catch (e) {
      throw asUsageFailure(e);
    }
  }
  let result;
  try {
    result = migrate(inputs, {
      scalerAddress: values['scaler-address'] ?? DEFAULT_SCALER_ADDRESS,
      push: values.push === true,
      metricName: deriveMetricName,
      scalerNamespace: values['scaler-namespace'] ?? DEFAULT_SCALER_NAMESPACE,
      existingSources,
      adapterPrometheusUrl: values['adapter-prometheus-url'],
    });
  } catch (e) {
    // A prometheus-adapter configuration that cannot be read is bad input like any other.
    throw asInputFailure(e);
  }
  let rows: VerifyRow[] | undefined;
  if (values.verify === true) {
    const loaded = configOrExit(values, env);
    const core = createCore(loaded.config, createLogger('silent'), new NoopMetrics());
    try {
      rows = await verifyChecks(core, loaded.config, loaded, result.checks, {
        replicas,
        k8s,
        controllerTolerance,
      });
    } finally {
      core.cache.close();
      await core.sources.close();
    }
  }
  const configOut = values['config-out'];
  if (configOut !== undefined) {
    try {
      writeWhole(configOut, configText(result.sources, result.report.fillIn));
    } catch (e) {
      throw new CliError(
        `--config-out: cannot write ${configOut} (${(e as NodeJS.ErrnoException).code ?? 'error'})`,
        EXIT_USAGE,
      );
    }
  }
  io.out(yamlStream(result.objects));
  const { report } = result;
  if (output === 'json') {
    io.err(
      `${JSON.stringify(rows === undefined ? report : { ...report, verify: rows }, null, 2)}\n`,
    );
  } else {
    const unwritten =
      configOut === undefined && result.sources.length > 0
        ? `\nnote: ${result.sources.length} source(s) not written: pass --config-out FILE\n`
        : '';
    // --config read from the environment, unasked: say which file the sources were compared with.
    const fromEnv =
      values.config === undefined && configFile !== undefined
        ? `note: --config not given; read SCALER_CONFIG's ${configFile} for sources to reuse\n`
        : '';
    io.err(fromEnv + reportText(report) + unwritten + (rows === undefined ? '' : verifyText(rows)));
  }
  const differs = rows?.some(r => !r.ok) === true;
  const unfilled = report.fillIn.length > 0;
  return report.summary.cannotMove > 0 || differs || unfilled ? 1 : 0;
}

/** A --config source as migrate compares it: URL, namespaces and credential fields. */
function existingSource(s: SourceConfig): ExistingSource {
  const fields = s as unknown as Record<string, unknown>;
  return {
    name: s.name,
    url: s.url,
    timeoutMs: s.timeoutMs,
    ...(s.namespaces === undefined ? {} : { namespaces: s.namespaces }),
    credentials: Object.fromEntries(
      CREDENTIAL_FIELDS.filter(f => fields[f] !== undefined).map(f => [f, fields[f]]),
    ),
  };
}

/** The --config-out file: the sources, after a comment listing each placeholder to fill in. */
function configText(sources: readonly unknown[], fillIn: readonly SourceFillIn[]): string {
  const header =
    fillIn.length === 0
      ? ''
      : `# Written by keda-prometheus-scaler migrate. Fill in before use:\n${fillIn.map(f => `#   ${fillInLine(f)}\n`).join('')}`;
  return header + stringify({ sources }, { lineWidth: 0 });
}
