// Azure and Google auth run their real SDK token flows against loopback identity endpoints, set
// the way the SDKs document (Azure: IDENTITY_ENDPOINT/IDENTITY_HEADER; Google: GCE_METADATA_HOST),
// and the tokens they fetch reach Prometheus through a gate that accepts only those tokens.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instance as gaxios } from 'gaxios';
import { createLogger } from '../../src/telemetry/logger';
import type { IdentityEndpoint, StandIn } from '../helpers/auth-stand-ins';
import { bearerCheck, startGate, startIdentityEndpoint } from '../helpers/auth-stand-ins';
import { EXPECTED } from '../helpers/fixtures';
import type { RunningScaler } from '../helpers/scaler-app';
import { distinctQueries, exampleAuth, startScaler } from '../helpers/scaler-app';

const PROM_URL = process.env['KPS_TEST_PROMETHEUS_URL'] ?? '';
const SUM = EXPECTED.queueDepth.q1 + EXPECTED.queueDepth.q2;
const IDENTITY_HEADER = 'ih-7d1e9c0b5a4f3e2d';

const savedEnv = { ...process.env };
let dir: string;
let identity: IdentityEndpoint;
let gate: StandIn;
let scaler: RunningScaler;
const lines: string[] = [];
const { value, answers } = distinctQueries(() => scaler);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kps-cloud-'));
  identity = await startIdentityEndpoint({ identityHeader: IDENTITY_HEADER, lifetimeS: 3600 });
  gate = await startGate(
    PROM_URL,
    bearerCheck(t => identity.valid(t)),
  );
  for (const k of Object.keys(process.env)) {
    if (/^(AZURE_|MSI_|IDENTITY_|IMDS_|GOOGLE_|GCE_|GCLOUD|CLOUDSDK_)/.test(k))
      delete process.env[k];
  }
  // Azure App Service's managed identity endpoint (read by @azure/identity via MSAL).
  process.env['IDENTITY_ENDPOINT'] = `${identity.url}/msi/token`;
  process.env['IDENTITY_HEADER'] = IDENTITY_HEADER;
  // Google's metadata server (read by google-auth-library via gcp-metadata); no gcloud files.
  process.env['GCE_METADATA_HOST'] = `127.0.0.1:${identity.port}`;
  process.env['HOME'] = dir;
  // Jest runs test modules in a vm without dynamic import(), with which gaxios (the HTTP client of
  // google-auth-library) loads node-fetch unless given a fetch; Node's own fetch stands in here.
  gaxios.defaults.fetchImplementation = fetch;
  process.env['CLOUDSDK_CONFIG'] = dir;
  const sink = { write: (s: string) => void lines.push(s) };
  scaler = await startScaler(
    [
      // A bound on a hang only: the SDKs' first token fetch can take seconds on a loaded machine,
      // and the default 3s source timeout then failed a correct flow.
      { name: 'azure', url: gate.url, auth: exampleAuth('azure.yaml'), timeout: '20s' },
      { name: 'google', url: gate.url, auth: exampleAuth('google.yaml'), timeout: '20s' },
    ],
    createLogger('trace', sink),
  );
});

afterAll(async () => {
  await scaler.stop();
  await Promise.all([identity.close(), gate.close()]);
  rmSync(dir, { recursive: true, force: true });
  process.env = savedEnv;
});

test('azure: a managed identity token for the Azure Monitor scope, fetched once and reused', async () => {
  const before = identity.requests.filter(r => r.url.startsWith('/msi/')).length;
  expect(await value('azure')).toBe(SUM);
  expect(await value('azure')).toBe(SUM);
  const msi = identity.requests.filter(r => r.url.startsWith('/msi/')).slice(before);
  expect(msi.map(r => r.status)).toEqual([200]);
  expect(new URL(msi[0]!.url, 'http://x').searchParams.get('resource')).toBe(
    'https://prometheus.monitor.azure.com',
  );
});

test('google: a metadata server token with the monitoring.read scope, fetched once and reused', async () => {
  const isToken = (r: { url: string }): boolean =>
    r.url.includes('/service-accounts/default/token');
  // Only this test's requests: counts from earlier tests are theirs.
  const before = identity.requests.filter(isToken).length;
  expect(await value('google')).toBe(SUM);
  expect(await value('google')).toBe(SUM);
  const token = identity.requests.filter(isToken).slice(before);
  expect(token.map(r => r.status)).toEqual([200]);
  expect(token[0]!.url).toContain(
    encodeURIComponent('https://www.googleapis.com/auth/monitoring.read'),
  );
});

test('the gate refuses a request without a fetched token (the check is not vacuous)', async () => {
  const res = await fetch(`${gate.url}/api/v1/query?query=up`, {
    headers: { authorization: 'Bearer not-issued' },
  });
  expect(res.status).toBe(401);
});

test('no fetched token or identity header appears in trace-level logs or gRPC answers', () => {
  const seen = [...lines, ...answers].join('\n');
  expect(identity.issued.length).toBeGreaterThanOrEqual(2);
  for (const secret of [...identity.issued, IDENTITY_HEADER]) expect(seen).not.toContain(secret);
});
