// undici, loaded on first use. Loading it costs 60–80 ms here (bench/startup.ts), and what KEDA
// calls first on a new pod, GetMetricSpec, never reaches Prometheus: the first query pays instead.
import type * as Undici from 'undici';

let loaded: typeof Undici | undefined;

/** The undici module; the first call loads it (synchronously, as an import would have). */
export function undici(): typeof Undici {
  // A static import would load it with the server; a dynamic import() would make every caller
  // async. require() is what TypeScript compiles both to here (module: commonjs).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require('undici') as typeof Undici;
  return loaded;
}
