// The repository stands alone: nothing it tracks points at documents or folders beside a clone
// (a research folder, planning notes, numbered work items), which a maintainer could not follow.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

test('every README "Section" a file cites is a heading of the README', () => {
  const headings = readFileSync(join(ROOT, 'README.md'), 'utf8')
    .split('\n')
    .filter(l => /^#{1,6} /.test(l))
    .map(l => l.replace(/^#+ /, '').replace(/`/g, ''));
  // "Errors" may name "Errors and gRPC statuses": the start of a heading, at a word boundary.
  const known = (name: string): boolean =>
    headings.some(h => h === name || h.startsWith(`${name} `));
  const broken: string[] = [];
  for (const [file, text] of trackedTexts()) {
    for (const m of text.matchAll(/README "([^"\n]+)"/g)) {
      if (!known(m[1]!)) broken.push(`${file}: README "${m[1]}"`);
    }
  }
  expect(broken).toEqual([]);
});
