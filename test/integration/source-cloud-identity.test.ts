// Azure and Google auth run their real SDK token flows against loopback identity endpoints, set
// the way the SDKs document (Azure: IDENTITY_ENDPOINT/IDENTITY_HEADER; Google: GCE_METADATA_HOST),
// and the tokens they fetch reach Prometheus through a gate that accepts only those tokens. Each
// test has its own endpoint, gate and scaler: what it counts was caused by it alone.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instance as gaxios } from 'gaxios';
import { createLogger } from '../../src/telemetry/logger';
import type { IdentityEndpoint, Recorded, StandIn } from '../helpers/auth-stand-ins';
import { bearerCheck, startGate, startIdentityEndpoint } from '../helpers/auth-stand-ins';
import { EXPECTED } from '../helpers/fixtures';
import { distinctQueries, exampleAuth, startScaler } from '../helpers/scaler-app';

const PROM_URL = process.env['KPS_TEST_PROMETHEUS_URL'] ?? '';
const SUM = EXPECTED.queueDepth.q1 + EXPECTED.queueDepth.q2;
const IDENTITY_HEADER = 'ih-7d1e9c0b5a4f3e2d';

const savedEnv = { ...process.env };
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'kps-cloud-'));
  for (const k of Object.keys(process.env)) {
    if (/^(AZURE_|MSI_|IDENTITY_|IMDS_|GOOGLE_|GCE_|GCLOUD|CLOUDSDK_)/.test(k))
      delete process.env[k];
  }
  process.env['HOME'] = dir;
  process.env['CLOUDSDK_CONFIG'] = dir;
  // Jest runs test modules in a vm without dynamic import(), with which gaxios (the HTTP client of
  // google-auth-library) loads node-fetch unless given a fetch; Node's own fetch stands in here.
  gaxios.defaults.fetchImplementation = fetch;
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  process.env = savedEnv;
});

/** One test's own identity endpoint, gate, scaler (with the one source) and log lines. */
interface World {
  identity: IdentityEndpoint;
  gate: StandIn;
  lines: string[];
  value: (source: string) => Promise<number>;
  answers: string[];
  stop(): Promise<void>;
}

/** An identity endpoint and a gate in front of Prometheus that lets only its tokens through. */
async function startIdentityAndGate(): Promise<{ identity: IdentityEndpoint; gate: StandIn }> {
  const identity = await startIdentityEndpoint({
    identityHeader: IDENTITY_HEADER,
    lifetimeS: 3600,
  });
  const gate = await startGate(
    PROM_URL,
    bearerCheck(t => identity.valid(t)),
  );
  return { identity, gate };
}

async function startWorld(source: 'azure' | 'google'): Promise<World> {
  const { identity, gate } = await startIdentityAndGate();
  // Azure App Service's managed identity endpoint (read by @azure/identity via MSAL).
  process.env['IDENTITY_ENDPOINT'] = `${identity.url}/msi/token`;
  process.env['IDENTITY_HEADER'] = IDENTITY_HEADER;
  // Google's metadata server (read by google-auth-library via gcp-metadata); no gcloud files.
  process.env['GCE_METADATA_HOST'] = `127.0.0.1:${identity.port}`;
  const lines: string[] = [];
  const sink = { write: (s: string) => void lines.push(s) };
  const scaler = await startScaler(
    // A bound on a hang only: the SDKs' first token fetch can take seconds on a loaded machine,
    // and the default 3s source timeout then failed a correct flow.
    [{ name: source, url: gate.url, auth: exampleAuth(`${source}.yaml`), timeout: '20s' }],
    createLogger('trace', sink),
  );
  const { value, answers } = distinctQueries(() => scaler);
  return {
    identity,
    gate,
    lines,
    value,
    answers,
    stop: async () => {
      await scaler.stop();
      await Promise.all([identity.close(), gate.close()]);
    },
  };
}

/** The statuses the gate gave this test's queries (not any readiness probe's). */
function queriesThrough(gate: StandIn): number[] {
  return gate.requests.filter(r => r.url.includes('kps_test_queue_depth')).map(r => r.status);
}

/** No fetched token nor the identity header in this world's trace-level logs or gRPC answers. */
function expectNoSecretShown(world: World): void {
  const seen = [...world.lines, ...world.answers].join('\n');
  for (const secret of [...world.identity.issued, IDENTITY_HEADER]) {
    expect(seen).not.toContain(secret);
  }
}

/**
 * Two queries through `source` in a world of their own: both answered through the gate with the
 * one token issued, fetched by one request (returned), and no secret shown anywhere.
 */
async function twoQueriesOneToken(
  source: 'azure' | 'google',
  isTokenRequest: (r: Recorded) => boolean,
): Promise<Recorded> {
  const world = await startWorld(source);
  try {
    expect(await world.value(source)).toBe(SUM);
    expect(await world.value(source)).toBe(SUM);
    const token = world.identity.requests.filter(isTokenRequest);
    expect(token.map(r => r.status)).toEqual([200]);
    expect(world.identity.issued).toHaveLength(1);
    // Both answered through the gate with that one token; a refresh ahead at a cache bucket's
    // end (a slow machine can cross one between the two calls) is a third query with it too.
    const through = queriesThrough(world.gate);
    expect(through.length).toBeGreaterThanOrEqual(2);
    expect(new Set(through)).toEqual(new Set([200]));
    expectNoSecretShown(world);
    return token[0]!;
  } finally {
    await world.stop();
  }
}

test('azure: a managed identity token for the Azure Monitor scope, fetched once, reused, never shown', async () => {
  const msi = await twoQueriesOneToken('azure', r => r.url.startsWith('/msi/'));
  expect(new URL(msi.url, 'http://x').searchParams.get('resource')).toBe(
    'https://prometheus.monitor.azure.com',
  );
});

test('google: a metadata server token with the monitoring.read scope, fetched once, reused, never shown', async () => {
  const token = await twoQueriesOneToken('google', r =>
    r.url.includes('/service-accounts/default/token'),
  );
  expect(token.url).toContain(
    encodeURIComponent('https://www.googleapis.com/auth/monitoring.read'),
  );
});

test('the gate refuses a request without a fetched token (the check is not vacuous)', async () => {
  const { identity, gate } = await startIdentityAndGate();
  try {
    const res = await fetch(`${gate.url}/api/v1/query?query=up`, {
      headers: { authorization: 'Bearer not-issued' },
    });
    expect(res.status).toBe(401);
  } finally {
    await Promise.all([identity.close(), gate.close()]);
  }
});
