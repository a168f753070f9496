// The ids of alert batches this replica has already handled, so a batch that reaches it twice (a
// retried forward, a second path) wakes nothing the second time. Bounded in count and in age.
export interface SeenBatchesOptions {
  /** How long an id is remembered (ms). */
  ttlMs: number;
  /** The most ids remembered; the oldest go first. */
  maxIds: number;
  now?: () => number;
}

export class SeenBatches {
  /** id → when it expires; a Map iterates in insertion order, so the oldest come first. */
  private readonly ids = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: SeenBatchesOptions) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.ids.size;
  }

  /** Records `id`; returns false when it was already recorded and has not expired. */
  add(id: string): boolean {
    const now = this.now();
    this.dropExpired(now);
    if (this.ids.has(id)) return false;
    this.ids.set(id, now + this.options.ttlMs);
    for (const oldest of this.ids.keys()) {
      if (this.ids.size <= this.options.maxIds) break;
      this.ids.delete(oldest);
    }
    return true;
  }

  private dropExpired(now: number): void {
    for (const [id, expires] of this.ids) {
      if (expires > now) break;
      this.ids.delete(id);
    }
  }
}
