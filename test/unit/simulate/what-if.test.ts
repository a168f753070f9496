// The what-if figures on a hand-made replay, and --set edits landing where the ScaledObject keeps
// each field.
import type { ScaledObjectModel, SimulationRow } from '../../../src/simulate/simulate';
import { WhatIfError, applySet, parseSet, summarize } from '../../../src/simulate/what-if';

const so: ScaledObjectModel = {
  pollingIntervalSeconds: 30,
  cooldownPeriodSeconds: 300,
  initialCooldownPeriodSeconds: 0,
  minReplicaCount: 1,
  maxReplicaCount: 10,
  idleReplicaCount: undefined,
  triggers: [{ name: 'q', metricType: 'AverageValue', threshold: 10, activationThreshold: 0 }],
  scalingModifiers: undefined,
  fallback: undefined,
  behavior: undefined,
};

const row = (timestamp: number, value: number, replicas: number): SimulationRow => ({
  timestamp,
  values: [value],
  active: true,
  failed: [],
  fallback: [],
  desiredReplicas: replicas,
  replicas,
  by: 'hpa',
});

test('replica-hours, overloaded minutes, scale events, peak and reaction, by hand', () => {
  // 0-60 s: 1 replica, 5 (fine); 60-120 s: 1 replica, 30 (> 10 × 1: overloaded);
  // 120-180 s: 3 replicas, 30 (fine); 180-240 s: 2 replicas, 30 (> 20: overloaded, never answered).
  const rows = [row(0, 5, 1), row(60, 30, 1), row(120, 30, 3), row(180, 30, 2), row(240, 0, 2)];
  const s = summarize('x', rows, so);
  // (1 × 60 + 1 × 60 + 3 × 60 + 2 × 60) s = 420 replica-seconds.
  expect(s.replicaHours).toBeCloseTo(420 / 3600, 10);
  expect(s.overloadedMinutes).toBe(2);
  expect(s.scaleEvents).toBe(2);
  expect(s.peakReplicas).toBe(3);
  // The overload from 60 s is answered at 120 s; the one from 180 s never is.
  expect(s.reactionSeconds).toEqual([60, undefined]);
});

test('--set edits the document where KEDA reads each key', () => {
  const doc = {
    spec: {
      triggers: [
        { name: 'a', metadata: { threshold: '1' } },
        { name: 'b', metadata: { threshold: '2' } },
      ],
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 15 }] } },
        },
      },
    },
  };
  applySet(doc, 'threshold', '50');
  applySet(doc, 'b.activationThreshold', '3');
  applySet(doc, 'cooldownPeriod', '60');
  applySet(doc, 'scaleUp.policies[0].value', '4');
  applySet(doc, 'scaleDown.stabilizationWindowSeconds', '0');
  expect(doc).toEqual({
    spec: {
      cooldownPeriod: 60,
      triggers: [
        { name: 'a', metadata: { threshold: '50' } },
        { name: 'b', metadata: { threshold: '50', activationThreshold: '3' } },
      ],
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: {
            scaleUp: { policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }] },
            scaleDown: { stabilizationWindowSeconds: 0 },
          },
        },
      },
    },
  });
  expect(() => applySet(doc, 'c.threshold', '1')).toThrow(
    '--set c.threshold: no trigger named "c"',
  );
  expect(() => applySet(doc, 'scaleUp.policies[3].value', '1')).toThrow(
    'scaleUp has 1 policies in the file',
  );
  expect(() => parseSet('threshold=')).toThrow(WhatIfError);
  expect(parseSet('pollingInterval=10, 30')).toEqual({
    key: 'pollingInterval',
    values: ['10', '30'],
  });
});
