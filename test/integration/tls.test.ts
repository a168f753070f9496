// TLS and mTLS on the gRPC port: ALPN h2 and TLS >= 1.2, a client without a certificate is
// refused, a client certificate signed by the CA is accepted, and replaced files are served to
// new connections without a restart.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { validateConfig } from '../../src/config/load-config';
import { loadExternalScalerPackage } from '../../src/grpc/load-proto';
import { createLogger } from '../../src/telemetry/logger';
import { makeCa, makeLeaf } from '../helpers/certificates';

let dir: string;
let app: App;
let port: number;
const file = (name: string): string => join(dir, name);
const read = (name: string): Buffer => readFileSync(file(name));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kps-tls-'));
  makeCa(dir);
  makeLeaf(dir, 'server-a', 'scaler-a');
  makeLeaf(dir, 'server-b', 'scaler-b');
  makeLeaf(dir, 'keda', 'keda-operator', 'ca', true);
  makeCa(dir, 'other-ca');
  makeLeaf(dir, 'stranger', 'stranger', 'other-ca', true);
  copyFileSync(file('server-a.crt'), file('tls.crt'));
  copyFileSync(file('server-a.key'), file('tls.key'));
  app = createApp(
    validateConfig({
      grpcAddress: '127.0.0.1:0',
      httpAddress: '127.0.0.1:0',
      sources: [{ name: 'main', url: 'http://127.0.0.1:9' }],
      tls: {
        certFile: file('tls.crt'),
        keyFile: file('tls.key'),
        clientCaFile: file('ca.crt'),
        refreshInterval: '200ms',
      },
    }),
    { logger: createLogger('silent') },
  );
  ({ grpcPort: port } = await app.start());
});

afterAll(async () => {
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
});

function getMetricSpec(credentials: grpc.ChannelCredentials): Promise<unknown> {
  const { clientConstructor } = loadExternalScalerPackage();
  const client = new clientConstructor(`127.0.0.1:${port}`, credentials, {
    'grpc.use_local_subchannel_pool': 1,
    // The certificate names localhost; an IP is not a valid TLS ServerName (RFC 6066).
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
    client.GetMetricSpec(ref, { deadline: Date.now() + 3000 }, (e, r) =>
      e ? reject(e) : resolve(r),
    ),
  ).finally(() => client.close());
}

/** A raw TLS handshake, for what the handshake itself negotiates. */
function handshake(options: {
  cert?: Buffer;
  key?: Buffer;
  maxVersion?: 'TLSv1.1';
}): Promise<{ alpn: string | false | null; peer: PeerCertificate; protocol: string | null }> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      {
        host: '127.0.0.1',
        servername: 'localhost',
        port,
        ca: read('ca.crt'),
        ALPNProtocols: ['h2'],
        ...options,
      },
      () => {
        const result = {
          alpn: socket.alpnProtocol,
          peer: socket.getPeerCertificate(),
          protocol: socket.getProtocol(),
        };
        socket.end();
        resolve(result);
      },
    );
    socket.once('error', reject);
  });
}

test('a client certificate signed by the CA gets answers (KEDA with tlsClientCert/tlsClientKey)', async () => {
  const credentials = grpc.credentials.createSsl(
    read('ca.crt'),
    read('keda.key'),
    read('keda.crt'),
  );
  expect(await getMetricSpec(credentials)).toMatchObject({ metricSpecs: [{ targetSizeFloat: 1 }] });
});

test('a client without a certificate is refused', async () => {
  await expect(getMetricSpec(grpc.credentials.createSsl(read('ca.crt')))).rejects.toMatchObject({
    code: grpc.status.UNAVAILABLE,
  });
});

test('a client certificate from another CA is refused', async () => {
  const credentials = grpc.credentials.createSsl(
    read('ca.crt'),
    read('stranger.key'),
    read('stranger.crt'),
  );
  await expect(getMetricSpec(credentials)).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
});

test('the handshake negotiates ALPN h2 and refuses TLS 1.1', async () => {
  const ok = await handshake({ cert: read('keda.crt'), key: read('keda.key') });
  expect(ok.alpn).toBe('h2');
  expect(['TLSv1.2', 'TLSv1.3']).toContain(ok.protocol);
  await expect(
    handshake({ cert: read('keda.crt'), key: read('keda.key'), maxVersion: 'TLSv1.1' }),
  ).rejects.toThrow();
});

test('replaced certificate files are served to new connections without a restart', async () => {
  const before = await handshake({ cert: read('keda.crt'), key: read('keda.key') });
  expect(before.peer.subject.CN).toBe('scaler-a');
  // cert-manager writes the new pair into the mounted Secret.
  copyFileSync(file('server-b.crt'), file('tls.crt'));
  copyFileSync(file('server-b.key'), file('tls.key'));
  const deadline = Date.now() + 5000;
  let cn = before.peer.subject.CN;
  while (cn !== 'scaler-b' && Date.now() < deadline) {
    await new Promise(r => setTimeout(r, 100));
    cn = (await handshake({ cert: read('keda.crt'), key: read('keda.key') })).peer.subject.CN;
  }
  expect(cn).toBe('scaler-b');
  const credentials = grpc.credentials.createSsl(
    read('ca.crt'),
    read('keda.key'),
    read('keda.crt'),
  );
  expect(await getMetricSpec(credentials)).toMatchObject({ metricSpecs: [{ targetSizeFloat: 1 }] });
});
