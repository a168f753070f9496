// The HPA arithmetic, pinned with hand-computed sequences: each rounding direction, each policy
// type, selectPolicy, stabilization windows, and the legacy rules when behavior is absent.
import type { BehaviorInput, KubernetesVersion } from '../../../src/simulate/hpa-model';
import {
  HpaModel,
  proposeReplicas,
  quantityMilli,
  withBehaviorDefaults,
} from '../../../src/simulate/hpa-model';

describe('proposeReplicas (replica_calculator.go)', () => {
  test.each([
    // AverageValue: ceil(usage / target) once outside the 10% tolerance.
    [
      'AverageValue, keda docs: queue 20, threshold 5 → 4 whatever the current count',
      'AverageValue',
      20,
      5,
      1,
      4,
    ],
    ['AverageValue rounds up: 95 / 10 = 9.5 → 10', 'AverageValue', 95, 10, 3, 10],
    [
      'AverageValue within tolerance keeps the count: 31 / (10 × 3) = 1.03',
      'AverageValue',
      31,
      10,
      3,
      3,
    ],
    [
      'AverageValue just outside tolerance: 12 / (10 × 1) = 1.2 → ceil(1.2) = 2',
      'AverageValue',
      12,
      10,
      1,
      2,
    ],
    ['AverageValue at zero usage proposes 0 (min clamps later)', 'AverageValue', 0, 10, 4, 0],
    // Value: ceil(ratio × ready pods).
    ['Value, keda docs: current 3, metric 20, threshold 5 → 12', 'Value', 20, 5, 3, 12],
    ['Value within tolerance keeps the count: 5.4 / 5 = 1.08', 'Value', 5.4, 5, 3, 3],
    ['Value from zero: ceil(12 / 5) = 3', 'Value', 12, 5, 0, 3],
    ['Value rounds up: 2 × 7 / 5 = 2.8 → 3', 'Value', 7, 5, 2, 3],
    ['milli precision: 10.0004 is 10.000 to the HPA', 'AverageValue', 10.0004, 10, 1, 1],
  ] as const)('%s', (_name, type, value, target, current, expected) => {
    expect(proposeReplicas(type, value, target, current)).toBe(expected);
  });
});

/** Runs syncs every 15 s from t=0; `metric(t)` gives the value. Returns the count after each. */
function run(hpa: HpaModel, start: number, until: number, metric: (t: number) => number): number[] {
  const out: number[] = [];
  let current = start;
  for (let t = 0; t <= until; t += 15) {
    current = hpa.sync(t, current, [quantityMilli(metric(t))]).desired;
    out.push(current);
  }
  return out;
}

const spec = (behavior: BehaviorInput | undefined, min = 1, max = 10) => ({
  minReplicas: min,
  maxReplicas: max,
  metrics: [{ metricType: 'AverageValue' as const, targetMilli: 10_000 }],
  behavior,
});

test('scale-up policy Pods 2 per 60 s: +2 per period, counted from the period start', () => {
  const hpa = new HpaModel(
    spec({
      scaleUp: {
        stabilizationWindowSeconds: 0,
        policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }],
      },
    }),
  );
  // Proposal is 10 throughout (usage 100, target 10); an event stops counting once 60 s old.
  expect(run(hpa, 1, 240, () => 100)).toEqual([3, 3, 3, 3, 5, 5, 5, 5, 7, 7, 7, 7, 9, 9, 9, 9, 10]);
});

test('scale-up policy Percent 50 per 30 s rounds up: 3 → ceil(4.5) = 5 → ceil(7.5) = 8', () => {
  const hpa = new HpaModel(
    spec({ scaleUp: { policies: [{ type: 'Percent', value: 50, periodSeconds: 30 }] } }, 1, 20),
  );
  expect(run(hpa, 3, 60, () => 200)).toEqual([5, 5, 8, 8, 12]);
});

test('selectPolicy Max takes the larger change, Min the smaller, Disabled none', () => {
  const policies = [
    { type: 'Pods' as const, value: 1, periodSeconds: 15 },
    { type: 'Percent' as const, value: 100, periodSeconds: 15 },
  ];
  const at = (selectPolicy: 'Max' | 'Min' | 'Disabled') =>
    new HpaModel(spec({ scaleUp: { selectPolicy, policies } }, 1, 20)).sync(0, 4, [200_000])
      .desired;
  expect(at('Max')).toBe(8); // Percent: 4 × 2
  expect(at('Min')).toBe(5); // Pods: 4 + 1
  expect(at('Disabled')).toBe(4);
});

