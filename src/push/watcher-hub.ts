// Shared activation watchers: every StreamIsActive whose activation query is the same upstream
// request shares one watcher, which has it evaluated once per activationInterval; each stream's
// own trigger (threshold, fallbackValue, maxStaleness, timeout) decides what that stream hears,
// and only inactive → active transitions are pushed. Alertmanager alerts wake matching streams.
import { setMaxListeners } from 'node:events';
import { jitterMs, msToNextBucket } from '../cache/time-bucket';
import type { Evaluator } from '../core/evaluate';
import type { ResolvedTrigger } from '../core/resolve-trigger';
import { TriggerRequests } from '../core/trigger-requests';
import { compactKey } from '../util/compact-key';
import type { Logger } from '../telemetry/logger';
import type { Metrics } from '../telemetry/metrics';

/** Where a watcher's news goes: one open stream. */
export interface StreamSink {
  write(active: boolean): void;
}

interface Subscriber {
  sink: StreamSink;
  /** What this stream was last told; undefined until its first message. */
  last: boolean | undefined;
  /** Unsubscribed: a wake-up still queued for it is dropped. */
  left: boolean;
}

/**
 * Streams of one namespace with the same trigger: they hear the same thing. Each group applies
 * its own trigger to the watcher's shared query, so no stream's settings reach another's.
 */
interface Group {
  key: string;
  watcher: Watcher;
  trigger: ResolvedTrigger;
  namespace: string;
  subscribers: Set<Subscriber>;
  /** The latest known state for this trigger, undefined before its first evaluation. */
  active: boolean | undefined;
  /** Whether the previous evaluation failed: log a failure once, not every interval. */
  failing: boolean;
}

/** One upstream request (query, source identity, interval): evaluated once per interval. */
interface Watcher {
  key: string;
  intervalMs: number;
  groups: Map<string, Group>;
  timer: NodeJS.Timeout | undefined;
  alertTimer: NodeJS.Timeout | undefined;
  evaluating: boolean;
  jitterMs: number;
}

/** A firing alert from Alertmanager's webhook. */
export interface FiringAlert {
  name: string;
  labels: Readonly<Record<string, string>>;
}

/**
 * After an alert wakes a watcher, evaluate again this soon (ms) so its state follows the data;
 * the alert already means Prometheus has seen the condition.
 */
const REEVALUATE_AFTER_ALERT_MS = 1000;

/**
 * Streams an alert wakes per event-loop turn (count). A wake-up costs about 11 µs of writing (an
 * alert to 1,000 streams took 11 ms, docs/performance.md); in turns of 100 the HTTP/2 frames of
 * the first streams go out while the rest are written, instead of all after the last one, and no
 * turn blocks the event loop for long. An alert to at most this many streams is written at once.
 */
export const ALERT_WRITES_PER_TURN = 100;

export interface WatcherHubDeps {
  /** The real Evaluator, or a fake in unit tests. */
  evaluator: Pick<Evaluator, 'evaluate'>;
  logger: Logger;
  metrics: Metrics;
  defaultIntervalMs: number;
}

export class WatcherHub {
  private readonly watchers = new Map<string, Watcher>();
  /** Groups whose trigger names an activationAlert, by that alert's name. */
  private readonly byAlert = new Map<string, Set<Group>>();
  private readonly closed = new AbortController();
  private readonly requests = new TriggerRequests();
  /** Streams an alert has woken whose `true` is still to be written, oldest first. */
  private alertWrites: Subscriber[] = [];
  private flushScheduled = false;

