// A second, deliberately plain implementation of one HPA controller sync, written for the
// differential test from the Kubernetes sources (horizontal.go reconcileAutoscaler,
// computeReplicasForMetrics, normalizeDesiredReplicas[WithBehaviors]; replica_calculator.go
// GetExternal[PerPod]MetricReplicas) without looking at src/simulate: full histories instead of
// reused slots, explicit allowed ranges instead of early returns.

interface RefPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}
export interface RefRules {
  window: number;
  select: 'Max' | 'Min' | 'Disabled';
  policies: RefPolicy[];
  tolerance?: number;
}
export interface RefHpa {
  min: number;
  max: number;
  metrics: { type: 'AverageValue' | 'Value'; target: number }[];
  /** undefined: no behavior at all. Otherwise fully defaulted rules. */
  behavior?: { up: RefRules; down: RefRules };
  minor: number;
}

/**
 * Scale events are kept per direction, and storing one reuses the slot of an event older than
 * that direction's longest policy period (storeScaleEvent, markScaleEventsOutdated). So a
 * policy of the other direction with a longer period can lose an event it would still count;
 * that upstream quirk is kept here.
 */
export interface RefState {
  recommendations: { at: number; replicas: number }[];
  ups: { at: number; n: number; old: boolean }[];
  downs: { at: number; n: number; old: boolean }[];
}

function keeps(ratio: number, h: RefHpa): boolean {
  const useBehavior = h.behavior !== undefined && h.minor >= 35;
  const up = (useBehavior ? h.behavior?.up.tolerance : undefined) ?? 0.1;
  const down = (useBehavior ? h.behavior?.down.tolerance : undefined) ?? 0.1;
  if (h.minor < 33) return Math.abs(1 - ratio) <= 0.1;
  return ratio >= 1 - down && ratio <= 1 + up;
}

function proposal(h: RefHpa, m: RefHpa['metrics'][number], usage: number, current: number): number {
  if (m.type === 'Value') {
    if (current === 0) return Math.ceil(usage / m.target);
    return keeps(usage / m.target, h) ? current : Math.ceil((usage / m.target) * current);
  }
  return keeps(usage / (m.target * current), h) ? current : Math.ceil(usage / m.target);
}

/** Net replicas added (up) or removed (down) strictly within the last `seconds`. */
function moved(s: RefState, now: number, seconds: number, sign: 1 | -1): number {
  let total = 0;
  for (const e of sign === 1 ? s.ups : s.downs) if (e.at > now - seconds) total += e.n;
  return total;
}

function store(list: RefState['ups'], rules: RefRules, now: number, n: number): void {
  const longest = Math.max(...rules.policies.map(p => p.periodSeconds));
  let slot = -1;
  list.forEach((e, i) => {
    if (e.at < now - longest) e.old = true;
    if (e.old) slot = i;
  });
  const event = { at: now, n, old: false };
  if (slot === -1) list.push(event);
  else list[slot] = event;
}

function rateBound(s: RefState, now: number, current: number, r: RefRules, up: boolean): number {
  if (r.select === 'Disabled') return current;
  const each = r.policies.map(p => {
    const start = current - moved(s, now, p.periodSeconds, 1) + moved(s, now, p.periodSeconds, -1);
    if (up) return p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    return p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
  });
  const most = up === (r.select === 'Max');
  return most ? Math.max(...each) : Math.min(...each);
}

/** One sync; returns the new replica count and updates `s`. */
export function referenceSync(
  h: RefHpa,
  s: RefState,
  now: number,
  current: number,
  usages: (number | undefined)[],
): number {
  const hpaMin = h.min;
  if (s.recommendations.length === 0) s.recommendations.push({ at: now, replicas: current });
  let next: number;
  if (current === 0 && hpaMin > 0) return 0;
  if (current > h.max) next = h.max;
  else if (current < hpaMin) next = hpaMin;
  else {
    const valid: number[] = [];
    h.metrics.forEach((m, i) => {
      const u = usages[i];
      if (u !== undefined) valid.push(proposal(h, m, u, current));
    });
    const wanted = valid.length === 0 ? 0 : Math.max(...valid);
    const someInvalid = valid.length < h.metrics.length;
    if (valid.length === 0 || (someInvalid && wanted < current)) return current;
    const past = s.recommendations.slice();
    s.recommendations.push({ at: now, replicas: wanted });
    if (h.behavior === undefined) {
      let stable = wanted;
      for (const r of past) if (r.at >= now - 300 && r.replicas > stable) stable = r.replicas;
      const upper = Math.min(h.max, Math.max(2 * current, 4));
      next = Math.min(Math.max(stable, hpaMin), upper);
      if (stable < hpaMin) next = hpaMin;
    } else {
      const b = h.behavior;
      const inUp = past.filter(r => r.at > now - b.up.window).map(r => r.replicas);
      const inDown = past.filter(r => r.at > now - b.down.window).map(r => r.replicas);
      const low = Math.min(wanted, ...inUp);
      const high = Math.max(wanted, ...inDown);
      const stable = Math.min(Math.max(current, low), high);
      if (stable > current) {
        const cap = Math.min(h.max, Math.max(current, rateBound(s, now, current, b.up, true)));
        next = Math.min(stable, cap);
      } else if (stable < current) {
        const floor = Math.max(
          hpaMin,
          Math.min(current, rateBound(s, now, current, b.down, false)),
        );
        next = Math.max(stable, floor);
      } else next = stable;
    }
  }
  if (next !== current && h.behavior !== undefined) {
    if (next > current) store(s.ups, h.behavior.up, now, next - current);
    else store(s.downs, h.behavior.down, now, current - next);
  }
  return next;
}
