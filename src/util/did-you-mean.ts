// Closest known name for an unknown key, so a typo gets "did you mean" instead of silence.

/**
 * Names longer than this get no suggestion: every known key and config name is under 40
 * characters, so a longer name is not a typo of one, and the cost stays bounded whatever arrives.
 */
export const MAX_SUGGESTION_INPUT = 64;

/**
 * Optimal-string-alignment distance, case-insensitive: insertions, deletions, substitutions and
 * swaps of two neighbours each cost 1, since `qurey` for `query` is one slip of the fingers.
 * Gives up (returns `limit + 1`) as soon as every cell of a row exceeds `limit`, so the work is
 * at most (|a| + 1) × (|b| + 1) cells and usually far less.
 */
function editDistance(a: string, b: string, limit: number): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (Math.abs(x.length - y.length) > limit) return limit + 1;
  let before = new Array<number>(y.length + 1).fill(0);
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  let current = new Array<number>(y.length + 1).fill(0);
  for (let i = 1; i <= x.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        best = Math.min(best, before[j - 2]! + 1);
      }
      current[j] = best;
      if (best < rowMin) rowMin = best;
    }
    if (rowMin > limit) return limit + 1;
    [before, previous, current] = [previous, current, before];
  }
  return previous[y.length]!;
}

/**
 * The known name closest to `unknown`, if it is close enough to be a typo: at most a third of
 * the name's length in edits (and at least 1), so `qurey` finds `query` but `foo` finds nothing.
 */
export function didYouMean(unknown: string, known: readonly string[]): string | undefined {
  if (unknown.length > MAX_SUGGESTION_INPUT) return undefined;
  const limit = Math.max(1, Math.floor(unknown.length / 3));
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const candidate of known) {
    const distance = editDistance(unknown, candidate, limit);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** " (did you mean "x"?)" or "" — for appending to a message. */
export function didYouMeanSuffix(unknown: string, known: readonly string[]): string {
  const guess = didYouMean(unknown, known);
  return guess === undefined ? '' : ` (did you mean "${guess}"?)`;
}

/**
 * Up to `count` known names within typo distance of `unknown` (the same limit as
 * {@link didYouMean}), closest first: for lists such as metric names, where several are plausible.
 */
export function nearestNames(unknown: string, known: Iterable<string>, count = 3): string[] {
  if (unknown.length > MAX_SUGGESTION_INPUT) return [];
  const limit = Math.max(1, Math.floor(unknown.length / 3));
  const scored: { name: string; distance: number }[] = [];
  for (const name of known) {
    // Cheap bound first: the distance is at least the difference in length.
    if (Math.abs(name.length - unknown.length) > limit) continue;
    const distance = editDistance(unknown, name, limit);
    if (distance <= limit) scored.push({ name, distance });
  }
  scored.sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name));
  return scored.slice(0, count).map(s => s.name);
}
