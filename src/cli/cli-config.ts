// The server configuration for the `check` and `simulate` commands: --config and/or
// --prometheus-url, the same sources as `serve`.
import { loadConfig } from '../config/load-config';
import type { ServerConfig } from '../config/schema';

export function commandConfig(
  options: { config?: string | undefined; 'prometheus-url'?: string | undefined },
  env: NodeJS.ProcessEnv,
): ServerConfig {
  return loadConfig({
    configFile: options.config ?? env['SCALER_CONFIG'],
    prometheusUrl: options['prometheus-url'] ?? env['SCALER_PROMETHEUS_URL'],
    logLevel: 'silent',
  });
}
