// Suggestions for misspelt keys: still found with the bounded distance, never for long input.
import { MAX_SUGGESTION_INPUT, didYouMean } from '../../../src/util/did-you-mean';

const KNOWN = ['query', 'threshold', 'activationThreshold', 'serverAddress', 'timeout'];

test.each([
  ['qurey', 'query'],
  ['QUERY', 'query'],
  ['treshold', 'threshold'],
  ['thresohld', 'threshold'],
  ['activationTreshold', 'activationThreshold'],
  ['serveraddres', 'serverAddress'],
])('%s → %s', (typo, expected) => {
  expect(didYouMean(typo, KNOWN)).toBe(expected);
});

test.each(['foo', 'q', 'xyzxyzxyz', ''])('%j is too far from every name', typo => {
  expect(didYouMean(typo, KNOWN)).toBeUndefined();
});

test('input longer than MAX_SUGGESTION_INPUT gets no suggestion, even when it contains a name', () => {
  expect(didYouMean(`query${'y'.repeat(MAX_SUGGESTION_INPUT)}`, KNOWN)).toBeUndefined();
  expect(didYouMean('threshold'.repeat(8), ['threshold'.repeat(8)])).toBeUndefined();
});
