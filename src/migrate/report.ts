// What `migrate` tells its user, per object and for the cluster: the report's shape (the JSON of
// `--output json`) and its text form. It never holds a secret value: Secrets are named by
// namespace, name and key only.

/**
 * What happened to one input object. `withheld`: a Secret, read for nothing and never written
 * (migrate never outputs secret values); every other object that is not converted is written.
 */
export type Outcome = 'converted' | 'unchanged' | 'cannot-move' | 'withheld';

export interface ObjectReport {
  /** `ScaledObject shop/checkout`. */
  object: string;
  /** Where it was read (`file.yaml#2`). */
  origin: string;
  outcome: Outcome;
  /** What was changed, one line each. */
  changes: string[];
  /** What the user should know (a key KEDA ignored, a difference from the built-in trigger). */
  warnings: string[];
  /** For `cannot-move`: why, naming the field. For `unchanged`: why nothing was to do. None for `withheld`. */
  reasons: string[];
  /**
   * False when the object is not in standard output: a Secret (`withheld`), or prometheus-adapter's
   * plain config.yaml, which is read for its rules but is no Kubernetes object (`kubectl apply`
   * would refuse it). Absent: written, converted or as it was.
   */
  written?: false;
  /** Per converted trigger of a ScaledObject: the HPA's external metric name before and after. */
  hpaMetrics?: HpaMetricRename[];
}

/** A trigger's HPA metric name before and after: dashboards and alerts that read it must follow. */
export interface HpaMetricRename {
  /** `spec.triggers[0]`. */
  trigger: string;
  /** `s0-prometheus`. */
  before: string;
  /** `s0-prom-<query slug>-<hash>`. */
  after: string;
}

/** A Secret the scaler's namespace must hold for a source: names and keys, never values. */
export interface SecretCopy {
  source: string;
  /** The Secret to create in the scaler's namespace. */
  name: string;
  namespace: string;
  /** Where the scaler's Deployment must mount it (the source's files are read from there). */
  mountPath: string;
  /** Each key: which tenant Secret and key it copies (none: an empty value, as KEDA sent). */
  keys: { key: string; from: { namespace: string; name: string; key: string } | undefined }[];
  /** The command that copies the values without printing them. */
  command: string;
}

/**
 * A value the written configuration holds as a placeholder (`<username>`): KEDA read it from a
 * Secret or ConfigMap and migrate copies no values. The command exits 1 while any is left.
 */
export interface SourceFillIn {
  source: string;
  /** Its place in the --config-out file, e.g. `sources[0].basicAuth.username`. */
  field: string;
  placeholder: string;
  /** Where the value is, e.g. `the value of Secret web/creds key user`. */
  what: string;
}

export interface SourceReport {
  name: string;
  url: string;
  /**
   * A written source: the namespaces of the triggers that use it (its list). A reused one: the
   * --config file's own list, undefined when it has none (every namespace may use it).
   */
  namespaces: string[] | undefined;
  /** A source of the --config file, reused and not written to --config-out. */
  reused: boolean;
  /** Which objects use it. */
  usedBy: string[];
  /** Steps left to a person (a value migrate will not copy, an identity to bind). */
  todo: string[];
}

export interface MigrateReport {
  objects: ObjectReport[];
  sources: SourceReport[];
  secrets: SecretCopy[];
  /** Values of the --config-out file a person must write before it is used. */
  fillIn: SourceFillIn[];
  /** prometheus-adapter: metrics its rules serve that no HPA in the input uses. */
  unusedAdapterMetrics: string[];
  /** prometheus-adapter: the order in which to move the metrics APIs. */
  cutover: string[];
  summary: { converted: number; unchanged: number; cannotMove: number; withheld: number };
}

export function emptyReport(): MigrateReport {
  return {
    objects: [],
    sources: [],
    secrets: [],
    fillIn: [],
    unusedAdapterMetrics: [],
    cutover: [],
    summary: { converted: 0, unchanged: 0, cannotMove: 0, withheld: 0 },
  };
}

