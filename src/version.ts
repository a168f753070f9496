// The package version, read once from package.json (beside dist/ in the image, one level up in
// a checkout), for --version, the start-up log line and the build_info metric.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let cached: string | undefined;

/** package.json's "version", or "unknown" if no package.json of this package is found. */
export function packageVersion(): string {
  if (cached !== undefined) return cached;
  cached = 'unknown';
  // src/version.ts runs from src/ (ts-jest) or dist/src/ (built): try both parents.
  for (const dir of [join(__dirname, '..'), join(__dirname, '..', '..')]) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'keda-prometheus-scaler' && typeof pkg.version === 'string') {
        cached = pkg.version;
        break;
      }
    } catch {
      // Not here; try the next parent.
    }
  }
  return cached;
}
