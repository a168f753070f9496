// Runs the marked command blocks of README.md and every docs/ page (check, simulate, serve + buf
// curl) against the real test Prometheus, so the documentation cannot drift from what the binary does.
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { docPages } from '../helpers/doc-pages';
import type { CommandBlock, OutputBlock } from '../helpers/readme-blocks';
import { containsLines, markedBlocks, outputBlocks, shellBlocks } from '../helpers/readme-blocks';

const ROOT = resolve(__dirname, '../..');
const PAGES = docPages();
const PROM_URL = process.env['KPS_TEST_PROMETHEUS_URL'] ?? '';
/** What the documented commands may read (test/ for docs/migrate.md's fixtures), linked into the scratch directory they run in. */
const LINKED = ['dist', 'deploy', 'node_modules', 'package.json', 'config.schema.json', 'test'];
/** The local Prometheus the documentation assumes (a port-forward), replaced by the test one. */
const DOCS_PROMETHEUS = 'http://127.0.0.1:9090';
const BLOCK_TIMEOUT_MS = 60_000;

let scratch: string;
/** A marked block with the page it is on. */
type PageBlock = CommandBlock & { page: string };
const blocksOf = (page: string, text: string): PageBlock[] =>
  markedBlocks(text).map(b => ({ ...b, page }));
const blocks: PageBlock[] = PAGES.flatMap(p => blocksOf(p.path, p.text));

