// KEDA + HPA replay: activation from zero, the HPA taking over, cooldown back to zero; KEDA's
// floor while inactive; several triggers; scalingModifiers; fallback. Every expected count is
// worked out by hand from the upstream rules in the comments.
import { Formula } from '../../../src/simulate/formula';
import type { Sample, ScaledObjectModel } from '../../../src/simulate/simulate';
import { simulate } from '../../../src/simulate/simulate';

const so: ScaledObjectModel = {
  pollingIntervalSeconds: 30,
  cooldownPeriodSeconds: 300,
  initialCooldownPeriodSeconds: 0,
  minReplicaCount: 0,
  maxReplicaCount: 20,
  idleReplicaCount: undefined,
  triggers: [{ name: 'q', metricType: 'AverageValue', threshold: 10, activationThreshold: 0 }],
  scalingModifiers: undefined,
  fallback: undefined,
  behavior: undefined,
};

/** Every 15 s up to t=450; `f(i)` is the value of the i-th sample. */
const series = (f: (i: number) => number | null, n = 31): Sample[] =>
  Array.from({ length: n }, (_, i) => ({ timestamp: i * 15, value: f(i) }));

/** 50 from t=30 to t=59, 0 otherwise. */
const burst = series(i => (i === 2 || i === 3 ? 50 : 0));

const at = (rows: ReturnType<typeof simulate>, t: number, by: 'keda' | 'hpa') =>
  rows.find(r => r.timestamp === t && r.by === by);

test('scales from zero on activation, the HPA takes over, and cooldown returns to zero', () => {
  const rows = simulate([burst], so);
  expect(at(rows, 0, 'keda')?.replicas).toBe(0);
  expect(at(rows, 30, 'keda')).toMatchObject({ active: true, replicas: 1 }); // KEDA: 0 -> 1 at once
  expect(at(rows, 30, 'hpa')?.replicas).toBe(4); // HPA: proposal 5, capped at max(2 x 1, 4)
  expect(at(rows, 45, 'hpa')?.replicas).toBe(5);
  // The metric is 0 from t=60, but the 300 s downscale window holds 5; KEDA's cooldown (300 s
  // after the last active poll at t=30) ends first, at t=330, and scales to zero.
  expect(at(rows, 315, 'hpa')?.replicas).toBe(5);
  expect(at(rows, 330, 'keda')).toMatchObject({ active: false, replicas: 0 });
  expect(rows[rows.length - 1]?.replicas).toBe(0);
});

test('stays at zero while the value is at or below activationThreshold', () => {
  const rows = simulate([burst], {
    ...so,
    triggers: [{ name: 'q', metricType: 'AverageValue', threshold: 10, activationThreshold: 50 }],
  });
  expect(Math.max(...rows.map(r => r.replicas))).toBe(0);
});

test('idleReplicaCount: idle at 0, active at least minReplicaCount', () => {
  const rows = simulate([burst], {
    ...so,
    minReplicaCount: 2,
    idleReplicaCount: 0,
    cooldownPeriodSeconds: 60,
  });
  expect(at(rows, 30, 'keda')?.replicas).toBe(2);
  expect(rows[rows.length - 1]?.replicas).toBe(0);
});

test("KEDA's floor while inactive: no idleReplicaCount and fewer than minReplicaCount → minReplicaCount", () => {
  // RequestScale, inactive: `IdleReplicaCount == nil && currentReplicas < minReplicas` sets
  // minReplicaCount even though no trigger is active.
  const rows = simulate(
    [series(() => 0, 3)],
    { ...so, minReplicaCount: 2 },
    { initialReplicas: 0 },
  );
  expect(at(rows, 0, 'keda')).toMatchObject({ active: false, replicas: 2 });
});

describe('several triggers', () => {
  const two: ScaledObjectModel = {
    ...so,
    triggers: [
      { name: 'a', metricType: 'AverageValue', threshold: 10, activationThreshold: 5 },
      { name: 'b', metricType: 'AverageValue', threshold: 100, activationThreshold: 5 },
    ],
  };
  test('activation is any trigger; the HPA takes the largest proposal', () => {
    // a = 3 (inactive, proposal 1), b = 700 (active, proposal 7); legacy cap from 1: 4, then 7.
    const rows = simulate([series(() => 3, 4), series(() => 700, 4)], two);
    expect(at(rows, 0, 'keda')).toMatchObject({ active: true, replicas: 1 });
    expect(at(rows, 0, 'hpa')?.replicas).toBe(4);
    expect(at(rows, 15, 'hpa')?.replicas).toBe(7);
  });
});

