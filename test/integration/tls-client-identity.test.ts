// tls.allowedClientNames on the mTLS port: a certificate the same CA signed for another service
// gets through the handshake but every call is refused (PERMISSION_DENIED, one clear log line),
// while KEDA's certificate, named by its subject CN or a SAN, is answered. Real certificates
// (openssl), a grpc-js client and `buf curl` (Go's gRPC stack, as KEDA's).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { ConfigError, validateConfig } from '../../src/config/load-config';
import { loadExternalScalerPackage } from '../../src/grpc/load-proto';
import { createLogger } from '../../src/telemetry/logger';
import { bufCurlTls } from '../helpers/buf-curl';
import { makeCa, makeLeaf } from '../helpers/certificates';

const KEDA_SPIFFE_ID = 'spiffe://cluster.local/ns/keda/sa/keda-operator';

let dir: string;
let app: App;
let port: number;
const logs: Record<string, unknown>[] = [];
const file = (name: string): string => join(dir, name);
const read = (name: string): Buffer => readFileSync(file(name));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kps-client-identity-'));
  makeCa(dir);
  makeLeaf(dir, 'server', 'scaler');
  // KEDA's certificate as deploy/components/mtls issues it (commonName keda-operator).
  makeLeaf(dir, 'keda', 'keda-operator', 'ca', true);
  // Named only by a SAN (a SPIFFE/mesh-style identity), with an unrelated CN.
  makeLeaf(dir, 'keda-san', 'workload-7f3a', 'ca', true, `URI:${KEDA_SPIFFE_ID},DNS:keda.example`);
  // Another service's certificate from the same CA: a valid client, just not KEDA.
  makeLeaf(dir, 'payments', 'payments-api', 'ca', true, 'DNS:payments.shop.svc');
  const sink = { write: (s: string) => void logs.push(JSON.parse(s) as Record<string, unknown>) };
  app = createApp(
    validateConfig({
      grpcAddress: '127.0.0.1:0',
      httpAddress: '127.0.0.1:0',
      sources: [{ name: 'main', url: 'http://127.0.0.1:9' }],
      tls: {
        certFile: file('server.crt'),
        keyFile: file('server.key'),
        clientCaFile: file('ca.crt'),
        allowedClientNames: ['keda-operator', KEDA_SPIFFE_ID],
      },
    }),
    { logger: createLogger('info', sink) },
  );
  ({ grpcPort: port } = await app.start());
});

afterAll(async () => {
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
});

function getMetricSpec(client: string): Promise<unknown> {
  const credentials = grpc.credentials.createSsl(
    read('ca.crt'),
    read(`${client}.key`),
    read(`${client}.crt`),
  );
  const { clientConstructor } = loadExternalScalerPackage();
  const stub = new clientConstructor(`127.0.0.1:${port}`, credentials, {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.ssl_target_name_override': 'localhost',
    'grpc.default_authority': 'localhost',
  }) as unknown as grpc.Client & {
    GetMetricSpec: (
      r: unknown,
      o: grpc.CallOptions,
      cb: (e: grpc.ServiceError | null, r: unknown) => void,
    ) => void;
  };
  const ref = { name: 'so', namespace: 'ns', scalerMetadata: { query: 'up', threshold: '1' } };
  return new Promise<unknown>((resolve, reject) =>
    stub.GetMetricSpec(ref, { deadline: Date.now() + 3000 }, (e, r) =>
      e ? reject(e) : resolve(r),
    ),
  ).finally(() => stub.close());
}

const bufGetMetricSpec = (client: string) =>
  bufCurlTls([
    '--schema',
    join(__dirname, '../../proto/externalscaler.proto'),
    '--cacert',
    file('ca.crt'),
    '--cert',
    file(`${client}.crt`),
    '--key',
    file(`${client}.key`),
    '--servername',
    'localhost',
    '-d',
    JSON.stringify({
      name: 'so',
      namespace: 'ns',
      scalerMetadata: { query: 'up', threshold: '1' },
    }),
    `https://127.0.0.1:${port}/externalscaler.ExternalScaler/GetMetricSpec`,
  ]);

test("KEDA's certificate (subject CN keda-operator) is answered", async () => {
  expect(await getMetricSpec('keda')).toMatchObject({ metricSpecs: [{ targetSizeFloat: 1 }] });
});

test('a certificate named by an allowed URI SAN is answered', async () => {
  expect(await getMetricSpec('keda-san')).toMatchObject({ metricSpecs: [{ targetSizeFloat: 1 }] });
});

test("another service's certificate from the same CA is refused with PERMISSION_DENIED and one log line", async () => {
  await expect(getMetricSpec('payments')).rejects.toMatchObject({
    code: grpc.status.PERMISSION_DENIED,
    details: expect.stringMatching(
      /^client not allowed: certificate names "payments-api", "payments.shop.svc"; .*tls\.allowedClientNames/,
    ) as unknown,
  });
  // Retried as KEDA retries every poll: refused again, logged once.
  await expect(getMetricSpec('payments')).rejects.toMatchObject({
    code: grpc.status.PERMISSION_DENIED,
  });
  const refusals = logs.filter(l => String(l['msg']).startsWith('gRPC call refused'));
  expect(refusals).toHaveLength(1);
  expect(refusals[0]).toMatchObject({
    level: 40,
    clientNames: ['payments-api', 'payments.shop.svc'],
    reason: 'name not allowed',
  });
});

test('buf curl (Go gRPC): KEDA answered, the other service refused', async () => {
  const keda = await bufGetMetricSpec('keda');
  expect(keda.stderr).toBe('');
  expect(JSON.parse(keda.stdout)).toMatchObject({ metricSpecs: [{ targetSizeFloat: 1 }] });
  const payments = await bufGetMetricSpec('payments');
  expect(payments.code).not.toBe(0);
  expect(JSON.parse(payments.stderr)).toMatchObject({
    code: 'permission_denied',
    message: expect.stringContaining('"payments-api"') as unknown,
  });
});

test('allowedClientNames without clientCaFile is a configuration error naming both keys', () => {
  expect(() =>
    validateConfig({
      sources: [{ name: 'main', url: 'http://127.0.0.1:9' }],
      tls: { certFile: 'a', keyFile: 'b', allowedClientNames: ['keda-operator'] },
    }),
  ).toThrow(ConfigError);
  expect(() =>
    validateConfig({
      sources: [{ name: 'main', url: 'http://127.0.0.1:9' }],
      tls: { certFile: 'a', keyFile: 'b', allowedClientNames: ['keda-operator'] },
    }),
  ).toThrow(/tls\.allowedClientNames: needs tls\.clientCaFile/);
});
