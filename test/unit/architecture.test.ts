// The layering rules (.dependency-cruiser.cjs) catch a wrong import, a package in the wrong part
// and a cycle in a fixture, and say the same as docs/architecture.md. That src/ keeps them is
// `npm run lint:deps`'s job (npm run check runs it), so it is not cruised a second time here.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');

function cruise(cwd: string): { status: number | null; output: string } {
  if (!existsSync(DEPCRUISE)) {
    throw new Error(
      `${DEPCRUISE} is missing: run npm install (dependency-cruiser is a dev dependency)`,
    );
  }
  const r = spawnSync(DEPCRUISE, ['src', '--config', CONFIG], { cwd, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

interface RuleFile {
  allowed: { comment?: string }[];
  forbidden: { name: string }[];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const rules = require(CONFIG) as RuleFile;

/** "part -> a, b" comments of the allowed rules, as a map. */
function arrowsInRules(): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const rule of rules.allowed) {
    const m = /^(\w+) -> (.+)$/.exec(rule.comment ?? '');
    if (m !== null) out.set(m[1]!, m[2]!.split(', '));
  }
  return out;
}

/** The rows of a two-column table under a heading of docs/architecture.md. */
function tableUnder(heading: string): Map<string, string> {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const section = doc.split(`## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  const out = new Map<string, string>();
  for (const line of section.split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|\s*(.+?)\s*\|$/.exec(line);
    if (m !== null) out.set(m[1]!, m[2]!);
  }
  return out;
}

test('a wrong import, prom-client outside telemetry/, gRPC below the edge, a command loading the server and a cycle each fail the rules', () => {
  const r = cruise(join(ROOT, 'test', 'fixtures', 'architecture'));
  expect(r.status).not.toBe(0);
  expect(r.output).toMatch(/not-in-allowed: src\/push\/wrong-way\.ts → src\/scaler\/edge\.ts/);
  expect(r.output).toMatch(/only-telemetry-imports-prom-client: src\/http\/metrics\.ts/);
  expect(r.output).toMatch(/only-the-edge-imports-grpc: src\/errors\.ts/);
  expect(r.output).toMatch(/no-circular: src\/core\/a\.ts/);
  expect(r.output).toMatch(
    /commands-do-not-load-the-server: src\/cli\/check-command\.ts → src\/app\.ts/,
  );
}, 60_000);

test('docs/architecture.md lists the same arrows as the rules file', () => {
  const documented = tableUnder('Allowed arrows');
  const inRules = arrowsInRules();
  for (const [part, targets] of documented) {
    const expected = targets === '(nothing)' ? undefined : targets.split(', ');
    expect([part, inRules.get(part)]).toEqual([part, expected]);
  }
  expect([...inRules.keys()].filter(p => !documented.has(p))).toEqual([]);
});

test('every folder and root file of src/ is a documented part with a job', () => {
  const parts = readdirSync(join(ROOT, 'src'), { withFileTypes: true }).map(e =>
    e.isDirectory() ? e.name : e.name.replace(/\.ts$/, ''),
  );
  const jobs = tableUnder('Parts');
  const arrows = tableUnder('Allowed arrows');
  expect(parts.filter(p => !jobs.has(p) || !arrows.has(p))).toEqual([]);
  expect([...jobs.keys()].sort()).toEqual([...parts].sort());
});

test('the forbidden rules include no cycles and the package rules the page names', () => {
  expect(rules.forbidden.map(r => r.name)).toEqual([
    'no-circular',
    'commands-do-not-load-the-server',
    'only-prometheus-imports-undici',
    'only-telemetry-imports-pino',
    'only-telemetry-imports-prom-client',
    'only-the-edge-imports-grpc',
  ]);
});
