// Watcher logic with fake timers and a fake evaluator: initial state, transitions only, errors
// keep streams, sharing, alert wake-ups, and no watcher or timer left after the last stream.
import type { Evaluation, EvaluationMode } from '../../../src/core/evaluate';
import type { ResolvedTrigger } from '../../../src/core/resolve-trigger';
import { ALERT_WRITES_PER_TURN, WatcherHub } from '../../../src/push/watcher-hub';
import { parseTrigger } from '../../../src/metadata/parse-trigger';
import type { Source } from '../../../src/sources/source';
import { createLogger } from '../../../src/telemetry/logger';
import { NoopMetrics } from '../../../src/telemetry/metrics';

/** Scripted activity per query; counts evaluations. */
class FakeEvaluator {
  active = new Map<string, boolean | Error>();
  calls: { query: string; mode: EvaluationMode }[] = [];
  evaluate = (
    trigger: ResolvedTrigger,
    _ctx: unknown,
    _tenant: string,
    mode: EvaluationMode = {},
  ): Promise<Evaluation> => {
    const query = trigger.spec.activationQuery ?? trigger.spec.query;
    this.calls.push({ query, mode });
    const state = this.active.get(query) ?? false;
    if (state instanceof Error) return Promise.reject(state);
    return Promise.resolve({
      value: state ? 1 : 0,
      active: state,
      source: 's',
      ageMs: 0,
      outcome: 'hit',
    });
  };
}

const source = { name: 's', url: 'http://p:9090' } as Source;
const trigger = (metadata: Record<string, string>): ResolvedTrigger => ({
  spec: parseTrigger({ threshold: '1', ...metadata }),
  source,
  metricName: 'm',
});

let evaluator: FakeEvaluator;
let hub: WatcherHub;
let metrics: NoopMetrics;

beforeEach(() => {
  // Start on an interval boundary, so the ticks' times are easy to state.
  jest.useFakeTimers({ now: 0 });
  evaluator = new FakeEvaluator();
  metrics = new NoopMetrics();
  hub = new WatcherHub({
    evaluator,
    logger: createLogger('silent'),
    metrics,
    defaultIntervalMs: 5000,
  });
});
afterEach(() => {
  hub.close();
  jest.useRealTimers();
});

const sink = () => {
  const sent: boolean[] = [];
  return { sent, write: (active: boolean) => void sent.push(active) };
};

test('sends the current state once on open, then nothing while it does not change', async () => {
  const s = sink();
  hub.subscribe(trigger({ query: 'q' }), 'ns', s);
  await jest.advanceTimersByTimeAsync(0);
  expect(s.sent).toEqual([false]);
  await jest.advanceTimersByTimeAsync(30_000);
  expect(s.sent).toEqual([false]);
});

test('sends true only on inactive → active, never repeats it, and never sends false again', async () => {
  const s = sink();
  hub.subscribe(trigger({ query: 'q' }), 'ns', s);
  await jest.advanceTimersByTimeAsync(0);
  evaluator.active.set('q', true);
  await jest.advanceTimersByTimeAsync(5000);
  await jest.advanceTimersByTimeAsync(20_000);
  evaluator.active.set('q', false);
  await jest.advanceTimersByTimeAsync(10_000);
  evaluator.active.set('q', true);
  await jest.advanceTimersByTimeAsync(5000);
  expect(s.sent).toEqual([false, true, true]);
});

test('an evaluation error keeps the stream and the next good evaluation continues', async () => {
  const s = sink();
  evaluator.active.set('q', new Error('prometheus down'));
  hub.subscribe(trigger({ query: 'q' }), 'ns', s);
  await jest.advanceTimersByTimeAsync(10_000);
  expect(s.sent).toEqual([]);
  evaluator.active.set('q', true);
  await jest.advanceTimersByTimeAsync(5000);
  expect(s.sent).toEqual([true]);
});

test('streams with the same evaluation share one watcher: one evaluation per interval', async () => {
  const streams = Array.from({ length: 50 }, () => sink());
  for (const s of streams)
    hub.subscribe(trigger({ query: 'q', activationInterval: '2s' }), 'ns', s);
  await jest.advanceTimersByTimeAsync(10_300);
  expect(hub.watcherCount).toBe(1);
  // At open, then just after each boundary: 2, 4, 6, 8 and 10 s (jitter < 200 ms).
  expect(evaluator.calls).toHaveLength(6);
  expect(evaluator.calls[0]?.mode).toEqual({
    activation: true,
    ttlMs: 2000,
    allowPreviousBucket: false,
  });
  expect(streams.every(s => s.sent.length === 1)).toBe(true);
});

test('activationQuery decides activity', async () => {
  const s = sink();
  evaluator.active.set('queue_depth', true);
  hub.subscribe(trigger({ query: 'rate', activationQuery: 'queue_depth' }), 'ns', s);
  await jest.advanceTimersByTimeAsync(0);
  expect(s.sent).toEqual([true]);
});

test('10,000 streams opened then cancelled leave zero watchers and zero timers', async () => {
  const unsubscribes = Array.from({ length: 10_000 }, (_, i) =>
    hub.subscribe(trigger({ query: `q${i % 100}` }), `ns${i % 7}`, sink()),
  );
  expect(hub.watcherCount).toBe(100);
  await jest.advanceTimersByTimeAsync(0);
  for (const unsubscribe of unsubscribes) unsubscribe();
  unsubscribes[0]!(); // a second cancel is harmless
  expect(hub.watcherCount).toBe(0);
  expect(jest.getTimerCount()).toBe(0);
});

