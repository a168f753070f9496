// Builds dist/ once before the adversarial run when a source file is newer than its build, so
// tests of the real process (built-server.ts) run the code under test.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '../..');

/** Whether any src/ file is newer than its compiled file in dist/src/ (or has none). */
function stale(dir = join(ROOT, 'src')): boolean {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (stale(path)) return true;
    } else if (entry.name.endsWith('.ts')) {
      const built = join(ROOT, 'dist', relative(ROOT, path)).replace(/\.ts$/, '.js');
      if (!existsSync(built) || statSync(built).mtimeMs < statSync(path).mtimeMs) return true;
    }
  }
  return false;
}

export default function globalSetup(): void {
  if (stale()) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