test('scale-down policy Pods 1 per 30 s after a 60 s stabilization window', () => {
  const hpa = new HpaModel(
    spec({
      scaleDown: {
        stabilizationWindowSeconds: 60,
        policies: [{ type: 'Pods', value: 1, periodSeconds: 30 }],
      },
    }),
  );
  // Proposal 1 from t=0; the 5 recorded at t=0 holds until it leaves the window (t=60), then
  // one pod per 30 s.
  expect(run(hpa, 5, 150, () => 10)).toEqual([5, 5, 5, 5, 4, 4, 3, 3, 2, 2, 1]);
});

test('scale-down Percent truncates: 10 × (1 - 0.25) = 7.5 → 7', () => {
  const hpa = new HpaModel(
    spec(
      {
        scaleDown: {
          stabilizationWindowSeconds: 0,
          policies: [{ type: 'Percent', value: 25, periodSeconds: 60 }],
        },
      },
      1,
      20,
    ),
  );
  expect(hpa.sync(0, 10, [10_000]).desired).toBe(7);
});

test('scale-down selectPolicy Min allows the smaller drop', () => {
  const policies = [
    { type: 'Pods' as const, value: 1, periodSeconds: 15 },
    { type: 'Percent' as const, value: 50, periodSeconds: 15 },
  ];
  const at = (selectPolicy: 'Max' | 'Min') =>
    new HpaModel(
      spec({ scaleDown: { stabilizationWindowSeconds: 0, selectPolicy, policies } }, 1, 20),
    ).sync(0, 10, [10_000]).desired;
  expect(at('Max')).toBe(5); // the biggest drop: 50%
  expect(at('Min')).toBe(9); // the smallest drop: 1 pod
});

test('a scale-up stabilization window keeps the lowest recent recommendation', () => {
  const hpa = new HpaModel(spec({ scaleUp: { stabilizationWindowSeconds: 30 } }, 1, 20));
  // Proposals: 2 at t=0, then 8. At t=15 the 2s recorded at t=0 cap the rise. At t=30 they are
  // exactly 30 s old and out of the window (the controller keeps records strictly after the
  // cutoff), so the rise is allowed but rate-limited by the default policies: max(2 × 2, 2 + 4)
  // = 6. At t=45 the +4 event is 15 s old and out of the 15 s period: 8.
  expect(run(hpa, 2, 45, t => (t === 0 ? 20 : 80))).toEqual([2, 2, 6, 8]);
});

test('no behavior (KEDA default): 300 s downscale stabilization, scale-up at most max(2 × current, 4)', () => {
  const hpa = new HpaModel(spec(undefined, 1, 20));
  const replicas = run(hpa, 1, 360, t => (t < 45 ? 100 : 20));
  expect(replicas.slice(0, 4)).toEqual([4, 8, 10, 10]);
  // The 10s recorded at t=15 and t=30 hold the count until they are older than 300 s.
  expect(replicas.slice(4, 23)).toEqual(Array(19).fill(10));
  expect(replicas[23]).toBe(2); // t = 345
});

test("defaults for a behavior with missing fields are the API server's", () => {
  expect(withBehaviorDefaults({})).toEqual({
    scaleUp: {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Max',
      policies: [
        { type: 'Pods', value: 4, periodSeconds: 15 },
        { type: 'Percent', value: 100, periodSeconds: 15 },
      ],
      tolerance: undefined,
    },
    scaleDown: {
      stabilizationWindowSeconds: 300,
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
      tolerance: undefined,
    },
  });
});

test('min and max clamp, and a target scaled to 0 with minReplicas > 0 is left alone', () => {
  expect(new HpaModel(spec(undefined, 2, 5)).sync(0, 4, [1_000_000]).desired).toBe(5);
  expect(new HpaModel(spec(undefined, 2, 5)).sync(0, 1, [0]).desired).toBe(2);
  expect(new HpaModel(spec(undefined, 1, 5)).sync(0, 0, [1_000_000]).desired).toBe(0);
});

