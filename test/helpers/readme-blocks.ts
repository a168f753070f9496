// Finds the command blocks of a documentation page (README.md or docs/*.md): a ```sh fence right
// after a `<!-- readme-test: run|serve|client|cluster [exit=N] -->` marker, split into commands;
// and the output shown for them: a fence right after `<!-- readme-test: output -->`.

/** run, serve, client: run by the test; cluster: needs a cluster's Prometheus, shown only. */
type BlockKind = 'run' | 'serve' | 'client' | 'cluster';

export interface CommandBlock {
  kind: BlockKind;
  /** 1-based line of the marker in its page, to name the block in a failure. */
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

/** Every ```sh block with the marker before it (if any), in page order. */
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

/** Output a page shows for the `run` block before it, as lines that stdout must contain. */
export interface OutputBlock {
  /** 1-based line of the output marker. */
  line: number;
  /** The fence's lines, trailing spaces removed: a contiguous run of the commands' stdout. */
  expected: string[];
  run: CommandBlock;
}

const OUTPUT_MARKER = /^<!-- readme-test: output -->$/;
/** A comment line that looks like an output marker, spelled right or not. */
const OUTPUT_MARKER_LIKE = /^<!--.*readme-test:\s*output/;

/**
 * Every fence marked as output, with the `run` block it shows the output of: the shell block
 * right before it must be a marked `run` block, and the fence must hold some text.
 * @throws naming the page and line of a marker that is misspelled, empty or not after a run block.
 */
export function outputBlocks(readme: string, page = 'README'): OutputBlock[] {
  const lines = readme.split('\n');
  const marked = markedBlocks(readme);
  const shells = shellBlocks(readme);
  const out: OutputBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = (lines[i] ?? '').trim();
    if (!OUTPUT_MARKER_LIKE.test(text)) continue;
    const line = i + 1;
    if (!OUTPUT_MARKER.test(text))
      throw new Error(`${page} line ${line}: write the marker as <!-- readme-test: output -->`);
    let j = i + 1;
    while (j < lines.length && (lines[j] ?? '').trim() === '') j++;
    if (!(lines[j] ?? '').trim().startsWith('```'))
      throw new Error(`${page} line ${line}: an output marker must be followed by a fence`);
    const expected: string[] = [];
    for (j++; j < lines.length && (lines[j] ?? '').trim() !== '```'; j++)
      expected.push((lines[j] ?? '').trimEnd());
    const before = shells.filter(b => b.line < line).pop();
    const run = marked.find(b => b.line === before?.line && b.kind === 'run');
    if (run === undefined)
      throw new Error(`${page} line ${line}: an output block needs a run block before it`);
    if (expected.every(e => e.trim() === ''))
      throw new Error(`${page} line ${line}: an output block must show some output`);
    out.push({ line, expected, run });
    i = j;
  }
  return out;
}

/** Timings differ from run to run ("answered in 15.4 ms"): compared as "N ms". */
const normalize = (line: string): string => line.trimEnd().replace(/\b\d+(\.\d+)? ms\b/g, 'N ms');

/**
 * True when `expected` appears in `actual` as consecutive lines: trailing spaces ignored, and
 * durations in milliseconds compared as "N ms".
 */
export function containsLines(actual: string, expected: readonly string[]): boolean {
  const have = actual.split('\n').map(normalize);
  const want = expected.map(normalize);
  if (want.length === 0) return false;
  for (let i = 0; i + want.length <= have.length; i++) {
    if (want.every((e, k) => have[i + k] === e)) return true;
  }
  return false;
}
