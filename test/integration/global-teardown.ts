// Stops the Prometheus and VictoriaMetrics started by global-setup.ts.
export default async function globalTeardown(): Promise<void> {
  await globalThis.__kpsPrometheus?.stop();
  await globalThis.__kpsVictoriaMetrics?.stop();
}
