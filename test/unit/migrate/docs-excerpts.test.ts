// docs/migrate.md shows migrate's output as a user would apply it: every object it shows starts at
// its apiVersion, and the input it shows is the fixture its commands convert.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, docPage } from '../../helpers/doc-pages';
import { outputBlocks } from '../../helpers/readme-blocks';

const PAGE = docPage('docs/migrate.md');

test('every object an output excerpt shows starts at its apiVersion (what kubectl apply needs)', () => {
  const blocks = outputBlocks(PAGE, 'docs/migrate.md');
  const cut = blocks.flatMap(b =>
    b.expected.flatMap((line, i) =>
      /^kind: /.test(line) && !/^apiVersion: /.test(b.expected[i - 1] ?? '')
        ? [`line ${b.line}: ${line}`]
        : [],
    ),
  );
  expect(cut).toEqual([]);
  // The page shows converted objects at all (so the check above checks something).
  expect(blocks.some(b => b.expected.includes('kind: ScaledObject'))).toBe(true);
});

test('the built-in trigger shown side by side is the fixture migrate converts there', () => {
  const fixture = readFileSync(join(REPO_ROOT, 'test/fixtures/migrate/side-by-side.yaml'), 'utf8')
    .split('\n')
    .filter(l => !l.startsWith('#'))
    .join('\n');
  const section = PAGE.slice(PAGE.indexOf('## Side by side'), PAGE.indexOf('## What changes'));
  const shown = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  expect(shown).toBe(fixture);
  expect(section).toContain('migrate test/fixtures/migrate/side-by-side.yaml');
});