describe('Alertmanager wake-ups', () => {
  const alerting = (labels = '') =>
    trigger({
      query: 'q',
      activationAlert: 'QueueBacklog',
      ...(labels ? { activationAlertLabels: labels } : {}),
    });

  test('a matching firing alert sends true at once to inactive streams, only once', async () => {
    const a = sink();
    const b = sink();
    hub.subscribe(alerting(), 'ns', a);
    hub.subscribe(alerting(), 'ns', b);
    await jest.advanceTimersByTimeAsync(0);
    expect(hub.alert({ name: 'QueueBacklog', labels: { alertname: 'QueueBacklog' } })).toEqual({
      watchers: 1,
      streams: 2,
    });
    expect(a.sent).toEqual([false, true]);
    expect(hub.alert({ name: 'QueueBacklog', labels: {} })).toEqual({ watchers: 1, streams: 0 });
    expect(a.sent).toEqual([false, true]);
  });

  test('a wide alert writes 100 streams at once and the rest in the next turns, none twice', async () => {
    const sinks = Array.from({ length: 2 * ALERT_WRITES_PER_TURN + 50 }, () => sink());
    const leave = sinks.map(s => hub.subscribe(alerting(), 'ns', s));
    await jest.advanceTimersByTimeAsync(0);
    const woken = (): number => sinks.filter(s => s.sent.includes(true)).length;
    expect(hub.alert({ name: 'QueueBacklog', labels: {} })).toEqual({
      watchers: 1,
      streams: sinks.length,
    });
    expect(woken()).toBe(ALERT_WRITES_PER_TURN);
    leave[sinks.length - 1]!(); // a stream closed while its wake-up waits is not written
    await jest.advanceTimersToNextTimerAsync(); // the next turn: 100 more
    expect(woken()).toBe(2 * ALERT_WRITES_PER_TURN);
    await jest.advanceTimersToNextTimerAsync();
    expect(woken()).toBe(sinks.length - 1);
    expect(sinks[0]!.sent).toEqual([false, true]);
    expect(sinks[sinks.length - 2]!.sent).toEqual([false, true]);
    expect(sinks[sinks.length - 1]!.sent).toEqual([false]);
  });

  test('activationAlertLabels narrow the match; other alerts wake nothing', async () => {
    const shop = sink();
    hub.subscribe(alerting('namespace=shop'), 'shop', shop);
    await jest.advanceTimersByTimeAsync(0);
    expect(hub.alert({ name: 'QueueBacklog', labels: { namespace: 'other' } }).streams).toBe(0);
    expect(hub.alert({ name: 'OtherAlert', labels: { namespace: 'shop' } }).streams).toBe(0);
    expect(
      hub.alert({ name: 'QueueBacklog', labels: { namespace: 'shop', pod: 'x' } }).streams,
    ).toBe(1);
    expect(shop.sent).toEqual([false, true]);
  });

  test('the watcher re-evaluates soon after an alert, and follows the data', async () => {
    const s = sink();
    hub.subscribe(alerting(), 'ns', s);
    await jest.advanceTimersByTimeAsync(0);
    const before = evaluator.calls.length;
    hub.alert({ name: 'QueueBacklog', labels: {} });
    await jest.advanceTimersByTimeAsync(1000);
    expect(evaluator.calls.length).toBe(before + 1);
    // Still inactive per the data: no false is sent (KEDA ignores it); a later rise sends true.
    evaluator.active.set('q', true);
    await jest.advanceTimersByTimeAsync(5000);
    expect(s.sent).toEqual([false, true, true]);
  });
});

test('sources on one URL (different tenant headers) never share a watcher', () => {
  const spec = parseTrigger({ threshold: '1', query: 'q' });
  const on = (id: string): ResolvedTrigger => ({
    spec,
    source: { id, name: id, url: 'http://mimir:8080' } as Source,
    metricName: 'm',
  });
  hub.subscribe(on('tenant-a'), 'team-a', sink());
  hub.subscribe(on('tenant-b'), 'team-b', sink());
  expect(hub.watcherCount).toBe(2);
});

test("streams of one query share a watcher, and each hears its own trigger's answer", async () => {
  // Answers with the trigger's own policy: its fallbackValue against its own threshold.
  const seen: string[] = [];
  const own = new WatcherHub({
    evaluator: {
      evaluate: (t: ResolvedTrigger, _ctx: unknown, tenant: string) => {
        seen.push(tenant);
        const value = t.spec.fallbackValue ?? 0;
        return Promise.resolve({
          value,
          active: value > t.spec.activationThreshold,
          source: 's',
          ageMs: 0,
          outcome: 'fallback',
        });
      },
    },
    logger: createLogger('silent'),
    metrics,
    defaultIntervalMs: 5000,
  });
  try {
    const b = sink();
    const a = sink();
    const leaveB = own.subscribe(
      trigger({ query: 'q', activationThreshold: '5', fallbackValue: '100', timeout: '1' }),
      'team-b',
      b,
    );
    own.subscribe(trigger({ query: 'q', activationThreshold: '5' }), 'team-a', a);
    await jest.advanceTimersByTimeAsync(0);
    expect(own.watcherCount).toBe(1);
    expect(b.sent).toEqual([true]);
    expect(a.sent).toEqual([false]);
    await jest.advanceTimersByTimeAsync(5000);
    // One evaluation per interval for each namespace's trigger, each charged to its namespace.
    expect(seen.slice(-2).sort()).toEqual(['team-a', 'team-b']);
    leaveB();
    seen.length = 0;
    await jest.advanceTimersByTimeAsync(5000);
    expect(seen).toEqual(['team-a']);
    expect(a.sent).toEqual([false]);
  } finally {
    own.close();
  }
});
