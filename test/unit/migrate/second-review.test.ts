// What a second new-user review of `migrate` found, each through the command's own function: a
// TriggerAuthentication's CA in every auth mode, reuse of --config sources with credentials,
// namespace scoping, server-managed fields, report and exit-code wording.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import type { MigrateReport } from '../../../src/migrate/report';
import { runMigrateCaptured as run } from '../../helpers/migrate-run';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'kps-migrate2-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One ScaledObject with a built-in trigger; `extra` is more metadata (flow-map text). */
const scaledObject = (name: string, namespace: string, extra: string, auth?: string): string =>
  `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  scaleTargetRef: {name: ${name}}
  triggers:
    - type: prometheus
${auth === undefined ? '' : `      authenticationRef: {name: ${auth}}\n`}      metadata: {query: sum(up), threshold: "4"${extra === '' ? '' : `, ${extra}`}}
`;

const bearerWithCa = `apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata: {name: tok-ca, namespace: shop}
spec:
  secretTargetRef:
    - {parameter: bearerToken, name: tok, key: token}
    - {parameter: ca, name: prom-ca, key: ca.crt}
---
`;

describe("a TriggerAuthentication's ca", () => {
  test('is the source tls.caFile whatever authModes says, copied into its Secret', async () => {
    const configOut = join(dir, 'ca.yaml');
    const r = await run(
      ['-', '--config-out', configOut, '--output', 'json'],
      bearerWithCa +
        scaledObject(
          'withca',
          'shop',
          'serverAddress: "https://prom.example:9090", authModes: bearer',
          'tok-ca',
        ),
    );
    expect(r.code).toBe(0);
    const written = parse(readFileSync(configOut, 'utf8')) as {
      sources: Record<string, unknown>[];
    };
    expect(written.sources[0]).toMatchObject({
      bearerTokenFile: '/etc/keda-prometheus-scaler/sources/prom-tok-ca/bearerToken',
      tls: { caFile: '/etc/keda-prometheus-scaler/sources/prom-tok-ca/ca.crt' },
    });
    const report = JSON.parse(r.err) as MigrateReport;
    expect(report.secrets[0]?.keys.map(k => k.key)).toEqual(['bearerToken', 'ca.crt']);
  });
});
