// The documentation the doc tests cover: README.md and every page of docs/, read from the
// repository root, so a new page is checked without being listed anywhere.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '../..');

export interface DocPage {
  /** Path from the repository root, e.g. `README.md` or `docs/install.md`. */
  path: string;
  text: string;
}

/** README.md first, then docs/*.md in name order. */
export function docPages(): DocPage[] {
  const docs = readdirSync(join(REPO_ROOT, 'docs'))
    .filter(f => f.endsWith('.md'))
    .sort()
    .map(f => `docs/${f}`);
  return ['README.md', ...docs].map(path => ({
    path,
    text: readFileSync(join(REPO_ROOT, path), 'utf8'),
  }));
}

/** One page's text by its path from the repository root. */
export function docPage(path: string): string {
  return readFileSync(join(REPO_ROOT, path), 'utf8');
}