describe('tolerance per Kubernetes release (replica_calculator.go)', () => {
  // 22 against a target of 10 at 2 pods is a ratio of 22000 / (10000 × 2) = 1.1 in float64.
  // Up to 1.32: |1 - 1.1| = 0.10000000000000009 > 0.1, so ceil(22000 / 10000) = 3.
  // From 1.33: Tolerances.isWithin, 1.1 <= 1 + 0.1 (= 1.1 exactly): the count stays at 2.
  test.each([
    ['1.30', 'AverageValue', 22, 10, 2, 3],
    ['1.32', 'AverageValue', 22, 10, 2, 3],
    ['1.33', 'AverageValue', 22, 10, 2, 2],
    ['1.35', 'AverageValue', 22, 10, 2, 2],
    // Value 110 against 100 at 3 pods: up to 1.32 ceil(1.1 × 3) = ceil(3.3000000000000003) = 4.
    ['1.32', 'Value', 110, 100, 3, 4],
    ['1.34', 'Value', 110, 100, 3, 3],
  ] as const)('Kubernetes %s, %s %d / %d at %d pods → %d', (version, type, v, t, cur, want) => {
    expect(proposeReplicas(type, v, t, cur, 0.1, version)).toBe(want);
  });

  test('behavior scaleUp/scaleDown.tolerance (KEP-4951) counts from 1.35, is dropped before', () => {
    const withTolerance = (version: KubernetesVersion, current: number, value: number) =>
      new HpaModel({
        ...spec({ scaleUp: { tolerance: 0.5 }, scaleDown: { tolerance: 0.05 } }, 1, 20),
        kubernetesVersion: version,
      }).sync(0, current, [quantityMilli(value)]).proposal;
    // 14 / (10 × 1) = 1.4: within 1 + 0.5 on 1.35 (keep 1); outside 1 + 0.1 before (ceil 1.4 = 2).
    expect(withTolerance('1.35', 1, 14)).toBe(1);
    expect(withTolerance('1.34', 1, 14)).toBe(2);
    expect(withTolerance('1.32', 1, 14)).toBe(2);
    // 185 / (10 × 20) = 0.925: below 1 - 0.05 on 1.35, ceil(185 / 10) = 19; within 1 - 0.1
    // on 1.34, which keeps 20.
    expect(withTolerance('1.35', 20, 185)).toBe(19);
    expect(withTolerance('1.34', 20, 185)).toBe(20);
  });
});

describe("KEDA's quantityFromFloat64: %.3f, then milli-units", () => {
  test.each([
    // 5.0005 is 5.000499999999999723… in binary: "5.000" (Math.round(5.0005 × 1000) gave 5001).
    [5.0005, 5000],
    // 0.0625 is exact: a tie at 62.5 milli goes to the even digit, "0.062" (toFixed gives 0.063).
    [0.0625, 62],
    // 0.1875 is exact too: 187.5 → 188 (even).
    [0.1875, 188],
    [1.0625, 1062],
    [10.0004, 10000],
    [-3, 0],
    [Number.NaN, 0],
    [Number.POSITIVE_INFINITY, 0],
    [12.3456, 12346],
  ])('%d → %dm', (x, milli) => {
    expect(quantityMilli(x)).toBe(milli);
  });

  test('a sub-milli value no longer adds a replica: 5.0005 against 1 is ceil(5000 / 1000) = 5', () => {
    expect(proposeReplicas('AverageValue', 5.0005, 1, 1)).toBe(5);
  });
});

describe('a behavior given as null is no behavior: the legacy rules (horizontal.go)', () => {
  test('from 1 towards 10: legacy caps at max(2 × 1, 4) = 4; {} gets the default policies, 1 + 4 = 5', () => {
    expect(new HpaModel(spec(undefined, 1, 20)).sync(0, 1, [100_000]).desired).toBe(4);
    expect(new HpaModel(spec({}, 1, 20)).sync(0, 1, [100_000]).desired).toBe(5);
  });
});

describe('several metrics (computeReplicasForMetrics)', () => {
  const two = (behavior: BehaviorInput | undefined) =>
    new HpaModel({
      minReplicas: 1,
      maxReplicas: 50,
      metrics: [
        { metricType: 'AverageValue', targetMilli: 10_000 },
        { metricType: 'Value', targetMilli: 5_000 },
      ],
      behavior,
    });
  test('the largest proposal wins', () => {
    // AverageValue 30 / 10 → 3; Value 20 / 5 at 4 pods → ceil(4 × 4) = 16.
    expect(two({}).sync(0, 4, [30_000, 20_000]).proposal).toBe(16);
  });
  test('an invalid metric blocks a scale-down but not a scale-up', () => {
    expect(two({}).sync(0, 4, [10_000, undefined])).toEqual({
      desired: 4,
      proposal: undefined,
      skipped: 'invalid',
    });
    expect(two({}).sync(0, 4, [80_000, undefined]).desired).toBe(8);
    expect(two({}).sync(0, 4, [undefined, undefined]).skipped).toBe('invalid');
  });
});
