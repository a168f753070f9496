// The one mapping from errors to gRPC statuses
// (docs/errors-and-limits.md "Errors and gRPC statuses").
import { status } from '@grpc/grpc-js';
import type { ScalerErrorKind } from '../../src/errors';
import { ScalerError, isScalerError } from '../../src/errors';
import { toGrpcStatus } from '../../src/scaler/grpc-status';

test.each<[ScalerErrorKind, status]>([
  ['invalid_metadata', status.INVALID_ARGUMENT],
  ['permission_denied', status.PERMISSION_DENIED],
  ['bad_query', status.INVALID_ARGUMENT],
  ['no_data', status.FAILED_PRECONDITION],
  ['unavailable', status.UNAVAILABLE],
  ['deadline_exceeded', status.DEADLINE_EXCEEDED],
  ['cancelled', status.CANCELLED],
])('%s → %s', (kind, code) => {
  expect(toGrpcStatus(new ScalerError(kind, 'why'))).toEqual({
    code,
    details: 'why',
    internal: false,
  });
});

test('anything else is INTERNAL with a generic message: no internals reach KEDA', () => {
  const bug = Object.assign(new Error('connect ECONNREFUSED 10.1.2.3:9090'), { code: 503 });
  const st = toGrpcStatus(bug);
  expect(st.code).toBe(status.INTERNAL);
  expect(st.internal).toBe(true);
  expect(st.details).not.toContain('10.1.2.3');
});

test('isScalerError checks the brand, not the prototype', () => {
  expect(isScalerError(new ScalerError('cancelled', 'x'))).toBe(true);
  expect(isScalerError(new Error('x'))).toBe(false);
  expect(isScalerError({ kind: 'cancelled' })).toBe(false);
  expect(isScalerError(null)).toBe(false);
});