describe('scalingModifiers', () => {
  const composite = (
    formula: string,
    extra: Partial<ScaledObjectModel> = {},
  ): ScaledObjectModel => ({
    ...so,
    triggers: [
      { name: 'a', metricType: 'AverageValue', threshold: 10, activationThreshold: 0 },
      { name: 'b', metricType: 'AverageValue', threshold: 10, activationThreshold: 0 },
    ],
    scalingModifiers: {
      formula: new Formula(formula, ['a', 'b']),
      target: 5,
      targetText: '5',
      activationTarget: 12,
      metricType: 'AverageValue',
    },
    ...extra,
  });
  test('the composite feeds one HPA metric and activation is composite > activationTarget', () => {
    // (a + b) / 2: 10 → inactive (10 <= 12); 30 → active; HPA ceil(30 / 5) = 6, capped at 4.
    const rows = simulate(
      [series(i => (i < 2 ? 10 : 30), 4), series(i => (i < 2 ? 10 : 30), 4)],
      composite('(a + b) / 2'),
    );
    expect(at(rows, 0, 'keda')).toMatchObject({ active: false, replicas: 0, composite: 10 });
    expect(at(rows, 30, 'keda')).toMatchObject({ active: true, replicas: 1, composite: 30 });
    expect(at(rows, 30, 'hpa')?.replicas).toBe(4);
    expect(at(rows, 45, 'hpa')?.replicas).toBe(6);
  });
  test('a failed trigger without fallback: inactive at the poll, no HPA decision', () => {
    const rows = simulate(
      [series(() => 40, 3), series(i => (i === 0 ? 40 : null), 3)],
      composite('a + b', { minReplicaCount: 1 }),
      { initialReplicas: 3 },
    );
    // t=0: 80 / 5 = 16, legacy cap max(2 × 3, 4) = 6. t=15: b fails, the composite metric fails.
    expect(at(rows, 0, 'hpa')?.replicas).toBe(6);
    expect(at(rows, 15, 'hpa')).toMatchObject({ replicas: 6, failed: ['b'] });
  });
  test('a division by zero is no metric: no composite, inactive, and the HPA keeps its count', () => {
    // a / (b - b): +Inf at t=0, NaN when a = 0 too; neither becomes a replica count.
    const rows = simulate(
      [series(i => (i === 0 ? 40 : 0), 3), series(() => 7, 3)],
      composite('a / (b - b)', { minReplicaCount: 1 }),
      { initialReplicas: 3 },
    );
    for (const r of rows) expect(r).toMatchObject({ composite: null, replicas: 3 });
    expect(rows.filter(r => r.by === 'keda').every(r => !r.active)).toBe(true);
  });
});

describe('fallback (pkg/fallback/fallback.go)', () => {
  const withFallback = (
    behavior: 'static' | 'currentReplicasIfHigher' | 'currentReplicasIfLower' | 'currentReplicas',
  ) => ({
    ...so,
    minReplicaCount: 1,
    fallback: { failureThreshold: 2, replicas: 6, behavior },
    behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
  });
  // 20 at t=0 (proposal 2), then failures. The poll (every 30 s) and every HPA sync (15 s)
  // count: t=0 ok; t=15 sync → 1; t=30 poll → 2, sync → 3 > 2: fallback from the t=30 sync.
  const failing = series(i => (i === 0 ? 20 : null), 6);
  test('static: the HPA is served target × replicas and lands on fallback.replicas', () => {
    const rows = simulate([failing], withFallback('static'), { initialReplicas: 2 });
    expect(at(rows, 15, 'hpa')).toMatchObject({ replicas: 2, failed: ['q'], fallback: [] });
    // 10 × 6 = 60: ceil(60 / 10) = 6, the default policies allow 2 → max(2 + 4, 2 × 2) = 6.
    expect(at(rows, 30, 'hpa')).toMatchObject({ replicas: 6, fallback: ['q'] });
  });
  test('currentReplicasIfLower keeps the lower of current and fallback.replicas', () => {
    const rows = simulate([failing], withFallback('currentReplicasIfLower'), {
      initialReplicas: 2,
    });
    expect(at(rows, 30, 'hpa')?.replicas).toBe(2);
  });
  test('currentReplicas keeps the current count, whatever fallback.replicas says', () => {
    const rows = simulate([failing], withFallback('currentReplicas'), { initialReplicas: 2 });
    expect(at(rows, 30, 'hpa')).toMatchObject({ replicas: 2, fallback: ['q'] });
    expect(at(rows, 60, 'hpa')).toMatchObject({ replicas: 2, fallback: ['q'] });
  });
  test('currentReplicasIfHigher keeps the higher', () => {
    const rows = simulate([failing], withFallback('currentReplicasIfHigher'), {
      initialReplicas: 2,
    });
    expect(at(rows, 30, 'hpa')?.replicas).toBe(6);
  });
  test('the failure count is reset by a success', () => {
    // Failing at even samples: the poll and the sync at t=0, 30, ... count 2 (not > 2), and the
    // success 15 s later resets the count.
    const flaky = series(i => (i % 2 === 1 ? 20 : null), 8);
    const rows = simulate([flaky], withFallback('static'), { initialReplicas: 2 });
    expect(rows.every(r => r.fallback.length === 0)).toBe(true);
  });
});

