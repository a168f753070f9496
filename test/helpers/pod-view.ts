// What the kubelet hands the scaler's container, from rendered manifests: the container's args,
// env, mounts and probe, and the data of the ConfigMaps and Secrets it mounts; and those files laid
// out on disk as the kubelet mounts them (an absent optional Secret is an empty directory).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from './kubernetes-schemas';

type EnvVar = { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } };
export type Probe = { httpGet?: { path: string }; grpc?: { port: number; service: string } };
type Container = {
  args: string[];
  env: EnvVar[];
  volumeMounts: { name: string; mountPath: string }[];
  readinessProbe: Probe;
};
type Volume = {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string; optional?: boolean };
};

/** What the kubelet hands the scaler's container: the parts of the rendered objects it reads. */
export interface PodView {
  container: Container;
  volumes: Volume[];
  /** ConfigMap and Secret data by name (Secrets base64, as rendered). */
  configMaps: Record<string, Record<string, string>>;
  secrets: Record<string, Record<string, string>>;
  /** Secrets cert-manager writes: secretName → the Certificate's commonName, if any. */
  issued: Record<string, string | undefined>;
}

export function podViewOf(docs: Manifest[]): PodView {
  const deployment = docs.find(d => d.kind === 'Deployment') as Manifest & {
    spec: { template: { spec: { containers: Container[]; volumes: Volume[] } } };
  };
  const volumes = deployment.spec.template.spec.volumes;
  const mounted = new Set(volumes.map(v => v.configMap?.name ?? v.secret?.secretName));
  // Only what the pod mounts: the dashboard's ConfigMap is no file of the scaler's.
  const data = (kind: string) =>
    Object.fromEntries(
      docs
        .filter(d => d.kind === kind && mounted.has(d.metadata!.name))
        .map(d => [d.metadata!.name!, (d['data'] ?? {}) as Record<string, string>]),
    );
  return {
    container: deployment.spec.template.spec.containers[0]!,
    volumes,
    configMaps: data('ConfigMap'),
    secrets: data('Secret'),
    issued: Object.fromEntries(
      docs
        .filter(d => d.kind === 'Certificate')
        .map(c => [c.spec?.['secretName'] as string, c.spec?.['commonName'] as string | undefined]),
    ),
  };
}

/**
 * Writes the pod's volumes under `root` (root + mountPath), as the kubelet mounts them, and
 * returns the container's environment with every mount path moved under `root` too. A Secret
 * cert-manager issues gets `certs`' ca.crt and server.crt/server.key (made with certificates.ts).
 */
export function layOut(root: string, view: PodView, certs: string): Record<string, string> {
  const mounts = [...view.container.volumeMounts].sort(
    (a, b) => b.mountPath.length - a.mountPath.length,
  );
  const moved = (text: string): string =>
    mounts.reduce((t, m) => t.split(m.mountPath).join(join(root, m.mountPath)), text);
  for (const mount of view.container.volumeMounts) {
    const dir = join(root, mount.mountPath);
    mkdirSync(dir, { recursive: true });
    const volume = view.volumes.find(v => v.name === mount.name)!;
    if (volume.configMap !== undefined) {
      const data = view.configMaps[volume.configMap.name];
      if (data === undefined) throw new Error(`ConfigMap ${volume.configMap.name} is not rendered`);
      for (const [key, value] of Object.entries(data)) writeFileSync(join(dir, key), moved(value));
      continue;
    }
    const name = volume.secret!.secretName;
    const secret = view.secrets[name];
    if (secret !== undefined) {
      for (const [key, value] of Object.entries(secret)) {
        writeFileSync(join(dir, key), Buffer.from(value, 'base64'));
      }
    } else if (name in view.issued) {
      // cert-manager's Secret: ca.crt, tls.crt, tls.key (the server certificate here).
      writeFileSync(join(dir, 'ca.crt'), readFileSync(join(certs, 'ca.crt')));
      writeFileSync(join(dir, 'tls.crt'), readFileSync(join(certs, 'server.crt')));
      writeFileSync(join(dir, 'tls.key'), readFileSync(join(certs, 'server.key')));
    } else if (volume.secret!.optional !== true) {
      throw new Error(`Secret ${name} is not rendered, issued or optional: the pod cannot start`);
    }
    // An absent optional Secret: the kubelet mounts an empty directory.
  }
  const env: Record<string, string> = {};
  for (const e of view.container.env) {
    if (e.value !== undefined) env[e.name] = moved(e.value);
    else if (e.valueFrom?.fieldRef?.fieldPath === 'status.podIP') env[e.name] = '127.0.0.1';
  }
  return env;
}
