// Stops everything a script started, whichever way it ends: normally, on SIGINT (Ctrl-C),
// SIGTERM, SIGHUP (terminal closed), or when stdout's reader goes away (`demo | head -3`: EPIPE
// on the next write, or SIGPIPE if one is delivered), so no Prometheus is ever left orphaned.

/** Exit codes for each way of stopping: 128 + the signal number, as a shell reports them. */
const EXIT_CODES = { SIGHUP: 129, SIGINT: 130, SIGPIPE: 141, SIGTERM: 143 } as const;
type StopSignal = keyof typeof EXIT_CODES;

export class Stopper {
  private readonly cleanups: (() => Promise<void>)[] = [];
  private stopping: Promise<void> | undefined;
  /** Set once a signal or a closed stdout asked the script to stop. */
  reason: StopSignal | undefined;

  constructor(private readonly exit: (code: number) => void = code => process.exit(code)) {}

  /** Installs the handlers; call once, before starting anything. */
  install(): this {
    // `on`, not `once`: with no listener left, Node restores the default action, and a second
    // SIGPIPE (the next write to the closed pipe) would kill the process before cleanup ends.
    for (const signal of Object.keys(EXIT_CODES) as StopSignal[]) {
      process.on(signal, () => this.stopFor(signal));
    }
    // Node ignores SIGPIPE, so a closed pipe shows up as EPIPE on the next write instead.
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') this.stopFor('SIGPIPE');
    });
    return this;
  }

  /**
   * Registers how to stop something just started. If a stop was already requested (a signal
   * while it was starting), it is stopped at once.
   */
  track(cleanup: () => Promise<void>): void {
    this.cleanups.push(cleanup);
    if (this.reason !== undefined) void this.runCleanups();
  }

  /** Stops everything tracked, newest first; safe to call more than once. */
  async cleanup(): Promise<void> {
    await this.runCleanups();
  }

  private stopFor(signal: StopSignal): void {
    if (this.reason !== undefined) return;
    this.reason = signal;
    // A closed stdout is how `| head` says "enough": a normal end, exit 0.
    const code = signal === 'SIGPIPE' ? 0 : EXIT_CODES[signal];
    void this.runCleanups().then(() => this.exit(code));
  }

  private async runCleanups(): Promise<void> {
    // Chained, so cleanups tracked while a run is in progress are run too.
    const run = async (): Promise<void> => {
      while (this.cleanups.length > 0) {
        const next = this.cleanups.pop() as () => Promise<void>;
        await next().catch(() => undefined);
      }
    };
    this.stopping = (this.stopping ?? Promise.resolve()).then(run);
    await this.stopping;
  }
}
