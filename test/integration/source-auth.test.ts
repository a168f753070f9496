// Source authentication proven on the wire: SigV4 checked by a stand-in that recomputes the
// signature with aws4 (GET, POST form, path prefix, keys rotated on disk), OAuth2 against a token
// endpoint with short-lived tokens (reuse, refresh before expiry, single flight, recovery), and
// no secret in trace-level logs or gRPC answers.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/telemetry/logger';
import type { AwsKeys, StandIn, TokenEndpoint } from '../helpers/auth-stand-ins';
import { bearerCheck, sigV4Check, startGate, startTokenEndpoint } from '../helpers/auth-stand-ins';
import { EXPECTED } from '../helpers/fixtures';
import type { RunningScaler } from '../helpers/scaler-app';
import { distinctQueries, exampleAuth, startScaler } from '../helpers/scaler-app';

const PROM_URL = process.env['KPS_TEST_PROMETHEUS_URL'] ?? '';
const REGION = 'eu-west-1'; // the region in examples/sources/amazon.yaml
const PREFIX = '/workspaces/ws-7f3c2a1b-0000-4000-8000-000000000001';
const SUM = EXPECTED.queueDepth.q1 + EXPECTED.queueDepth.q2;

const KEYS_A: AwsKeys = {
  accessKeyId: 'AKIAKPSTESTAAAAAAAAA',
  secretAccessKey: 'sak-a-0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c',
};
const KEYS_B: AwsKeys = {
  accessKeyId: 'AKIAKPSTESTBBBBBBBBB',
  secretAccessKey: 'sak-b-9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b',
  sessionToken: 'sess-b-2f3e4d5c6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f1e',
};
const CLIENT_SECRET = 'cs-51f0e2d3c4b5a6978877665544332211';
/** Lifetime of the stand-in's tokens (s): short, so refresh and expiry happen within the test. */
const TOKEN_LIFETIME_S = 3;

let dir: string;
let keys: AwsKeys;
let sigGate: StandIn;
let tokens: TokenEndpoint;
let bearerGate: StandIn;
let scaler: RunningScaler;
const lines: string[] = [];
const { value, failure, answers } = distinctQueries(() => scaler);
const savedEnv = { ...process.env };

function writeCredentials(k: AwsKeys): void {
  const lines = [
    '[default]',
    `aws_access_key_id = ${k.accessKeyId}`,
    `aws_secret_access_key = ${k.secretAccessKey}`,
    ...(k.sessionToken !== undefined ? [`aws_session_token = ${k.sessionToken}`] : []),
  ];
  writeFileSync(join(dir, 'credentials'), `${lines.join('\n')}\n`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kps-auth-'));
  keys = KEYS_A;
  writeCredentials(KEYS_A);
  writeFileSync(join(dir, 'client-secret'), `${CLIENT_SECRET}\n`);
  // Only the shared credentials file may supply AWS keys here.
  for (const k of Object.keys(process.env)) if (k.startsWith('AWS_')) delete process.env[k];
  process.env['AWS_SHARED_CREDENTIALS_FILE'] = join(dir, 'credentials');
  process.env['AWS_CONFIG_FILE'] = join(dir, 'no-config');
  process.env['AWS_EC2_METADATA_DISABLED'] = 'true';

  sigGate = await startGate(
    PROM_URL,
    sigV4Check(() => keys, REGION),
    PREFIX,
  );
  tokens = await startTokenEndpoint({
    clientId: 'keda-prometheus-scaler',
    clientSecret: () => CLIENT_SECRET,
    lifetimeS: TOKEN_LIFETIME_S,
  });
  bearerGate = await startGate(
    PROM_URL,
    bearerCheck(t => tokens.valid(t)),
  );
  const sink = { write: (s: string) => void lines.push(s) };
  scaler = await startScaler(
    [
      { name: 'amp', url: `${sigGate.url}${PREFIX}`, auth: exampleAuth('amazon.yaml') },
      {
        name: 'amp-wrong-region',
        url: `${sigGate.url}${PREFIX}`,
        auth: { sigv4: { region: 'us-east-1' } },
      },
      {
        name: 'oauth',
        url: bearerGate.url,
        auth: {
          oauth2: {
            ...exampleAuth('oauth2.yaml').oauth2,
            tokenUrl: `${tokens.url}/oauth2/token`,
            clientSecretFile: join(dir, 'client-secret'),
          },
        },
      },
    ],
    createLogger('trace', sink),
    // While the token endpoint is down, the cache's refresh-ahead of earlier queries fails too
    // and would open the breaker; the outage test wants to see the auth error itself.
    { breaker: { failureThreshold: 1000 } },
  );
});

