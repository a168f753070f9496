// The repository stands alone: nothing it tracks points at documents or folders beside a clone
// (a research folder, planning notes, numbered work items), which a maintainer could not follow.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/** What such a reference looks like; cite an upstream file, issue or doc page instead. */
const OUTSIDE = [
  /\.\.\/shared\b/,
  /\b(keda|toolchain|anchors|style|env)\.md\b/,
  /\bissue \d+\b/i,
  /\bresearch\/[a-z-]+\.md\b/,
];

/** Files that name the patterns on purpose. */
const ALLOWED = new Set(['test/unit/self-contained.test.ts', 'package-lock.json']);

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(f => f !== '' && !ALLOWED.has(f) && !/\.(png|ico|gz)$/.test(f));
}

/** Each tracked text file with its content; one listed by git but not checked out is skipped. */
function* trackedTexts(): Generator<[string, string]> {
  for (const file of trackedFiles()) {
    try {
      yield [file, readFileSync(join(ROOT, file), 'utf8')];
    } catch {
      // listed by git but not in this checkout (e.g. deleted, not yet committed)
    }
  }
}

test('no tracked file refers to a document outside the repository', () => {
  const found: string[] = [];
  for (const [file, text] of trackedTexts()) {
    text.split('\n').forEach((line, i) => {
      if (OUTSIDE.some(p => p.test(line)))
        found.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
    });
  }
  expect(found).toEqual([]);
});

test('the check itself sees a reference when one is there', () => {
  // Assembled, so this file does not itself hold a reference a repository scan would report.
  expect(OUTSIDE.some(p => p.test(`see ${['keda', 'md'].join('.')} 2.4`))).toBe(true);
  expect(OUTSIDE.some(p => p.test('the order of issue 5'))).toBe(true);
  expect(OUTSIDE.some(p => p.test('kedacore/keda #8056'))).toBe(false);
});

test('every "Section" a file cites in the README or a docs/ page is a heading there', () => {
  const headingsOf = (page: string): string[] =>
    readFileSync(join(ROOT, page), 'utf8')
      .split('\n')
      .filter(l => /^#{1,6} /.test(l))
      .map(l => l.replace(/^#+ /, '').replace(/`/g, ''));
  // "Errors" may name "Errors and gRPC statuses": the start of a heading, at a word boundary.
  const known = (page: string, name: string): boolean =>
    existsSync(join(ROOT, page)) &&
    headingsOf(page).some(h => h === name || h.startsWith(`${name} `));
  const broken: string[] = [];
  let cited = 0;
  for (const [file, text] of trackedTexts()) {
    for (const m of text.matchAll(/\b(README|docs\/[\w-]+\.md) "([^"\n]+)"/g)) {
      cited++;
      const page = m[1] === 'README' ? 'README.md' : m[1]!;
      if (!known(page, m[2]!)) broken.push(`${file}: ${m[1]} "${m[2]}"`);
    }
  }
  expect(cited).toBeGreaterThan(10);
  expect(broken).toEqual([]);
});
