// KEDA + HPA replay: activation from zero, the HPA taking over, cooldown back to zero.
import type { ScaledObjectModel } from '../../../src/simulate/simulate';
import { simulate } from '../../../src/simulate/simulate';

const so: ScaledObjectModel = {
  pollingIntervalSeconds: 30,
  cooldownPeriodSeconds: 300,
  initialCooldownPeriodSeconds: 0,
  minReplicaCount: 0,
  maxReplicaCount: 20,
  idleReplicaCount: undefined,
  threshold: 10,
  activationThreshold: 0,
  metricType: 'AverageValue',
  behavior: undefined,
};

/** 50 from t=30 to t=59, 0 otherwise, every 15 s up to t=450. */
const burst = Array.from({ length: 31 }, (_, i) => ({
  timestamp: i * 15,
  value: i === 2 || i === 3 ? 50 : 0,
}));

test('scales from zero on activation, the HPA takes over, and cooldown returns to zero', () => {
  const rows = simulate(burst, so);
  const at = (t: number, by: 'keda' | 'hpa') => rows.find(r => r.timestamp === t && r.by === by);
  expect(at(0, 'keda')?.replicas).toBe(0);
  expect(at(30, 'keda')).toMatchObject({ active: true, replicas: 1 }); // KEDA: 0 -> 1 at once
  expect(at(30, 'hpa')?.replicas).toBe(4); // HPA: proposal 5, capped at max(2 x 1, 4)
  expect(at(45, 'hpa')?.replicas).toBe(5);
  // The metric is 0 from t=60, but the 300 s downscale window holds 5 until the HPA's
  // recommendations of 5 age out; KEDA's cooldown (300 s after the last active poll at t=30)
  // ends first, at t=330, and scales to zero.
  expect(at(315, 'hpa')?.replicas).toBe(5);
  expect(at(330, 'keda')).toMatchObject({ active: false, replicas: 0 });
  expect(rows[rows.length - 1]?.replicas).toBe(0);
});

test('stays at zero while the value is at or below activationThreshold', () => {
  const rows = simulate(burst, { ...so, activationThreshold: 50 });
  expect(Math.max(...rows.map(r => r.replicas))).toBe(0);
});

test('idleReplicaCount: idle at 0, active at least minReplicaCount', () => {
  const rows = simulate(burst, {
    ...so,
    minReplicaCount: 2,
    idleReplicaCount: 0,
    cooldownPeriodSeconds: 60,
  });
  expect(rows.find(r => r.timestamp === 30 && r.by === 'keda')?.replicas).toBe(2);
  expect(rows[rows.length - 1]?.replicas).toBe(0);
});