test('fallback behavior scalingModifiers: an exhausted trigger is nil in the formula (a ?? b)', () => {
  const model: ScaledObjectModel = {
    ...so,
    minReplicaCount: 1,
    triggers: [
      { name: 'a', metricType: 'AverageValue', threshold: 10, activationThreshold: 0 },
      { name: 'b', metricType: 'AverageValue', threshold: 10, activationThreshold: 0 },
    ],
    scalingModifiers: {
      formula: new Formula('a ?? b', ['a', 'b']),
      target: 10,
      targetText: '10',
      activationTarget: 0,
      metricType: 'AverageValue',
    },
    fallback: { failureThreshold: 0, replicas: 2, behavior: 'scalingModifiers' },
    behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
  };
  // a fails from t=15; with failureThreshold 0 its first failure is already past it, so the
  // formula sees a = nil and takes b = 40: ceil(40 / 10) = 4 replicas.
  const rows = simulate([series(i => (i === 0 ? 80 : null), 3), series(() => 40, 3)], model, {
    initialReplicas: 8,
  });
  expect(at(rows, 0, 'hpa')?.replicas).toBe(8);
  expect(at(rows, 15, 'hpa')).toMatchObject({ composite: 40, replicas: 4, fallback: ['a'] });
});

test('at 0 replicas the HPA asks for no metrics, so failures there are counted by the poll only', () => {
  // minReplicaCount 0, fallback after 2 failures. The poll at t=0 counts 1; the syncs at t=0 and
  // t=15 leave 0 replicas alone without asking; the poll at t=30 counts 2 (not > 2): no fallback.
  const model: ScaledObjectModel = {
    ...so,
    fallback: { failureThreshold: 2, replicas: 5, behavior: 'static' },
  };
  const rows = simulate([series(() => null, 3)], model);
  expect(rows.every(r => r.fallback.length === 0 && r.replicas === 0)).toBe(true);
});

test('an active poll with a failing trigger does not refresh lastActiveTime (PartialTriggerError)', () => {
  // a is active until t=90, b fails from t=30 to t=105. Active polls at t=30 and t=60 carry an
  // error, so the last active time stays t=0; at t=120 nothing fails or is active and 120 - 0
  // >= cooldown 90: KEDA scales to zero (with the refresh it would wait until t=150).
  const model: ScaledObjectModel = {
    ...so,
    cooldownPeriodSeconds: 90,
    triggers: [
      { name: 'a', metricType: 'AverageValue', threshold: 10, activationThreshold: 5 },
      { name: 'b', metricType: 'AverageValue', threshold: 10, activationThreshold: 5 },
    ],
  };
  const rows = simulate(
    [series(i => (i < 6 ? 10 : 0), 10), series(i => (i >= 2 && i < 8 ? null : 0), 10)],
    model,
  );
  expect(at(rows, 60, 'keda')).toMatchObject({ active: true, replicas: 1, failed: ['b'] });
  expect(at(rows, 90, 'keda')).toMatchObject({ active: false, replicas: 1 });
  expect(at(rows, 120, 'keda')).toMatchObject({ active: false, replicas: 0 });
});
