// Shared activation watchers: every StreamIsActive that depends on the same evaluation shares one
// watcher, which re-evaluates once per activationInterval and pushes only inactive → active
// transitions. Alertmanager alerts wake matching watchers at once.
import { setMaxListeners } from 'node:events';
import { jitterMs, msToNextBucket } from '../cache/time-bucket';
import type { Evaluator } from '../core/evaluate';
import type { ResolvedTrigger } from '../core/resolve-trigger';
import { TriggerCacheKeys } from '../core/trigger-cache-keys';
import type { Logger } from '../telemetry/logger';
import type { Metrics } from '../telemetry/metrics';

/** Where a watcher's news goes: one open stream. */
export interface StreamSink {
  write(active: boolean): void;
}

interface Subscriber {
  sink: StreamSink;
  namespace: string;
  /** What this stream was last told; undefined until its first message. */
  last: boolean | undefined;
}

interface Watcher {
  key: string;
  trigger: ResolvedTrigger;
  intervalMs: number;
  subscribers: Set<Subscriber>;
  /** The latest known state, undefined before the first evaluation. */
  active: boolean | undefined;
  timer: NodeJS.Timeout | undefined;
  alertTimer: NodeJS.Timeout | undefined;
  evaluating: boolean;
  /** Whether the previous evaluation failed: log a failure once, not every interval. */
  failing: boolean;
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

export interface WatcherHubDeps {
  /** The real Evaluator, or a fake in unit tests. */
  evaluator: Pick<Evaluator, 'evaluate'>;
  logger: Logger;
  metrics: Metrics;
  defaultIntervalMs: number;
}

export class WatcherHub {
  private readonly watchers = new Map<string, Watcher>();
  private readonly byAlert = new Map<string, Set<Watcher>>();
  private readonly closed = new AbortController();
  private readonly keys = new TriggerCacheKeys();

  constructor(private readonly deps: WatcherHubDeps) {
    // Every watcher's evaluation in flight listens for close.
    setMaxListeners(0, this.closed.signal);
    deps.metrics.observeWatchers(() => this.watchers.size);
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  /**
   * Adds a stream to the watcher of its evaluation, creating and starting the watcher if needed.
   * The stream gets the current state at once when it is known, else after the first evaluation.
   * Returns the function that removes it; the last removal stops the watcher.
   */
  subscribe(trigger: ResolvedTrigger, namespace: string, sink: StreamSink): () => void {
    const { spec } = trigger;
    const intervalMs = spec.activationIntervalMs ?? this.deps.defaultIntervalMs;
    const key = JSON.stringify([
      this.keys.of(trigger, intervalMs, spec.activationQuery ?? spec.query),
      spec.activationThreshold,
      spec.ignoreNullValues,
      spec.multipleSeries,
      spec.activationAlert ?? null,
      Object.entries(spec.activationAlertLabels).sort(),
    ]);
    let watcher = this.watchers.get(key);
    const subscriber: Subscriber = { sink, namespace, last: undefined };
    if (watcher === undefined) {
      watcher = {
        key,
        trigger,
        intervalMs,
        subscribers: new Set([subscriber]),
        active: undefined,
        timer: undefined,
        alertTimer: undefined,
        evaluating: false,
        failing: false,
        jitterMs: jitterMs(key, intervalMs),
      };
      this.start(watcher);
    } else {
      watcher.subscribers.add(subscriber);
      if (watcher.active !== undefined) this.deliver(subscriber, watcher.active, 'poll');
    }
    const w = watcher;
    return () => {
      if (!w.subscribers.delete(subscriber)) return;
      if (w.subscribers.size === 0) this.stop(w);
    };
  }

  /** Wakes every watcher that the alert matches: `true` at once to its inactive streams. */
  alert(alert: FiringAlert): { watchers: number; streams: number } {
    let watchers = 0;
    let streams = 0;
    for (const watcher of this.byAlert.get(alert.name) ?? []) {
      const wanted = watcher.trigger.spec.activationAlertLabels;
      if (!Object.entries(wanted).every(([k, v]) => alert.labels[k] === v)) continue;
      watchers++;
      watcher.active = true;
      for (const subscriber of watcher.subscribers) {
        if (this.deliver(subscriber, true, 'alert')) streams++;
      }
      // Deactivation stays with polling; this only makes the state follow the data sooner.
      clearTimeout(watcher.alertTimer);
      watcher.alertTimer = setTimeout(
        () => void this.evaluate(watcher),
        Math.min(REEVALUATE_AFTER_ALERT_MS, watcher.intervalMs),
      );
      watcher.alertTimer.unref();
    }
    return { watchers, streams };
  }

  /** Stops every watcher (server shutdown; the streams themselves are ended elsewhere). */
  close(): void {
    this.closed.abort();
    for (const watcher of [...this.watchers.values()]) this.stop(watcher);
  }

  private start(watcher: Watcher): void {
    this.watchers.set(watcher.key, watcher);
    const alertName = watcher.trigger.spec.activationAlert;
    if (alertName !== undefined) {
      const set = this.byAlert.get(alertName) ?? new Set();
      set.add(watcher);
      this.byAlert.set(alertName, set);
    }
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
    watcher.subscribers.clear();
    this.watchers.delete(watcher.key);
    const alertName = watcher.trigger.spec.activationAlert;
    if (alertName !== undefined) {
      const set = this.byAlert.get(alertName);
      set?.delete(watcher);
      if (set?.size === 0) this.byAlert.delete(alertName);
    }
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

  private async evaluate(watcher: Watcher): Promise<void> {
    if (watcher.evaluating || !this.watchers.has(watcher.key)) return;
    watcher.evaluating = true;
    const first: Subscriber | undefined = watcher.subscribers.values().next().value;
    try {
      const { active } = await this.deps.evaluator.evaluate(
        watcher.trigger,
        { signal: this.closed.signal, deadlineMs: Infinity },
        first?.namespace ?? '',
        { activation: true, ttlMs: watcher.intervalMs, allowPreviousBucket: false },
      );
      if (watcher.failing)
        this.deps.logger.info(
          { metric: watcher.trigger.metricName },
          'stream evaluation recovered',
        );
      watcher.failing = false;
      watcher.active = active;
      for (const subscriber of watcher.subscribers) this.deliver(subscriber, active, 'poll');
    } catch (e) {
      // The streams stay open: ending them would put KEDA into a backoff of up to 60 s.
      this.deps.metrics.streamEvaluationFailed();
      if (!watcher.failing && !this.closed.signal.aborted) {
        this.deps.logger.warn(
          { metric: watcher.trigger.metricName, streams: watcher.subscribers.size, err: e },
          'stream evaluation failed; streams stay open',
        );
      }
      watcher.failing = true;
    } finally {
      watcher.evaluating = false;
    }
  }
}
