// Alertmanager webhook payloads (version 4): what is accepted and how a bad one is named.
import { parseAlertmanagerPayload } from '../../../src/push/alertmanager-webhook';

const payload = (alerts: unknown, version: unknown = '4'): string =>
  JSON.stringify({ version, status: 'firing', receiver: 'scaler', alerts });

test('firing alerts are returned with their labels; resolved ones are only counted', () => {
  const result = parseAlertmanagerPayload(
    payload([
      { status: 'firing', labels: { alertname: 'QueueBacklog', namespace: 'shop' } },
      { status: 'resolved', labels: { alertname: 'QueueBacklog', namespace: 'other' } },
    ]),
  );
  expect(result).toEqual({
    ok: true,
    firing: [{ name: 'QueueBacklog', labels: { alertname: 'QueueBacklog', namespace: 'shop' } }],
    resolved: 1,
  });
});

test.each([
  ['not JSON', '{', 'the body is not JSON'],
  ['not an object', '"x"', 'the body is not a JSON object'],
  ['another version', payload([], '3'), 'version: must be "4"'],
  ['alerts not a list', payload({}), 'alerts: must be a list'],
  ['labels missing', payload([{ status: 'firing' }]), 'alerts[0].labels: must be a mapping'],
  [
    'a label that is not a string',
    payload([{ status: 'firing', labels: { alertname: 'A', n: 1 } }]),
    'alerts[0].labels: values must be strings',
  ],
  [
    'alertname missing',
    payload([{ status: 'firing', labels: { a: 'b' } }]),
    'alerts[0].labels.alertname: is required',
  ],
  [
    'unknown status',
    payload([{ status: 'pending', labels: { alertname: 'A' } }]),
    'alerts[0].status: must be "firing" or "resolved"',
  ],
])('%s is rejected: %s', (_name, body, error) => {
  const result = parseAlertmanagerPayload(body);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.error).toContain(error);
});
