// The named sources `migrate` writes to --config-out: one per Prometheus URL and set of
// credentials, scoped to the namespaces whose triggers use it, with the Secret each one reads
// and the command that copies that Secret from the tenant's namespace (values never shown).
import { isMigratePlaceholder } from '../util/migrate-placeholder';
import { normalizeUrl } from '../util/url-rules';
import type { Json } from './manifests';
import type { SecretCopy, SourceFillIn, SourceReport } from './report';
import type { AuthPlan, CopiedFile } from './trigger-auth';

/** Where the scaler's Deployment mounts a source's Secret; one directory per source. */
export const SECRET_MOUNT_ROOT = '/etc/keda-prometheus-scaler/sources';

/** Source names: lower-case letters, digits, `-` and `_`, at most 63 (config/schema.ts). */
function sourceName(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 55)
    .replace(/[-_]+$/, '');
  return name === '' ? 'prometheus' : name;
}

interface Planned {
  name: string;
  url: string;
  auth: AuthPlan;
  insecure: boolean;
  namespaces: Set<string>;
  usedBy: Set<string>;
  /** Defined in the configuration given with --config: nothing to write. */
  existing: boolean;
}

/** A kubectl jsonpath for one data key (dots in a key are escaped). */
const jsonPathKey = (key: string): string => `{.data.${key.replace(/\./g, '\\.')}}`;

