// Closest known name for an unknown key, so a typo gets "did you mean" instead of silence.

/**
 * Optimal-string-alignment distance, case-insensitive: insertions, deletions, substitutions and
 * swaps of two neighbours each cost 1, since `qurey` for `query` is one slip of the fingers.
 */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const d: number[][] = Array.from({ length: x.length + 1 }, (_, i) =>
    Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        best = Math.min(best, at(i - 2, j - 2) + 1);
      }
      d[i]![j] = best;
    }
  }
  return at(x.length, y.length);
}

/**
 * The known name closest to `unknown`, if it is close enough to be a typo: at most a third of
 * the name's length in edits (and at least 1), so `qurey` finds `query` but `foo` finds nothing.
 */
export function didYouMean(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(unknown, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(1, Math.floor(unknown.length / 3));
  return bestDistance <= limit ? best : undefined;
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
  const limit = Math.max(1, Math.floor(unknown.length / 3));
  const scored: { name: string; distance: number }[] = [];
  for (const name of known) {
    // Cheap bound first: the distance is at least the difference in length.
    if (Math.abs(name.length - unknown.length) > limit) continue;
    const distance = editDistance(unknown, name);
    if (distance <= limit) scored.push({ name, distance });
  }
  scored.sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name));
  return scored.slice(0, count).map(s => s.name);
}