  constructor(private readonly deps: WatcherHubDeps) {
    // Every watcher's evaluation in flight listens for close.
    setMaxListeners(0, this.closed.signal);
    deps.metrics.observeWatchers(() => this.watchers.size);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /**
   * Adds a stream to the watcher of its activation query, creating and starting the watcher if
   * needed. The stream gets its trigger's current state at once when it is known, else after the
   * next evaluation. Returns the function that removes it; the last removal stops the watcher.
   */
  subscribe(trigger: ResolvedTrigger, namespace: string, sink: StreamSink): () => void {
    const intervalMs = trigger.spec.activationIntervalMs ?? this.deps.defaultIntervalMs;
    // The watcher is the shared part: the upstream request and its interval, nothing else.
    const key = this.requests.of(trigger, intervalMs, 'activation').key;
    let watcher = this.watchers.get(key);
    const isNew = watcher === undefined;
    watcher ??= {
      key,
      intervalMs,
      groups: new Map(),
      timer: undefined,
      alertTimer: undefined,
      evaluating: false,
      jitterMs: jitterMs(key, intervalMs),
    };
    // Every field of the trigger, so that two streams share what they hear only when nothing
    // they chose differs; a digest when long.
    const groupKey = compactKey(JSON.stringify([namespace, trigger.spec]));
    let group = watcher.groups.get(groupKey);
    const subscriber: Subscriber = { sink, last: undefined, left: false };
    if (group === undefined) {
      group = {
        key: groupKey,
        watcher,
        trigger,
        namespace,
        subscribers: new Set([subscriber]),
        active: undefined,
        failing: false,
      };
      this.addGroup(group);
      if (!isNew) void this.evaluateGroups(watcher, [group]);
    } else {
      group.subscribers.add(subscriber);
      if (group.active !== undefined) this.deliver(subscriber, group.active, 'poll');
    }
    if (isNew) this.start(watcher);
    const g = group;
    return () => {
      subscriber.left = true;
      if (!g.subscribers.delete(subscriber)) return;
      if (g.subscribers.size > 0) return;
      this.removeGroup(g);
      if (g.watcher.groups.size === 0) this.stop(g.watcher);
    };
  }

  /**
   * Wakes every stream whose trigger the alert matches: `true` to its inactive streams, the first
   * {@link ALERT_WRITES_PER_TURN} at once and the rest in the next event-loop turns. Their state
   * (and the count returned) changes at once.
   */
  alert(alert: FiringAlert): { watchers: number; streams: number } {
    const woken = new Set<Watcher>();
    let streams = 0;
    for (const group of this.byAlert.get(alert.name) ?? []) {
      const wanted = group.trigger.spec.activationAlertLabels;
      if (!Object.entries(wanted).every(([k, v]) => alert.labels[k] === v)) continue;
      woken.add(group.watcher);
      group.active = true;
      for (const subscriber of group.subscribers) {
        if (this.wake(subscriber)) streams++;
      }
    }
    if (!this.flushScheduled) this.flushAlertWrites();
    for (const watcher of woken) {
      // Deactivation stays with polling; this only makes the state follow the data sooner.
      clearTimeout(watcher.alertTimer);
      watcher.alertTimer = setTimeout(
        () => void this.evaluate(watcher),
        Math.min(REEVALUATE_AFTER_ALERT_MS, watcher.intervalMs),
      );
      watcher.alertTimer.unref();
    }
    return { watchers: woken.size, streams };
  }

  /** Stops every watcher (server shutdown; the streams themselves are ended elsewhere). */
  close(): void {
    this.alertWrites = [];
    this.closed.abort();
    for (const watcher of [...this.watchers.values()]) this.stop(watcher);
  }

  private addGroup(group: Group): void {
    group.watcher.groups.set(group.key, group);
    const alertName = group.trigger.spec.activationAlert;
    if (alertName !== undefined) {
      const set = this.byAlert.get(alertName) ?? new Set();
      set.add(group);
      this.byAlert.set(alertName, set);
    }
  }

  private removeGroup(group: Group): void {
    group.subscribers.clear();
    group.watcher.groups.delete(group.key);
    const alertName = group.trigger.spec.activationAlert;
    if (alertName !== undefined) {
      const set = this.byAlert.get(alertName);
      set?.delete(group);
      if (set?.size === 0) this.byAlert.delete(alertName);
    }
  }

  private start(watcher: Watcher): void {
    this.watchers.set(watcher.key, watcher);
    void this.evaluate(watcher);
    this.scheduleTick(watcher);
  }

  /**
   * Ticks just after each activationInterval boundary, the start of the time bucket the cache
   * queries for (result-cache.ts). An unaligned tick could read a bucket computed just before a
   * crossing and see it one interval late; aligned, a crossing is seen within one interval (plus
   * Prometheus's scrape interval). Spread over the first tenth of the interval, at most 1 s.
   */
  private scheduleTick(watcher: Watcher): void {
    watcher.timer = setTimeout(
      () => {
        void this.evaluate(watcher);
        if (this.watchers.get(watcher.key) === watcher) this.scheduleTick(watcher);
      },
      msToNextBucket(Date.now(), watcher.intervalMs) + watcher.jitterMs,
    );
    watcher.timer.unref();
  }

  private stop(watcher: Watcher): void {
    clearTimeout(watcher.timer);
    clearTimeout(watcher.alertTimer);
    for (const group of [...watcher.groups.values()]) this.removeGroup(group);
    this.watchers.delete(watcher.key);
  }

  /**
   * Sends what a stream must hear: its first state, then `true` only on a transition from
   * inactive. KEDA ignores `false` and each `true` postpones its cooldown (http-add-on #1792).
   * Returns whether a `true` transition was sent.
   */
  private deliver(subscriber: Subscriber, active: boolean, cause: 'poll' | 'alert'): boolean {
    const previous = subscriber.last;
    subscriber.last = active;
    if (previous === undefined) {
      subscriber.sink.write(active);
      return false;
    }
    if (active && !previous) {
      subscriber.sink.write(true);
      this.deps.metrics.activationTransition(cause);
      return true;
    }
    return false;
  }

  /** An alert's `true` for one stream, when inactive: its state now, its write queued. */
  private wake(subscriber: Subscriber): boolean {
    if (subscriber.last !== false) {
      // Before its first message (or already active): the same as a poll saying true.
      return this.deliver(subscriber, true, 'alert');
    }
    subscriber.last = true;
    this.deps.metrics.activationTransition('alert');
    this.alertWrites.push(subscriber);
    return true;
  }

  /** Writes up to {@link ALERT_WRITES_PER_TURN} queued wake-ups; the rest in the next turn. */
  private readonly flushAlertWrites = (): void => {
    const batch = this.alertWrites.splice(0, ALERT_WRITES_PER_TURN);
    for (const subscriber of batch) if (!subscriber.left) subscriber.sink.write(true);
    this.flushScheduled = this.alertWrites.length > 0;
    if (this.flushScheduled) setImmediate(this.flushAlertWrites);
  };

  /** One evaluation of the watcher's query, applied by each of its groups. */
  private async evaluate(watcher: Watcher): Promise<void> {
    if (watcher.evaluating || this.watchers.get(watcher.key) !== watcher) return;
    watcher.evaluating = true;
    try {
      await this.evaluateGroups(watcher, [...watcher.groups.values()]);
    } finally {
      watcher.evaluating = false;
    }
  }

  /**
   * Each group evaluates with its own trigger, all at once: they wait on the same cached query
   * (one upstream request per interval, coalesced in the cache), each within its own timeout and
   * with its own fallbackValue, maxStaleness and threshold.
   */
  private async evaluateGroups(watcher: Watcher, groups: Group[]): Promise<void> {
    await Promise.all(
      groups.map(async group => {
        const { trigger } = group;
        try {
          const { active } = await this.deps.evaluator.evaluate(
            trigger,
            { signal: this.closed.signal, deadlineMs: Infinity },
            group.namespace,
            { activation: true, ttlMs: watcher.intervalMs, allowPreviousBucket: false },
          );
          // The group may have closed while it waited.
          if (watcher.groups.get(group.key) !== group) return;
          if (group.failing) {
            this.deps.logger.info({ metric: trigger.metricName }, 'stream evaluation recovered');
          }
          group.failing = false;
          group.active = active;
          for (const subscriber of group.subscribers) this.deliver(subscriber, active, 'poll');
        } catch (e) {
          // The streams stay open: ending them would put KEDA into a backoff of up to 60 s.
          this.deps.metrics.streamEvaluationFailed();
          if (!group.failing && !this.closed.signal.aborted) {
            this.deps.logger.warn(
              { metric: trigger.metricName, streams: group.subscribers.size, err: e },
              'stream evaluation failed; streams stay open',
            );
          }
          group.failing = true;
        }
      }),
    );
  }
}
