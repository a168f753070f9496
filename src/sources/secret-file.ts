// A secret (token, password, key) read from a file and re-read when the file changes.
import { readFileSync, statSync } from 'node:fs';

/**
 * How often the file's identity is checked (ms). Kubernetes updates mounted Secrets by swapping a
 * symlink, so a stat per second catches rotation within a second at negligible cost.
 */
const RECHECK_INTERVAL_MS = 1000;

/** A file-backed secret; `read()` returns the current content, re-reading after a change. */
export class SecretFile {
  private content: string | undefined;
  private identity = '';
  private checkedAt = -Infinity;

  constructor(
    readonly path: string,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The file's content with surrounding whitespace removed (tokens written with `echo` end in a
   * newline). @throws Error naming the path (never the content) when the file cannot be read.
   */
  read(): string {
    const now = this.now();
    if (this.content !== undefined && now - this.checkedAt < RECHECK_INTERVAL_MS) {
      return this.content;
    }
    this.checkedAt = now;
    const stat = statSync(this.path);
    const identity = `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    if (this.content === undefined || identity !== this.identity) {
      this.content = readFileSync(this.path, 'utf8').trim();
      this.identity = identity;
    }
    return this.content;
  }

  /** Like read(), but also reports whether the content changed since the previous call. */
  readWithChange(): { content: string; changed: boolean } {
    const before = this.content;
    const content = this.read();
    return { content, changed: before !== undefined && before !== content };
  }
}
