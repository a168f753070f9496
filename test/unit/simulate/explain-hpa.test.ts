// check's HPA explanation runs on the simulator's engine: the release's tolerance rule and
// KEDA's milli-units, so check and simulate cannot disagree.
import { explainHpa, quantity } from '../../../src/simulate/explain-hpa';
import { proposeReplicas } from '../../../src/simulate/hpa-model';

const tol = { scaleUp: 0.1, scaleDown: 0.1 };

test('22 at 2 replicas against 10: 1.32 scales to 3, 1.35 keeps 2, as simulate does', () => {
  const old = explainHpa('AverageValue', 22, 10, 2, 1, 10, tol, '1.32');
  const now = explainHpa('AverageValue', 22, 10, 2, 1, 10, tol, '1.35');
  expect(old).toMatchObject({ desired: 3, withinTolerance: false, shown: '11/10 (avg)' });
  expect(now).toMatchObject({ desired: 2, withinTolerance: true });
  expect(old.steps).toContain(
    'outside tolerance, not |1 - 1.100| <= 0.1 (Kubernetes 1.32): desired = ceil(22 / 10) = 3',
  );
  expect(now.steps).toContain(
    '0.9 <= 1.100 <= 1.1 (Kubernetes 1.35): within tolerance, the HPA keeps 2 replicas',
  );
  for (const v of ['1.32', '1.35'] as const)
    expect(explainHpa('AverageValue', 22, 10, 2, 1, 10, tol, v).proposal).toBe(
      proposeReplicas('AverageValue', 22, 10, 2, 0.1, v),
    );
});

test('values are shown and used as the quantities KEDA sends: 5.0005 is 5, 0.0625 is 62m', () => {
  expect(quantity(5.0005)).toBe('5');
  expect(quantity(0.0625)).toBe('62m');
  expect(explainHpa('Value', 5.0005, 1, 1, 1, 10).proposal).toBe(5);
});
