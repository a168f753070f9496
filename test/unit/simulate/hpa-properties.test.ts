// Property and differential tests of the HPA model on seeded random HPAs and metric histories:
// src/simulate against the independent implementation in reference-hpa.ts, and the invariants
// upstream guarantees (bounds, policy rates, stabilization direction, sample order).
import type {
  BehaviorInput,
  HpaSpec,
  KubernetesVersion,
  ScalingRules,
} from '../../../src/simulate/hpa-model';
import {
  HpaModel,
  KUBERNETES_VERSIONS,
  quantityMilli,
  withBehaviorDefaults,
} from '../../../src/simulate/hpa-model';
import type { Sample, ScaledObjectModel } from '../../../src/simulate/simulate';
import { simulate } from '../../../src/simulate/simulate';
import type { RefHpa, RefRules, RefState } from './reference-hpa';
import { referenceSync } from './reference-hpa';
import { seededRandom } from '../../../bench/lib/seeded-random';

type Rng = () => number;
const int = (r: Rng, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

function randomRules(r: Rng): Partial<ScalingRules> | undefined {
  if (r() < 0.2) return undefined;
  const out: Partial<ScalingRules> = {};
  if (r() < 0.7) out.stabilizationWindowSeconds = pick(r, [0, 15, 30, 60, 120, 300]);
  if (r() < 0.5) out.selectPolicy = pick(r, ['Max', 'Min', 'Disabled'] as const);
  if (r() < 0.4) out.tolerance = pick(r, [0, 0.05, 0.1, 0.2, 0.5]);
  if (r() < 0.8)
    out.policies = Array.from({ length: int(r, 1, 3) }, () => ({
      type: pick(r, ['Pods', 'Percent'] as const),
      value: pick(r, [1, 2, 4, 10, 25, 50, 100, 200]),
      periodSeconds: pick(r, [15, 30, 45, 60, 120]),
    }));
  return out;
}

interface Case {
  spec: HpaSpec;
  ref: RefHpa;
}

function randomCase(r: Rng): Case {
  const min = int(r, 1, 5);
  const max = min + int(r, 0, 30);
  const metrics = Array.from({ length: int(r, 1, 2) }, () => ({
    metricType: pick(r, ['AverageValue', 'Value'] as const),
    targetMilli: pick(r, [500, 1000, 5000, 10_000, 12_345, 100_000]),
  }));
  let behavior: BehaviorInput | undefined;
  if (r() < 0.8) {
    behavior = {};
    const up = randomRules(r);
    const down = randomRules(r);
    if (up !== undefined) behavior.scaleUp = up;
    if (down !== undefined) behavior.scaleDown = down;
  }
  const version: KubernetesVersion = pick(r, KUBERNETES_VERSIONS);
  const d = behavior === undefined ? undefined : withBehaviorDefaults(behavior);
  const rules = (x: ScalingRules): RefRules => ({
    window: x.stabilizationWindowSeconds,
    select: x.selectPolicy,
    policies: x.policies,
    ...(x.tolerance === undefined ? {} : { tolerance: x.tolerance }),
  });
  return {
    spec: { minReplicas: min, maxReplicas: max, metrics, behavior, kubernetesVersion: version },
    ref: {
      min,
      max,
      metrics: metrics.map(m => ({ type: m.metricType, target: m.targetMilli })),
      ...(d === undefined ? {} : { behavior: { up: rules(d.scaleUp), down: rules(d.scaleDown) } }),
      minor: Number(version.split('.')[1]),
    },
  };
}

/** A random walk of usages in milli-units, with failures and the occasional jump. */
function usageAt(r: Rng, previous: number): number {
  if (r() < 0.1) return pick(r, [0, 1000, 50_000, 400_000]);
  return Math.max(0, Math.round(previous * (0.6 + r() * 0.8)));
}

interface Step {
  now: number;
  before: number;
  after: number;
  proposal: number | undefined;
}

function runCase(seed: number, compare = true): { c: Case; steps: Step[] } {
  const r = seededRandom(seed);
  const c = randomCase(r);
  const model = new HpaModel(c.spec);
  const state: RefState = { recommendations: [], ups: [], downs: [] };
  let current = int(r, 0, c.spec.maxReplicas + 3);
  let usage = int(r, 0, 200_000);
  const steps: Step[] = [];
  for (let i = 0; i < 40; i++) {
    const now = i * 15;
    usage = usageAt(r, usage);
    const usages = c.spec.metrics.map(() => (r() < 0.08 ? undefined : usage + int(r, 0, 3000)));
    const got = model.sync(now, current, usages);
    const want = referenceSync(c.ref, state, now, current, usages);
    if (compare && got.desired !== want)
      throw new Error(
        `seed ${seed}, step ${i}: model ${got.desired}, reference ${want}; ${JSON.stringify(c.spec)}`,
      );
    steps.push({ now, before: current, after: got.desired, proposal: got.proposal });
    current = got.desired;
  }
  return { c, steps };
}

const SEEDS = Array.from({ length: 3000 }, (_, i) => 1000 + i);

test('differential: the model and the reference agree on 3,000 random HPAs × 40 syncs', () => {
  for (const seed of SEEDS) runCase(seed);
});

test('invariants: within [min, max] once inside; never faster than the policies; stabilization direction', () => {
  // Plain checks collected and asserted once: a few hundred thousand expect() calls are slow.
  const broken: string[] = [];
  const holds = (ok: boolean, seed: number, what: string): void => {
    if (!ok && broken.length < 10) broken.push(`seed ${seed}: ${what}`);
  };
  for (const seed of SEEDS) {
    const { c, steps } = runCase(seed, false);
    const { minReplicas: min, maxReplicas: max } = c.spec;
    const b = c.spec.behavior === undefined ? undefined : withBehaviorDefaults(c.spec.behavior);
    steps.forEach((s, i) => {
      if (s.before >= min && s.before <= max)
        holds(s.after >= min && s.after <= max, seed, `t=${s.now}: ${s.after} outside bounds`);
      if (b === undefined || s.before < min || s.before > max || s.before === 0) return;
      // The count at the start of each policy's period (after the last sync at or before it).
      // Syncs are every 15 s from 0, so the last one at or before t is step floor(t / 15).
      const countBefore = (t: number): number => {
        const last = Math.min(Math.floor(t / 15), i - 1);
        return last < 0 ? (steps[0]?.before ?? 0) : (steps[last] as Step).after;
      };
      // Up is +1, down -1: each check below reads "no further than allowed" in that direction.
      const dir = Math.sign(s.after - s.before);
      if (dir === 0) return;
      const rules = dir === 1 ? b.scaleUp : b.scaleDown;
      holds(rules.selectPolicy !== 'Disabled', seed, `t=${s.now}: moved while Disabled`);
      const limits = rules.policies.map(p => {
        const start = countBefore(s.now - p.periodSeconds);
        if (p.type === 'Pods') return start + dir * p.value;
        const scaled = start * (1 + (dir * p.value) / 100);
        return dir === 1 ? Math.ceil(scaled) : Math.trunc(scaled); // up rounds up, down truncates
      });
      const furthest = (xs: number[]): number => dir * Math.max(...xs.map(x => dir * x));
      const nearest = (xs: number[]): number => dir * Math.min(...xs.map(x => dir * x));
      const limit = rules.selectPolicy === 'Min' ? nearest(limits) : furthest(limits);
      holds(
        dir * s.after <= Math.max(dir * limit, dir * s.before),
        seed,
        `t=${s.now}: ${s.before} -> ${s.after} beyond the policy limit ${limit}`,
      );
      // Stabilization: never past the recommendation nearest the current count in the window.
      const recent = steps
        .slice(0, i + 1)
        .filter(x => x.now > s.now - rules.stabilizationWindowSeconds && x.proposal !== undefined)
        .map(x => x.proposal as number);
      if (recent.length > 0)
        holds(
          dir * s.after <= Math.max(dir * s.before, dir * nearest(recent)),
          seed,
          `t=${s.now}: ${s.before} -> ${s.after} past the window's recommendations ${recent.join(',')}`,
        );
    });
  }
  expect(broken).toEqual([]);
});

test('the same replay for any order of samples with equal timestamps', () => {
  const so: ScaledObjectModel = {
    pollingIntervalSeconds: 30,
    cooldownPeriodSeconds: 60,
    initialCooldownPeriodSeconds: 0,
    minReplicaCount: 0,
    maxReplicaCount: 30,
    idleReplicaCount: undefined,
    triggers: [{ name: 'a', metricType: 'AverageValue', threshold: 10, activationThreshold: 1 }],
    scalingModifiers: undefined,
    fallback: { failureThreshold: 1, replicas: 3, behavior: 'static' },
    behavior: {},
  };
  for (let seed = 0; seed < 300; seed++) {
    const r = seededRandom(seed);
    const samples: Sample[] = [];
    for (let t = 0; t < 600; t += 15) {
      const n = int(r, 1, 3);
      for (let k = 0; k < n; k++)
        samples.push({ timestamp: t, value: r() < 0.1 ? null : int(r, 0, 200) });
    }
    const shuffled = samples
      .map(s => ({ s, k: r() }))
      .sort((x, y) => x.k - y.k)
      .map(x => x.s);
    expect(simulate([shuffled], so)).toEqual(simulate([samples], so));
  }
});

/** Go's %.3f then milli-units, from the exact binary value with BigInt: round half to even. */
function exactMilli(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const mantissa = (bits & ((1n << 52n) - 1n)) | (exp === 0 ? 0n : 1n << 52n);
  const shift = (exp === 0 ? 1 : exp) - 1075;
  // x × 1000 = num / den exactly.
  const num = 1000n * mantissa * (shift > 0 ? 1n << BigInt(shift) : 1n);
  const den = shift < 0 ? 1n << BigInt(-shift) : 1n;
  const q = num / den;
  const twiceRest = 2n * (num % den);
  const up = twiceRest > den || (twiceRest === den && q % 2n === 1n);
  return Number(up ? q + 1n : q);
}

test('quantityMilli equals exact round-half-even milli-units on 20,000 seeded doubles and ties', () => {
  const r = seededRandom(42);
  for (let i = 0; i < 20_000; i++) {
    const x =
      i % 4 === 0
        ? int(r, 0, 2_000_000) / 2000 // exact halves of a milli and their neighbours
        : i % 4 === 1
          ? r() * 10 ** int(r, -4, 9)
          : i % 4 === 2
            ? Number((r() * 1000).toFixed(4))
            : int(r, 0, 100_000) / 16; // binary fractions: many exact ties
    expect([x, quantityMilli(x)]).toEqual([x, exactMilli(x)]);
  }
});
