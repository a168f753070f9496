// Finds the README's command blocks: a ```sh fence right after a
// `<!-- readme-test: run|serve|client|cluster [exit=N] -->` marker, split into commands.

/** run, serve, client: run by the test; cluster: needs a cluster's Prometheus, shown only. */
export type BlockKind = 'run' | 'serve' | 'client' | 'cluster';

export interface CommandBlock {
  kind: BlockKind;
  /** 1-based line of the marker in the README, to name the block in a failure. */
  line: number;
  /** The exit code every command must end with (0 unless the marker says `exit=N`). */
  exit: number;
  /** One entry per command: continuation lines joined, comment and blank lines dropped. */
  commands: string[];
}

export interface ShellBlock {
  line: number;
  text: string;
  marker: BlockKind | undefined;
}

const MARKER = /^<!-- readme-test: (run|serve|client|cluster)(?: exit=(\d+))? -->$/;
const FENCE_OPEN = /^```(sh|bash|shell)\s*$/;

/** Every ```sh block with the marker before it (if any), in README order. */
export function shellBlocks(readme: string): ShellBlock[] {
  const lines = readme.split('\n');
  const out: ShellBlock[] = [];
  let pending: { kind: BlockKind; line: number } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim();
    const marker = MARKER.exec(line);
    if (marker !== null) {
      pending = { kind: marker[1] as BlockKind, line: i + 1 };
      continue;
    }
    if (FENCE_OPEN.test(line)) {
      const start = i;
      const body: string[] = [];
      for (i++; i < lines.length && (lines[i] ?? '').trim() !== '```'; i++)
        body.push(lines[i] ?? '');
      out.push({ line: pending?.line ?? start + 1, text: body.join('\n'), marker: pending?.kind });
      pending = undefined;
      continue;
    }
    // A marker applies only to the fence that follows it (blank lines allowed in between).
    if (line !== '') pending = undefined;
  }
  return out;
}

/** Commands of a block: `\` continuations joined, blank and `#` comment lines dropped. */
export function commandsOf(text: string): string[] {
  const commands: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1).trimEnd()} `;
      continue;
    }
    commands.push(current + line);
    current = '';
  }
  if (current !== '') commands.push(current.trimEnd());
  return commands;
}

/** The marked blocks, with their exit codes. */
export function markedBlocks(readme: string): CommandBlock[] {
  const lines = readme.split('\n');
  return shellBlocks(readme).flatMap(b => {
    if (b.marker === undefined) return [];
    const exit = MARKER.exec((lines[b.line - 1] ?? '').trim())?.[2];
    return [
      {
        kind: b.marker,
        line: b.line,
        exit: exit === undefined ? 0 : Number(exit),
        commands: commandsOf(b.text),
      },
    ];
  });
}