export function summarize(report: MigrateReport): MigrateReport {
  const count = (o: Outcome) => report.objects.filter(x => x.outcome === o).length;
  report.summary = {
    converted: count('converted'),
    unchanged: count('unchanged'),
    cannotMove: count('cannot-move'),
    withheld: count('withheld'),
  };
  return report;
}

const OUTCOME_WORD: Record<Outcome, string> = {
  converted: 'converted',
  unchanged: 'unchanged (passed through)',
  'cannot-move': 'CANNOT MOVE (passed through unchanged)',
  withheld: 'not written (a Secret: migrate never outputs secret values)',
};

/** An object read but not written that is not a Secret: prometheus-adapter's config.yaml. */
const READ_ONLY_WORD: Partial<Record<Outcome, string>> = {
  unchanged: 'read, not written (a config.yaml is no Kubernetes object)',
  'cannot-move': 'CANNOT MOVE (read, not written: a config.yaml is no Kubernetes object)',
};

/** The report as text for standard error. */
export function reportText(report: MigrateReport): string {
  const lines: string[] = [];
  for (const o of report.objects) {
    const word = o.written === false ? READ_ONLY_WORD[o.outcome] : undefined;
    lines.push(`${o.object} (${o.origin}): ${word ?? OUTCOME_WORD[o.outcome]}`);
    for (const c of o.changes) lines.push(`  - ${c}`);
    for (const w of o.warnings) lines.push(`  warning: ${w}`);
    for (const r of o.reasons)
      lines.push(`  ${o.outcome === 'cannot-move' ? 'cannot move' : 'why'}: ${r}`);
  }
  for (const [reused, heading] of [
    [false, 'Sources to write (the scaler configuration, --config-out):'],
    [true, 'Sources reused from --config (already there, not written again):'],
  ] as const) {
    const sources = report.sources.filter(s => s.reused === reused);
    if (sources.length === 0) continue;
    lines.push('', heading);
    for (const s of sources) {
      const scope =
        s.namespaces === undefined ? 'every namespace' : `namespaces ${s.namespaces.join(', ')}`;
      lines.push(`  ${s.name}: ${s.url}, ${scope}; used by ${s.usedBy.join(', ')}`);
      for (const t of s.todo) lines.push(`    todo: ${t}`);
    }
  }
  if (report.secrets.length > 0) {
    lines.push('', "Secrets the scaler's namespace must hold (values are copied, never shown):");
    for (const s of report.secrets) {
      lines.push(`  ${s.namespace}/${s.name} for source ${s.source}, mounted at ${s.mountPath}:`);
      for (const k of s.keys) {
        lines.push(
          k.from === undefined
            ? `    ${k.key} <- empty (KEDA sent an empty password)`
            : `    ${k.key} <- Secret ${k.from.namespace}/${k.from.name} key ${k.from.key}`,
        );
      }
      lines.push(`    ${s.command}`);
    }
  }
  if (report.fillIn.length > 0) {
    lines.push('', FILL_IN_HEADING);
    for (const f of report.fillIn) lines.push(`  ${fillInLine(f)}`);
  }
  if (report.unusedAdapterMetrics.length > 0) {
    lines.push('', 'prometheus-adapter metrics no HPA in the input uses:');
    for (const m of report.unusedAdapterMetrics) lines.push(`  ${m}`);
  }
  if (report.cutover.length > 0) {
    lines.push('', 'Cut-over order:');
    report.cutover.forEach((step, i) => lines.push(`  ${i + 1}. ${step}`));
  }
  const { converted, unchanged, cannotMove, withheld } = report.summary;
  lines.push(
    '',
    `${converted} converted, ${unchanged} unchanged, ${cannotMove} cannot move` +
      (withheld > 0 ? `, ${withheld} Secret(s) not written` : '') +
      (report.fillIn.length > 0 ? `, ${report.fillIn.length} value(s) to fill in` : ''),
  );
  return `${lines.join('\n')}\n`;
}

const FILL_IN_HEADING =
  'Fill in by hand (the --config-out file holds the <placeholder> until you do; exit 1 until then):';

/** One value to fill in, as the report and the --config-out file's header comment say it. */
export function fillInLine(f: SourceFillIn): string {
  return `${f.field} (source ${f.source}): ${f.placeholder}: ${f.what}`;
}
