// The model of each KEDA release: one differential case per rule that changed between 2.17 and
// 2.20, each from that release's source (src/simulate/keda-release.ts names the files).
import { explainHpa } from '../../../src/simulate/explain-hpa';
import { hpaTolerances } from '../../../src/simulate/hpa-model';
import type { KedaVersion } from '../../../src/simulate/keda-release';
import {
  behaviorAsStored,
  forceActivationAnnotation,
  kedaMilli,
  kedaRules,
  parseKedaVersion,
} from '../../../src/simulate/keda-release';
import { parseScaledObject } from '../../../src/manifest/scaledobject-file';
import type { Sample, ScaledObjectModel } from '../../../src/simulate/simulate';
import { simulate } from '../../../src/simulate/simulate';

const so: ScaledObjectModel = {
  pollingIntervalSeconds: 30,
  cooldownPeriodSeconds: 300,
  initialCooldownPeriodSeconds: 600,
  minReplicaCount: 0,
  maxReplicaCount: 20,
  idleReplicaCount: undefined,
  triggers: [{ name: 'q', metricType: 'AverageValue', threshold: 10, activationThreshold: 0 }],
  scalingModifiers: undefined,
  fallback: undefined,
  behavior: undefined,
};
const T0 = 1_764_000_000;
const zeros: Sample[] = Array.from({ length: 41 }, (_, i) => ({
  timestamp: T0 + i * 15,
  value: 0,
}));

test('versions: a minor or a patch release; the default is the newest release (v2.20.2)', () => {
  expect(parseKedaVersion('v2.18.3')).toBe('2.18');
  expect(parseKedaVersion('2.17')).toBe('2.17');
  expect(parseKedaVersion('2.16')).toBeUndefined();
  expect(parseKedaVersion('2.21')).toBeUndefined();
});

test('milli-units: truncated up to 2.19 (int64(v*1000)), rounded from 2.20.0 (%.3f, #7534)', () => {
  // 1.005 * 1000 is 1004.9999999999999 in float64; %.3f of 1.005 is "1.005".
  expect(kedaMilli(1.005, kedaRules('2.19'))).toBe(1004);
  expect(kedaMilli(1.005, kedaRules('2.20'))).toBe(1005);
  expect(kedaMilli(2.0009, kedaRules('2.17'))).toBe(2000);
  // The HPA at 1 replica, target 1: 2000m is ceil(2.000) = 2 replicas, 2001m is 3.
  const desired = (keda: KedaVersion) =>
    explainHpa('AverageValue', 2.0009, 1, 1, 1, 10, undefined, '1.35', keda).desired;
  expect(desired('2.19')).toBe(2);
  expect(desired('2.20')).toBe(3);
});

test("behavior tolerance: pruned by 2.17's CRD (no field), honoured from 2.18 on Kubernetes 1.35", () => {
  const behavior = { scaleUp: { tolerance: 0.5 } };
  // 12 against 10 at 1 replica: ratio 1.2, outside the default 0.1, inside 0.5.
  const desired = (keda: KedaVersion) =>
    explainHpa(
      'AverageValue',
      12,
      10,
      1,
      1,
      10,
      hpaTolerances(behaviorAsStored(behavior, kedaRules(keda)), '1.35'),
      '1.35',
      keda,
    ).desired;
  expect(desired('2.17')).toBe(2);
  expect(desired('2.18')).toBe(1);
  const replay = (keda: KedaVersion) =>
    simulate(
      [zeros.map(s => ({ ...s, value: 12 }))],
      { ...so, behavior },
      {
        initialReplicas: 1,
        kedaVersion: keda,
      },
    ).find(r => r.by === 'hpa')?.replicas;
  expect(replay('2.17')).toBe(2);
  expect(replay('2.20')).toBe(1);
});

test('initialCooldownPeriod counts from metadata.creationTimestamp when the file has it', () => {
  const firstZero = (model: ScaledObjectModel) =>
    simulate([zeros], model, { initialReplicas: 3 }).find(r => r.replicas === 0)?.timestamp;
  // Created an hour before the replay: the 600 s are long over, the first poll scales to 0.
  expect(firstZero({ ...so, createdAt: T0 - 3600 })).toBe(T0);
  // Without it, the replay's start stands in for the creation.
  expect(firstZero(so)).toBe(T0 + 600);
});

test('the force-activation annotation (#6903) activates from 2.18 on, and not in 2.17', () => {
  const forced = { ...so, forceActivation: true };
  const replicasAt0 = (keda: KedaVersion) =>
    simulate([zeros], forced, { kedaVersion: keda }).find(r => r.by === 'keda')?.replicas;
  expect(replicasAt0('2.17')).toBe(0);
  expect(replicasAt0('2.18')).toBe(1);
  // getBoolAnnotation: a Go boolean is itself, anything else is true.
  expect(['true', 'false', 'yes', '0'].map(forceActivationAnnotation)).toEqual([
    true,
    false,
    true,
    false,
  ]);
});

test('the file gives creationTimestamp and the annotation to the model', () => {
  const loaded = parseScaledObject({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: {
      name: 'api',
      creationTimestamp: '2025-11-24T16:00:00Z',
      annotations: { 'autoscaling.keda.sh/force-activation': 'true' },
    },
    spec: {
      scaleTargetRef: { name: 'api' },
      triggers: [{ type: 'external', metadata: { query: 'q', threshold: '1' } }],
    },
  });
  expect(loaded.createdAt).toBe(Date.parse('2025-11-24T16:00:00Z') / 1000);
  expect(loaded.forceActivation).toBe(true);
});
