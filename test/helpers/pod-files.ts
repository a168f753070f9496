// Lays out the files a pod of a rendered Deployment sees, as the kubelet would mount them, under a
// root folder: each volumeMount's ConfigMap or Secret written key by key, an optional Secret that
// does not exist as an empty folder, a required one that does not exist refused (the pod would not
// start). Then starts the real built `serve` on that layout and waits for /readyz.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Manifest } from './kubernetes-schemas';
import { freePort } from './prometheus';

// What the image runs (Dockerfile ENTRYPOINT): the esbuild bundle, built by the integration setup.
const BIN = join(__dirname, '../../dist/bundle/main.js');

/** Secret contents that exist in the cluster: name -> key -> text. */
export type ClusterSecrets = Record<string, Record<string, string>>;

interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string; optional?: boolean };
}
interface PodSpec {
  containers: {
    args: string[];
    volumeMounts?: { name: string; mountPath: string }[];
  }[];
  volumes?: Volume[];
}

/** The pod's view of its mounts under `root`; returns the container's args with paths re-rooted. */
export function layOutPod(
  docs: Manifest[],
  secrets: ClusterSecrets,
  root: string,
): { args: string[]; configText: string } {
  const deployment = docs.find(d => d.kind === 'Deployment') as
    (Manifest & { spec: { template: { spec: PodSpec } } }) | undefined;
  if (deployment === undefined) throw new Error('no Deployment rendered');
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0]!;
  for (const mount of container.volumeMounts ?? []) {
    const volume = (pod.volumes ?? []).find(v => v.name === mount.name);
    if (volume === undefined) throw new Error(`volumeMount ${mount.name} has no volume`);
    const dir = join(root, mount.mountPath);
    mkdirSync(dir, { recursive: true });
    let files: Record<string, string> | undefined;
    if (volume.configMap !== undefined) {
      const configMap = docs.find(
        d => d.kind === 'ConfigMap' && d.metadata?.name === volume.configMap!.name,
      ) as (Manifest & { data: Record<string, string> }) | undefined;
      if (configMap === undefined) throw new Error(`ConfigMap ${volume.configMap.name} missing`);
      files = configMap.data;
    } else if (volume.secret !== undefined) {
      files = secrets[volume.secret.secretName];
      if (files === undefined && volume.secret.optional !== true) {
        throw new Error(`Secret ${volume.secret.secretName} does not exist: the pod cannot start`);
      }
    }
    for (const [key, text] of Object.entries(files ?? {})) writeFileSync(join(dir, key), text);
  }
  // Every absolute path the pod would read now lives under root.
  const reroot = (text: string): string =>
    text.replaceAll('/etc/keda-prometheus-scaler/', `${root}/etc/keda-prometheus-scaler/`);
  const configArg = container.args.indexOf('--config');
  const configPath = container.args[configArg + 1]!;
  const configFile = join(root, configPath);
  const configText = reroot(readFileSync(configFile, 'utf8'));
  writeFileSync(configFile, configText);
  return { args: container.args.map(reroot), configText };
}

export interface ServeResult {
  readyzStatus: number;
  output: string;
}

/**
 * Runs `node dist/bundle/main.js <args>` (the image's entry) with the listen addresses moved to free loopback ports (the
 * rendered 0.0.0.0:6000 would clash with other tests) until /readyz answers 200 or 15 s pass,
 * then stops it.
 */
export async function serveUntilReady(
  args: string[],
  env: Record<string, string> = {},
): Promise<ServeResult> {
  const grpcPort = await freePort();
  const httpPort = await freePort();
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      PATH: process.env['PATH'],
      SCALER_GRPC_ADDRESS: `127.0.0.1:${grpcPort}`,
      SCALER_HTTP_ADDRESS: `127.0.0.1:${httpPort}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr.on('data', (b: Buffer) => (output += b.toString()));
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  let readyzStatus = 0;
  let running = true;
  void exited.then(() => (running = false));
  try {
    const deadline = Date.now() + 15_000;
    while (running && Date.now() < deadline) {
      try {
        readyzStatus = (await fetch(`http://127.0.0.1:${httpPort}/readyz`)).status;
        if (readyzStatus === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise(r => setTimeout(r, 100));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
  return { readyzStatus, output };
}