/** Single-quoted for a POSIX shell. */
const sh = (text: string): string => `'${text.replace(/'/g, `'\\''`)}'`;

/** A new source's timeout: config/source-schema.ts's default (KEDA_HTTP_DEFAULT_TIMEOUT, 3 s). */
export const NEW_SOURCE_TIMEOUT_MS = 3000;

/** A source of the configuration given with --config, as far as reuse needs it. */
export interface ExistingSource {
  name: string;
  url: string;
  timeoutMs?: number;
  /** The namespaces allowed to use it; undefined: every namespace. */
  namespaces?: readonly string[];
  /** Its credential fields as configured: bearerTokenFile, basicAuth, headerFiles, tls, auth. */
  credentials: Json;
}

/** The credential fields of a source, as a new one is written and an existing one compared. */
export const CREDENTIAL_FIELDS = ['bearerTokenFile', 'basicAuth', 'headerFiles', 'tls', 'auth'];

/** The credential fields migrate writes for `auth` on a source whose Secret is at `mountPath`. */
function credentialFields(auth: AuthPlan, insecure: boolean, mountPath: string): Json {
  const fields = auth.fields(mountPath);
  if (insecure) {
    const tls = (fields['tls'] as Json | undefined) ?? {};
    fields['tls'] = { ...tls, insecureSkipVerify: true };
  }
  return fields;
}

/** Without what means nothing: undefined, false, empty maps (a loader's defaults). */
function meaningful(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(meaningful);
  if (typeof v !== 'object' || v === null) return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v)) {
    const m = meaningful(x);
    if (m === undefined || m === false) continue;
    if (typeof m === 'object' && m !== null && !Array.isArray(m) && Object.keys(m).length === 0)
      continue;
    out[k] = m;
  }
  return out;
}

function sameValue(wanted: unknown, actual: unknown): boolean {
  if (isMigratePlaceholder(wanted)) return typeof actual === 'string';
  if (Array.isArray(wanted)) {
    return (
      Array.isArray(actual) &&
      wanted.length === actual.length &&
      wanted.every((w, i) => sameValue(w, actual[i]))
    );
  }
  if (typeof wanted !== 'object' || wanted === null) return wanted === actual;
  if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false;
  const a = actual as Json;
  const keys = Object.keys(wanted);
  if (keys.length !== Object.keys(a).length) return false;
  // A placeholder key (a header's name left to fill in) stands for the one key not named.
  const named = keys.filter(k => !isMigratePlaceholder(k));
  const rest = Object.keys(a).filter(k => !named.includes(k));
  const w = wanted as Json;
  return (
    named.every(k => k in a && sameValue(w[k], a[k])) &&
    keys
      .filter(isMigratePlaceholder)
      .every((k, i) => rest[i] !== undefined && sameValue(w[k], a[rest[i]]))
  );
}

/**
 * "The same credentials" (docs/migrate.md, "Reusing an existing configuration"): the existing
 * source's bearerTokenFile, basicAuth, headerFiles, tls and auth are exactly what migrate would
 * write for the trigger under that source's name (the same auth kind, the same file paths under
 * /etc/keda-prometheus-scaler/sources/<name>/, the same values), where a value migrate would leave
 * as a <placeholder> matches any value; no credentials matches no credentials.
 */
export function sameCredentials(wanted: Json, existing: Json): boolean {
  const pick = (j: Json): Json =>
    Object.fromEntries(CREDENTIAL_FIELDS.filter(f => f in j).map(f => [f, j[f]]));
  return sameValue(meaningful(pick(wanted)), meaningful(pick(existing)));
}

export class SourcePlanner {
  private readonly planned = new Map<string, Planned>();
  private readonly taken = new Set<string>();

  /**
   * @param existing the sources of the configuration given with --config: a trigger uses one by
   *   name when it has the same URL and the same credentials ({@link sameCredentials}).
   * @param scalerNamespace where the scaler runs and its Secrets must be.
   */
  constructor(
    private readonly existing: readonly ExistingSource[],
    private readonly scalerNamespace: string,
  ) {
    for (const s of existing) this.taken.add(s.name);
  }

  /** The upstream timeout of a source by name: an existing one's own, else a new one's default. */
  timeoutMsOf(name: string): number {
    return this.existing.find(s => s.name === name)?.timeoutMs ?? NEW_SOURCE_TIMEOUT_MS;
  }

  /** The source of --config a trigger at `url` with `auth` reuses, if one fits. */
  private reusable(
    normalized: string,
    auth: AuthPlan,
    insecure: boolean,
  ): ExistingSource | undefined {
    return this.existing.find(
      s =>
        normalizeUrl(s.url) === normalized &&
        sameCredentials(
          credentialFields(auth, insecure, `${SECRET_MOUNT_ROOT}/${s.name}`),
          s.credentials,
        ),
    );
  }

  /**
   * Why a trigger of `namespace` could not use the source {@link use} would give: an existing
   * source limited to other namespaces (serve answers PERMISSION_DENIED, core/resolve-trigger.ts).
   * A source migrate writes takes the namespace into its list.
   */
  refusal(url: string, auth: AuthPlan, insecure: boolean, namespace: string): string | undefined {
    const normalized = normalizeUrl(url);
    if (this.planned.get(`${normalized}|${auth.identity}|${insecure}`)?.existing === false) {
      return undefined;
    }
    const known = this.reusable(normalized, auth, insecure);
    if (known?.namespaces === undefined || known.namespaces.includes(namespace)) return undefined;
    return `source ${known.name} of the --config file (same URL and credentials) is limited to namespaces ${known.namespaces.join(', ')}: the scaler would refuse this trigger (PERMISSION_DENIED); add ${namespace} to its namespaces and run migrate again`;
  }

  /** The name {@link use} would give, without taking it. */
  peek(url: string, auth: AuthPlan, insecure: boolean): string {
    const normalized = normalizeUrl(url);
    const planned = this.planned.get(`${normalized}|${auth.identity}|${insecure}`);
    if (planned !== undefined) return planned.name;
    return this.reusable(normalized, auth, insecure)?.name ?? this.freeName(normalized, auth);
  }

  /** The source name a trigger at `url` with `auth` writes in `source:`. */
  use(url: string, auth: AuthPlan, insecure: boolean, namespace: string, user: string): string {
    const normalized = normalizeUrl(url);
    const identity = `${normalized}|${auth.identity}|${insecure}`;
    let p = this.planned.get(identity);
    if (p === undefined) {
      const known = this.reusable(normalized, auth, insecure);
      p = {
        name: known?.name ?? this.freeName(normalized, auth),
        url: normalized,
        auth,
        insecure,
        namespaces: new Set(),
        usedBy: new Set(),
        existing: known !== undefined,
      };
      this.taken.add(p.name);
      this.planned.set(identity, p);
    }
    p.namespaces.add(namespace);
    p.usedBy.add(user);
    return p.name;
  }

  private freeName(url: string, auth: AuthPlan): string {
    const host = new URL(url).hostname.split('.')[0] ?? 'prometheus';
    // The TriggerAuthentication's name tells two sources on one URL apart.
    const ta = auth.identity.split('|')[0]?.split('/').pop() ?? '';
    const base = sourceName(ta === '' ? host : `${host}-${ta}`);
    let name = base;
    for (let i = 2; this.taken.has(name); i++) name = `${base}-${i}`;
    return name;
  }

  /** The `sources:` entries to write, their report, the Secrets they read and what to fill in. */
  finish(): {
    sources: Json[];
    reports: SourceReport[];
    secrets: SecretCopy[];
    fillIn: SourceFillIn[];
  } {
    const sources: Json[] = [];
    const reports: SourceReport[] = [];
    const secrets: SecretCopy[] = [];
    const fillIn: SourceFillIn[] = [];
    for (const p of this.planned.values()) {
      const namespaces = [...p.namespaces].sort();
      const mountPath = `${SECRET_MOUNT_ROOT}/${p.name}`;
      const fields = credentialFields(p.auth, p.insecure, mountPath);
      if (!p.existing) {
        // Placed by its index in the written file, where the placeholder stands.
        for (const f of p.auth.fillIn) {
          fillIn.push({ ...f, source: p.name, field: `sources[${sources.length}].${f.field}` });
        }
        sources.push({ name: p.name, url: p.url, namespaces, ...fields });
      }
      const existing = p.existing ? this.existing.find(s => s.name === p.name) : undefined;
      reports.push({
        name: p.name,
        url: p.url,
        // A reused source keeps its own list: refusal() has made sure it admits every user.
        namespaces: p.existing ? existing?.namespaces?.slice() : namespaces,
        reused: p.existing,
        usedBy: [...p.usedBy],
        todo: p.auth.todo,
      });
      if (p.auth.files.length > 0) secrets.push(this.secretCopy(p.name, mountPath, p.auth.files));
    }
    return { sources, reports, secrets, fillIn };
  }

  private secretCopy(source: string, mountPath: string, files: CopiedFile[]): SecretCopy {
    const name = `kps-source-${source}`.slice(0, 63).replace(/-+$/, '');
    // Process substitution keeps each value out of the command line, the shell history and the
    // terminal: kubectl reads it from a pipe (bash, zsh).
    const froms = files.map(f => {
      // KEDA sent an empty password: the file exists and is empty.
      if (f.from === undefined) return `--from-literal=${f.key}=`;
      const get =
        f.from.via === 'secret'
          ? `kubectl get secret -n ${f.from.namespace} ${f.from.name} -o jsonpath=${sh(jsonPathKey(f.from.key))} | base64 -d`
          : `kubectl get configmap -n ${f.from.namespace} ${f.from.name} -o jsonpath=${sh(jsonPathKey(f.from.key))}`;
      return `--from-file=${f.key}=<(${get})`;
    });
    return {
      source,
      name,
      namespace: this.scalerNamespace,
      mountPath,
      keys: files.map(f => ({
        key: f.key,
        from:
          f.from === undefined
            ? undefined
            : { namespace: f.from.namespace, name: f.from.name, key: f.from.key },
      })),
      command: `kubectl create secret generic ${name} -n ${this.scalerNamespace} ${froms.join(' ')}`,
    };
  }
}
