// Every ScaledObject field the simulator reads is checked: the message names the field and its
// rule; null and {} behaviors stay distinct; all triggers, scalingModifiers and fallback are read.
import { SCALEDOBJECT_FLAG_WORDS } from '../../../src/cli/cli-config';
import { ManifestError } from '../../../src/manifest/manifest-error';
import { parseScaledObject } from '../../../src/manifest/scaledobject-file';

const trigger = { type: 'external', metadata: { query: 'q', threshold: '5' } };
const doc = (spec: Record<string, unknown>) => ({
  kind: 'ScaledObject',
  metadata: { name: 'x' },
  spec: { triggers: [trigger], ...spec },
});
const hpa = (behavior: unknown) => ({ advanced: { horizontalPodAutoscalerConfig: { behavior } } });

test.each([
  [{ pollingInterval: 0 }, 'spec.pollingInterval: must be a whole number >= 1, got 0'],
  [{ pollingInterval: '30' }, 'spec.pollingInterval: must be a whole number >= 1, got "30"'],
  [{ cooldownPeriod: -1 }, 'spec.cooldownPeriod: must be a whole number >= 0, got -1'],
  [{ maxReplicaCount: 0 }, 'spec.maxReplicaCount: must be a whole number >= 1, got 0'],
  [{ minReplicaCount: 1.5 }, 'spec.minReplicaCount: must be a whole number >= 0, got 1.5'],
  [
    { minReplicaCount: 5, maxReplicaCount: 2 },
    'spec.minReplicaCount: must not exceed maxReplicaCount (2), got 5',
  ],
  [
    { minReplicaCount: 1, idleReplicaCount: 1 },
    'spec.idleReplicaCount: must be less than minReplicaCount (1), got 1',
  ],
  [hpa('fast'), 'spec.advanced.horizontalPodAutoscalerConfig.behavior: must be a map, got "fast"'],
  [hpa({ scaleUp: [] }), 'behavior.scaleUp: must be a map, got []'],
  [
    hpa({ scaleUp: { policies: [{ type: 'Pods', value: 'ten', periodSeconds: 15 }] } }),
    'behavior.scaleUp.policies[0].value: must be a whole number >= 1, got "ten"',
  ],
  [
    hpa({ scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 3600 }] } }),
    'behavior.scaleDown.policies[0].periodSeconds: must be a whole number between 1 and 1800, got 3600',
  ],
  [
    hpa({ scaleDown: { policies: [] } }),
    'behavior.scaleDown.policies: must be a list of at least one policy, got []',
  ],
  [
    hpa({ scaleUp: { selectPolicy: 'Fastest' } }),
    'behavior.scaleUp.selectPolicy: must be one of Max, Min, Disabled, got "Fastest"',
  ],
  [
    hpa({ scaleUp: { stabilizationWindowSeconds: 4000 } }),
    'stabilizationWindowSeconds: must be a whole number between 0 and 3600, got 4000',
  ],
  [
    hpa({ scaleUp: { tolerance: '-1' } }),
    'behavior.scaleUp.tolerance: must be a quantity >= 0 such as 0.05 or 50m, got "-1"',
  ],
  [{ triggers: [] }, 'spec.triggers: must be a list of at least one trigger, got []'],
  [
    { triggers: [{ ...trigger, metricType: 'Utilization' }] },
    'spec.triggers[0].metricType: must be one of AverageValue, Value, got "Utilization"',
  ],
  [
    { triggers: [{ type: 'cpu', metricType: 'Percent', metadata: { value: '60' } }] },
    'spec.triggers[0].metricType: must be one of AverageValue, Value, Utilization, got "Percent"',
  ],
  [
    { triggers: [{ ...trigger, name: 42 }] },
    'spec.triggers[0].name: must be a string of 1 to 253 characters without control characters, got 42',
  ],
  [
    { triggers: [{ ...trigger, name: 'b\u001b[31mRED\nFAKE' }] },
    'spec.triggers[0].name: must be a string of 1 to 253 characters without control characters, got "b\\u001b[31mRED\\nFAKE"',
  ],
  [
    {
      triggers: [
        { ...trigger, name: 'a' },
        { ...trigger, name: 'a' },
      ],
    },
    'spec.triggers[1].name: must be unique within the ScaledObject, got "a"',
  ],
  [{ fallback: { replicas: 3 } }, 'spec.fallback.failureThreshold: is required'],
  [
    { fallback: { failureThreshold: 3, replicas: 2, behavior: 'sometimes' } },
    'spec.fallback.behavior: must be one of static, currentReplicas',
  ],
  [
    { advanced: { scalingModifiers: { target: '5' } } },
    'spec.advanced.scalingModifiers.formula: is mandatory',
  ],
  [
    { triggers: [{ ...trigger, name: 'a' }], advanced: { scalingModifiers: { formula: 'a * 2' } } },
    'spec.advanced.scalingModifiers.target: is required with a formula',
  ],
  [
    {
      triggers: [{ ...trigger, name: 'a' }],
      advanced: { scalingModifiers: { formula: 'a * b', target: '2' } },
    },
    'spec.advanced.scalingModifiers.formula: unknown name "b"',
  ],
  [
    {
      triggers: [{ ...trigger, name: 'a' }],
      advanced: { scalingModifiers: { formula: 'a', target: '0' } },
    },
    'spec.advanced.scalingModifiers.target: must be > 0, got "0"',
  ],
])('refuses %j', (spec, message) => {
  expect(() => parseScaledObject(doc(spec))).toThrow(ManifestError);
  expect(() => parseScaledObject(doc(spec))).toThrow(message);
});

