// The schema of `push:`: StreamIsActive intervals and caps, the Alertmanager webhook, and the
// peer replicas accepted alerts are forwarded to.
import { Type } from '@sinclair/typebox';
import type { Check } from './schema-reader';
import { always, between, leaf, named, reader, section } from './schema-reader';
import { count, duration, mebibytes, text } from './schema-fields';

/** One replica's address; an IPv6 host without its brackets. */
type HostPort = { host: string; port: number };

/** Where the peer replicas are: a DNS name looked up on each forward, or a fixed list. */
export type PeersConfig =
  ({ kind: 'dns' } & HostPort) | { kind: 'static'; addresses: readonly HostPort[] };

/** `host:port` with a port 1-65535; IPv6 hosts in brackets. */
function hostPort(text: string): HostPort | undefined {
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[2]);
  if (m === null || port < 1 || port > 65535) return undefined;
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** `dns:///name:port` or `static:///host:port,host:port`. */
const checkPeers: Check<PeersConfig> = v => {
  const rule =
    'must be dns:///<name>:<port> or static:///<host>:<port>[,<host>:<port>...] (e.g. dns:///keda-prometheus-scaler.keda.svc:8080)';
  if (typeof v !== 'string') return { rule };
  const m = /^(dns|static):\/\/\/(.+)$/.exec(v.trim());
  if (m === null) return { rule };
  if (m[1] === 'dns') {
    const target = hostPort(m[2]!);
    return target === undefined ? { rule } : { value: { kind: 'dns', ...target } };
  }
  const addresses = m[2]!.split(',').map(hostPort);
  return addresses.every(a => a !== undefined)
    ? { value: { kind: 'static', addresses } }
    : { rule };
};

export const Push = always(
  between(
    section(
      {
        /** Wakes a sleeping workload 6x sooner than KEDA's default 30 s pollingInterval. */
        activationInterval: named(
          'activationIntervalMs',
          duration({
            default: '5s',
            description: 'Default activationInterval for StreamIsActive.',
          }),
        ),
        /** One query per second per distinct activation query is the most a trigger may ask. */
        minActivationInterval: named(
          'minActivationIntervalMs',
          duration({
            default: '1s',
            description: 'The floor a trigger activationInterval cannot go below.',
          }),
        ),
        alertmanagerTokenFile: text({
          description:
            'File with the bearer token Alertmanager must send; unset: POST /alertmanager is off.',
        }),
        peers: leaf(
          Type.String({
            pattern: '^(dns|static):///.+$',
            description:
              'Replicas to forward accepted alerts to: `dns:///<service>:<port>` or `static:///<host>:<port>,...`; unset: none.',
          }),
          reader(checkPeers),
        ),
        /** A peer on the same network answers in milliseconds; a slower one is gone or stuck. */
        peerTimeout: named(
          'peerTimeoutMs',
          duration({
            default: '500ms',
            description: 'How long a forward to one peer may take before it is given up.',
          }),
        ),
        /**
         * Each StreamIsActive on a distinct query holds a watcher and about 40 KB of heap
         * (measured with 3,000 streams), so 5,000 stay well inside the Deployment's 384 MB heap.
         */
        maxStreams: count({
          default: 5000,
          description:
            'Most StreamIsActive and StreamMetricSpec streams open at once; more get RESOURCE_EXHAUSTED.',
        }),
        /** So that one namespace cannot take every stream from the others. */
        maxStreamsPerNamespace: count({
          default: 2000,
          description: 'Most streams open at once from one namespace; more get RESOURCE_EXHAUSTED.',
        }),
        /**
         * The Deployment's 384 MB heap (deploy/base/deployment.yaml --max-old-space-size) less
         * the result cache (128 MiB), the trigger memo (32 MiB), about 30 MB idle and room for
         * the collector. An ordinary stream is charged about 10 KiB (src/scaler/stream-bytes.ts),
         * so the 5,000 of maxStreams take under half of it; one with maximal metadata, about 800 KiB.
         */
        maxStreamBytes: mebibytes({
          defaultMiB: 96,
          description:
            'Estimated memory all open streams may keep (bytes: a fixed cost per stream plus its parsed trigger); more get RESOURCE_EXHAUSTED.',
        }),
        /** A third of maxStreamBytes: two namespaces with maximal metadata cannot fill it. */
        maxStreamBytesPerNamespace: mebibytes({
          defaultMiB: 32,
          description:
            'Estimated memory the open streams of one namespace may keep (bytes); more get RESOURCE_EXHAUSTED.',
        }),
        /** Alertmanager groups alerts; 1 MiB holds thousands of them. */
        alertmanagerMaxBodyBytes: mebibytes({
          defaultMiB: 1,
          description: 'Largest Alertmanager webhook body accepted (bytes).',
        }),
      },
      { description: 'StreamIsActive and Alertmanager push.' },
    ),
    (push, path, problems) => {
      if (push.activationIntervalMs < push.minActivationIntervalMs) {
        problems.push(
          `${path}.activationInterval: must not be below ${path}.minActivationInterval`,
        );
      }
    },
  ),
);