beforeAll(() => {
  expect(PROM_URL).not.toBe('');
  scratch = mkdtempSync(join(tmpdir(), 'kps-readme-'));
  for (const name of LINKED) {
    if (existsSync(join(ROOT, name))) symlinkSync(join(ROOT, name), join(scratch, name));
  }
  // examples/ is copied: its configuration files name the documentation's local Prometheus too.
  cpSync(join(ROOT, 'examples'), join(scratch, 'examples'), { recursive: true });
  for (const entry of readdirSync(join(scratch, 'examples'), { recursive: true })) {
    const path = join(scratch, 'examples', String(entry));
    if (!/\.ya?ml$/.test(path)) continue;
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.split(DOCS_PROMETHEUS).join(PROM_URL));
  }
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const title = (b: PageBlock): string =>
  `${b.page} line ${b.line}: ${(b.commands[0] ?? '').slice(0, 70)}`;

/** Runs a block's commands in one bash (variables carry over) and returns each exit code. */
function runCommands(
  commands: string[],
  replace: [string, string][],
): { codes: number[]; output: string } {
  const substituted = commands.map(c =>
    replace.reduce((text, [from, to]) => text.split(from).join(to), c),
  );
  const script = substituted.map(c => `${c}\necho "::exit $?" >&3`).join('\n');
  const result = spawnSync('bash', ['-c', `exec 3>&1 1>&2\n${script}`], {
    cwd: scratch,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'], HOME: scratch },
    timeout: BLOCK_TIMEOUT_MS,
  });
  const codes = [...result.stdout.matchAll(/^::exit (\d+)$/gm)].map(m => Number(m[1]));
  return { codes, output: `${substituted.join('\n')}\n---\n${result.stderr.slice(-4000)}` };
}

function expectExits(block: PageBlock, replace: [string, string][]): void {
  const { codes, output } = runCommands(block.commands, replace);
  const expected = block.commands.map(() => block.exit);
  // Thrown rather than diffed, so that a failure prints what the commands said.
  if (JSON.stringify(codes) !== JSON.stringify(expected)) {
    throw new Error(
      `exit codes [${codes.join(', ')}], expected [${expected.join(', ')}]\n${output}`,
    );
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolvePort(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

async function waitReady(httpPort: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error('serve did not answer /readyz with 200 within 20 s');
}

test('the documentation marks its runnable blocks: every check and simulate, and a serve with a client', () => {
  const unmarked = PAGES.flatMap(p =>
    shellBlocks(p.text)
      .filter(b => b.marker === undefined && /main\.js (check|simulate)\b/.test(b.text))
      .map(b => `${p.path} line ${b.line}`),
  );
  expect(unmarked).toEqual([]);
  // A block shown but not run must say why: it talks to a cluster (a port-forward).
  const notCluster = blocks.filter(
    b => b.kind === 'cluster' && !b.commands.some(c => /kubectl|port-forward/.test(c)),
  );
  expect(notCluster.map(b => `${b.page} line ${b.line}`)).toEqual([]);
  const kinds = blocks.map(b => b.kind);
  expect(kinds.filter(k => k === 'run').length).toBeGreaterThanOrEqual(4);
  expect(kinds).toContain('serve');
  expect(kinds).toContain('client');
  for (const b of blocks) {
    if (b.kind === 'serve') expect(b.commands).toEqual([expect.stringMatching(/main\.js serve/)]);
    if (b.kind === 'client') {
      const before = blocks.filter(x => x.page === b.page && x.line < b.line && x.kind !== 'run');
      expect(before[before.length - 1]?.kind).toMatch(/serve|client/);
    }
  }
});

for (const block of blocks.filter(b => b.kind === 'run')) {
  test(`${title(block)}: every command exits ${block.exit}`, () => {
    expectExits(block, [[DOCS_PROMETHEUS, PROM_URL]]);
  });
}

const outputs: (OutputBlock & { page: string; run: PageBlock })[] = PAGES.flatMap(p =>
  outputBlocks(p.text, p.path).map(o => ({ ...o, page: p.path, run: { ...o.run, page: p.path } })),
);

test('the documentation shows real output for its replays', () => {
  expect(outputs.length).toBeGreaterThanOrEqual(3);
});

for (const shown of outputs) {
  test(`${shown.page} line ${shown.line}: the output shown is what ${title(shown.run)} prints`, () => {
    const script = shown.run.commands.map(c => c.split(DOCS_PROMETHEUS).join(PROM_URL));
    const result = spawnSync('bash', ['-c', script.join('\n')], {
      cwd: scratch,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'], HOME: scratch },
      timeout: BLOCK_TIMEOUT_MS,
    });
    // Thrown rather than diffed, so that a failure prints the whole output.
    if (!containsLines(result.stdout, shown.expected)) {
      throw new Error(
        `${shown.page} shows:\n${shown.expected.join('\n')}\n--- but stdout was:\n${result.stdout}\n${result.stderr.slice(-2000)}`,
      );
    }
  });
}

for (const serveBlock of blocks.filter(b => b.kind === 'serve')) {
  describe(title(serveBlock), () => {
    const clients = blocks.filter(
      b =>
        b.kind === 'client' &&
        b.page === serveBlock.page &&
        b.line > serveBlock.line &&
        !blocks.some(
          s =>
            s.kind === 'serve' &&
            s.page === serveBlock.page &&
            s.line > serveBlock.line &&
            s.line < b.line,
        ),
    );
    let child: ChildProcess | undefined;
    let ports: { grpc: number; http: number };

    beforeAll(async () => {
      ports = { grpc: await freePort(), http: await freePort() };
      const command = (serveBlock.commands[0] ?? '').split(DOCS_PROMETHEUS).join(PROM_URL);
      child = spawn(
        'bash',
        [
          '-c',
          `exec ${command} --grpc-address 127.0.0.1:${ports.grpc} --http-address 127.0.0.1:${ports.http}`,
        ],
        { cwd: scratch, env: { PATH: process.env['PATH'], HOME: scratch }, stdio: 'ignore' },
      );
      await waitReady(ports.http, child);
    }, 30_000);

    afterAll(async () => {
      if (child?.exitCode === null) {
        const exited = new Promise(r => child?.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    });

    test('has a client block after it', () => {
      expect(clients.length).toBeGreaterThan(0);
    });

    for (const client of clients) {
      test(`client ${title(client)}: every command exits ${client.exit}`, () => {
        expectExits(client, [
          [DOCS_PROMETHEUS, PROM_URL],
          ['127.0.0.1:6000', `127.0.0.1:${ports.grpc}`],
          ['localhost:6000', `127.0.0.1:${ports.grpc}`],
          ['127.0.0.1:8080', `127.0.0.1:${ports.http}`],
          ['localhost:8080', `127.0.0.1:${ports.http}`],
        ]);
      });
    }
  });
}
