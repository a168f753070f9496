// keda_prometheus_scaler_build_info{version,node} = 1: which build is running, for dashboards
// and alerts across a rollout (the Prometheus `*_build_info` convention).
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

/** @param version the package version (the caller reads it; telemetry imports nothing of ours). */
export function registerBuildInfo(registry: Registry, version: string): void {
  new Gauge({
    name: 'keda_prometheus_scaler_build_info',
    help: 'Always 1; the labels name the package version and the Node.js version running it.',
    labelNames: ['version', 'node'],
    registers: [registry],
  }).set({ version, node: process.versions.node }, 1);
}
