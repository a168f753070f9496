// Closest known name for an unknown key, so a typo gets "did you mean" instead of silence.

/** Levenshtein distance, case-insensitive (a wrong case is the most common typo in YAML keys). */
function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length] ?? 0;
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