afterAll(async () => {
  await scaler.stop();
  await Promise.all([sigGate.close(), tokens.close(), bearerGate.close()]);
  rmSync(dir, { recursive: true, force: true });
  process.env = savedEnv;
});

describe('sigv4', () => {
  test('a GET with the workspace path prefix passes the signature check', async () => {
    sigGate.requests.length = 0;
    expect(await value('amp')).toBe(SUM);
    const [req] = sigGate.requests;
    expect(req).toMatchObject({ method: 'GET', status: 200 });
    expect(req!.url.startsWith(`${PREFIX}/api/v1/query?`)).toBe(true);
    expect(String(req!.headers['authorization'])).toContain(`${KEYS_A.accessKeyId}/`);
  });

  test('a POST form body is signed too', async () => {
    sigGate.requests.length = 0;
    expect(await value('amp', { httpMethod: 'POST' })).toBe(SUM);
    expect(sigGate.requests[0]).toMatchObject({ method: 'POST', status: 200 });
    expect(sigGate.requests[0]!.body).toContain('query=sum');
  });

  test('a signature for another region is refused with 403 and reported UNAVAILABLE', async () => {
    sigGate.requests.length = 0;
    const err = await failure('amp-wrong-region');
    expect(err.code).toBe(14);
    expect(sigGate.requests.map(r => r.status)).toEqual([403]);
  });

  test('keys rotated on disk are used within seconds, the request signed with the new ones', async () => {
    // As with IAM rotation: new keys are written (and valid) before the old ones are revoked.
    writeCredentials(KEYS_B);
    await new Promise(r => setTimeout(r, 1500));
    keys = KEYS_B;
    sigGate.requests.length = 0;
    expect(await value('amp')).toBe(SUM);
    const [req] = sigGate.requests;
    expect(req!.status).toBe(200);
    expect(String(req!.headers['authorization'])).toContain(`${KEYS_B.accessKeyId}/`);
    expect(req!.headers['x-amz-security-token']).toBe(KEYS_B.sessionToken);
  });
});

describe('oauth2', () => {
  test('one token serves concurrent queries: a single request to the token endpoint', async () => {
    const before = tokens.requests.length;
    tokens.delayMs = 200;
    const values = await Promise.all([1, 2, 3, 4, 5].map(() => value('oauth')));
    tokens.delayMs = 0;
    expect(values).toEqual([SUM, SUM, SUM, SUM, SUM]);
    expect(tokens.requests.length - before).toBe(1);
    const form = new URLSearchParams(tokens.requests.at(-1)!.body);
    expect(form.get('scope')).toBe('metrics.read');
    expect(form.get('audience')).toBe('prometheus');
    // Reuse: later queries while the token is fresh ask the endpoint nothing.
    await value('oauth');
    expect(tokens.requests.length - before).toBe(1);
  });

  test('the token is refreshed before it expires: the gate never sees an expired one', async () => {
    const before = tokens.issued.length;
    const end = Date.now() + TOKEN_LIFETIME_S * 1000 * 1.5;
    while (Date.now() < end) {
      expect(await value('oauth')).toBe(SUM);
      await new Promise(r => setTimeout(r, 200));
    }
    expect(tokens.issued.length).toBeGreaterThan(before);
    expect(bearerGate.requests.filter(r => r.status !== 200)).toEqual([]);
  });

  test('a failing token endpoint gives UNAVAILABLE once the token expired, then recovers', async () => {
    tokens.failing = true;
    await new Promise(r => setTimeout(r, TOKEN_LIFETIME_S * 1000 + 100));
    const err = await failure('oauth');
    expect(err.code).toBe(14);
    expect(err.details).toContain('oauth2: the token endpoint answered HTTP 503');
    tokens.failing = false;
    expect(await value('oauth')).toBe(SUM);
  });
});

test('no secret appears in trace-level logs or gRPC answers', () => {
  const seen = [...lines, ...answers].join('\n');
  expect(lines.length).toBeGreaterThan(0);
  const secrets = [
    KEYS_A.secretAccessKey,
    KEYS_B.secretAccessKey,
    KEYS_B.sessionToken!,
    CLIENT_SECRET,
    ...tokens.issued.map(t => t.token),
  ];
  for (const secret of secrets) expect(seen).not.toContain(secret);
});

test('the cloud SDKs are loaded only when a source uses their mode: serve starts without them', () => {
  // The built app (global setup builds dist/), required in a fresh Node process.
  const loaded = execFileSync(
    process.execPath,
    [
      '-e',
      "require('./dist/src/app.js'); process.stdout.write(String(Object.keys(require.cache)" +
        '.filter(k => /@smithy|@aws-sdk|@azure|google-auth-library/.test(k)).length))',
    ],
    { cwd: join(__dirname, '../..'), encoding: 'utf8' },
  );
  expect(loaded).toBe('0');
});
