// The named sources `migrate` writes to --config-out: one per Prometheus URL and set of
// credentials, scoped to the namespaces whose triggers use it, with the Secret each one reads
// and the command that copies that Secret from the tenant's namespace (values never shown).
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

export class SourcePlanner {
  private readonly planned = new Map<string, Planned>();
  private readonly taken = new Set<string>();

  /**
   * @param existing the sources of the configuration given with --config: a trigger whose
   *   serverAddress is one of their URLs, without credentials, uses it by name.
   * @param scalerNamespace where the scaler runs and its Secrets must be.
   */
  constructor(
    private readonly existing: readonly { name: string; url: string; timeoutMs?: number }[],
    private readonly scalerNamespace: string,
  ) {
    for (const s of existing) this.taken.add(s.name);
  }

  /** The upstream timeout of a source by name: an existing one's own, else a new one's default. */
  timeoutMsOf(name: string): number {
    return this.existing.find(s => s.name === name)?.timeoutMs ?? NEW_SOURCE_TIMEOUT_MS;
  }

  /** The name {@link use} would give, without taking it. */
  peek(url: string, auth: AuthPlan, insecure: boolean): string {
    const normalized = normalizeUrl(url);
    const planned = this.planned.get(`${normalized}|${auth.identity}|${insecure}`);
    if (planned !== undefined) return planned.name;
    const known =
      auth.identity === '' && !insecure
        ? this.existing.find(s => normalizeUrl(s.url) === normalized)
        : undefined;
    return known?.name ?? this.freeName(normalized, auth);
  }

  /** The source name a trigger at `url` with `auth` writes in `source:`. */
  use(url: string, auth: AuthPlan, insecure: boolean, namespace: string, user: string): string {
    const normalized = normalizeUrl(url);
    const identity = `${normalized}|${auth.identity}|${insecure}`;
    let p = this.planned.get(identity);
    if (p === undefined) {
      const known =
        auth.identity === '' && !insecure
          ? this.existing.find(s => normalizeUrl(s.url) === normalized)
          : undefined;
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
      const fields = p.auth.fields(mountPath);
      if (p.insecure) {
        const tls = (fields['tls'] as Json | undefined) ?? {};
        fields['tls'] = { ...tls, insecureSkipVerify: true };
      }
      if (!p.existing) {
        // Placed by its index in the written file, where the placeholder stands.
        for (const f of p.auth.fillIn) {
          fillIn.push({ ...f, source: p.name, field: `sources[${sources.length}].${f.field}` });
        }
        sources.push({ name: p.name, url: p.url, namespaces, ...fields });
      }
      reports.push({
        name: p.name,
        url: p.url,
        namespaces,
        usedBy: [...p.usedBy],
        todo: [
          ...(p.existing
            ? [
                `already in the --config file; add ${namespaces.join(', ')} to its namespaces if it has a list`,
              ]
            : []),
          ...p.auth.todo,
        ],
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