test('a null behavior is no behavior (legacy rules); {} is a behavior with defaults', () => {
  expect(parseScaledObject(doc(hpa(null))).behavior).toBeUndefined();
  expect(parseScaledObject(doc({})).behavior).toBeUndefined();
  expect(parseScaledObject(doc(hpa({}))).behavior).toEqual({});
  expect(parseScaledObject(doc(hpa({ scaleUp: { tolerance: '50m' } }))).behavior).toEqual({
    scaleUp: { tolerance: 0.05 },
  });
});

test('all triggers, scalingModifiers and fallback are read, with KEDA defaults', () => {
  const so = parseScaledObject(
    doc({
      triggers: [
        { ...trigger, name: 'rps' },
        { ...trigger, name: 'queue', metricType: 'Value' },
      ],
      advanced: { scalingModifiers: { formula: 'max(rps, queue)', target: '10' } },
      fallback: { failureThreshold: 3, replicas: 4 },
    }),
  );
  expect(so.triggers.map(t => [t.name, t.metricType])).toEqual([
    ['rps', 'AverageValue'],
    ['queue', 'Value'],
  ]);
  expect(so.scalingModifiers).toMatchObject({
    target: 10,
    activationTarget: 0,
    metricType: 'AverageValue',
  });
  expect(so.fallback).toEqual({ failureThreshold: 3, replicas: 4, behavior: 'static' });
  expect(so).toMatchObject({
    pollingIntervalSeconds: 30,
    cooldownPeriodSeconds: 300,
    minReplicaCount: 0,
    maxReplicaCount: 100,
  });
  // --trigger N replays one trigger, without the formula.
  const one = parseScaledObject(
    doc({
      triggers: [
        { ...trigger, name: 'rps' },
        { ...trigger, name: 'queue' },
      ],
      advanced: { scalingModifiers: { formula: 'rps', target: '1' } },
    }),
    1,
  );
  expect(one.triggers.map(t => t.name)).toEqual(['queue']);
  expect(one.scalingModifiers).toBeUndefined();
});

test('real manifests: a cpu trigger with Utilization and hyphenated names are carried along', () => {
  const so = parseScaledObject(
    doc({
      triggers: [
        { ...trigger, name: 'http-rps' },
        { type: 'cpu', metricType: 'Utilization', metadata: { value: '60' } },
      ],
    }),
  );
  expect(so.triggers.map(t => [t.name, t.type])).toEqual([
    ['http-rps', 'external'],
    ['trigger1', 'cpu'],
  ]);
});

test('a trigger index past the last trigger lists the valid numbers with their names; the CLI names its flag', () => {
  const two = doc({ triggers: [{ ...trigger, name: 'rps' }, trigger] });
  let error: unknown;
  try {
    parseScaledObject(two, 2);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ManifestError);
  // The loader knows no command line: its message names no flag.
  expect((error as ManifestError).message).toBe(
    'trigger index 2: the ScaledObject has 2 trigger(s), 0 (rps), 1 (trigger1); trigger index counts from 0',
  );
  expect((error as ManifestError).describe(SCALEDOBJECT_FLAG_WORDS)).toBe(
    '--trigger 2: the ScaledObject has 2 trigger(s), 0 (rps), 1 (trigger1); --trigger counts from 0',
  );
});
