// The schema of the server's own ports: TLS on the gRPC port (`tls:`), graceful shutdown
// (`shutdown:`) and the connection caps (`connections:`).
import { MissingRule, always, between, named, section } from './schema-reader';
import { count, duration, stringList, text } from './schema-fields';

/** Enough for KEDA's operator and a few other callers; each name at most a DNS name's length. */
const MAX_ALLOWED_CLIENT_NAMES = 64;

export const GrpcTls = Object.assign(
  between(
    section(
      {
        certFile: always(
          text({
            description: 'PEM certificate of the gRPC port; re-read on change (no restart).',
          }),
        ),
        keyFile: always(text({ description: 'PEM key of certFile.' })),
        clientCaFile: text({
          description: 'Set: clients must present a certificate this CA signed (mTLS).',
        }),
        /** cert-manager renews long before expiry; a minute is plenty and costs three stats. */
        refreshInterval: named(
          'refreshMs',
          duration({ default: '1m', description: 'How often the files are checked for a change.' }),
        ),
        // Any certificate the CA signed gets through the handshake; this keeps a stolen or
        // mis-issued one of another service out (issue "trust boundary": only KEDA may call).
        allowedClientNames: stringList({
          maxItems: MAX_ALLOWED_CLIENT_NAMES,
          description:
            'Set: a client certificate is accepted only when its subject CN or a DNS or URI SAN is one of these names exactly; other calls get PERMISSION_DENIED. Needs clientCaFile.',
        }),
      },
      {
        required: ['certFile', 'keyFile'],
        description:
          'TLS on the gRPC port. Unset: plaintext h2c, as KEDA dials without TLS material.',
      },
    ),
    (tls, path, problems) => {
      if (tls.allowedClientNames.length > 0 && tls.clientCaFile === undefined) {
        problems.push(
          `${path}.allowedClientNames: needs ${path}.clientCaFile (names are read from a client certificate, which only mTLS asks for)`,
        );
      }
      if (tls.allowedClientNames.length > MAX_ALLOWED_CLIENT_NAMES) {
        problems.push(
          `${path}.allowedClientNames: at most ${MAX_ALLOWED_CLIENT_NAMES} names, got ${tls.allowedClientNames.length}`,
        );
      }
    },
  ),
  { [MissingRule]: 'certFile and keyFile are both required' },
);

export const Shutdown = always(
  section(
    {
      /** Endpoints are updated asynchronously; 0 keeps tests and single replicas fast. */
      delay: named(
        'delayMs',
        duration(
          {
            default: '0s',
            description: 'After SIGTERM: time health reports NOT_SERVING while calls are served.',
          },
          0,
        ),
      ),
      /** Long enough for a query at KEDA's 3 s default timeout to finish. */
      grace: named(
        'graceMs',
        duration({ default: '5s', description: 'Then: time unary calls in flight get to finish.' }),
      ),
    },
    { description: 'Graceful shutdown after SIGTERM.' },
  ),
);

/**
 * Connection caps on both ports. An idle gRPC connection costs about 11 kB (RSS, measured with
 * 18,500), an HTTP one less; KEDA keeps one gRPC connection per operator or metrics-server pod.
 */
export const Connections = always(
  section(
    {
      /** 1,000 idle connections are about 11 MB, inside the memory budget. */
      grpcMax: count({
        default: 1000,
        description: 'Most gRPC connections open at once; more are closed as they arrive.',
      }),
      /** Far above KEDA's one connection per pod, a tenth of grpcMax. */
      grpcMaxPerClient: count({
        default: 100,
        description: 'Most gRPC connections open at once from one client address.',
      }),
      /** Probes, scrapes and webhooks need a handful. */
      httpMax: count({
        default: 256,
        description: 'Most HTTP connections open at once; more are closed as they arrive.',
      }),
      /** An eighth of httpMax, so the kubelet's probes still get through a one-client flood. */
      httpMaxPerClient: count({
        default: 32,
        description: 'Most HTTP connections open at once from one client address.',
      }),
    },
    { description: 'Connection caps on the gRPC and HTTP ports, in all and per client address.' },
  ),
);
