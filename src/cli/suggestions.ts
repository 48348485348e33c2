/** @module cli/suggestions — "did you mean …?": the known names closest to a mistyped one. */

/** Edits (insert, delete, replace, swap two neighbours) that turn `left` into `right`. */
export function editDistance(left: string, right: string): number {
  // Optimal string alignment: three rows of the classic table are enough.
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  for (let row = 1; row <= left.length; row += 1) {
    const current = [row];
    for (let column = 1; column <= right.length; column += 1) {
      const cost = left[row - 1] === right[column - 1] ? 0 : 1;
      let best = Math.min(
        (previous[column] ?? 0) + 1,
        (current[column - 1] ?? 0) + 1,
        (previous[column - 1] ?? 0) + cost,
      );
      if (
        row > 1 &&
        column > 1 &&
        left[row - 1] === right[column - 2] &&
        left[row - 2] === right[column - 1]
      ) {
        best = Math.min(best, (beforePrevious[column - 2] ?? 0) + 1);
      }
      current.push(best);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[right.length] ?? 0;
}

/** Typos further than this from every known name get no suggestion: they are other names. */
const MAX_SUGGESTION_DISTANCE = 2;

/**
 * The known names closest to `typed` (ignoring case), when they are close enough to be a typo:
 * at most two edits, and fewer edits than half the typed name.
 */
export function findClosestNames(typed: string, known: readonly string[]): string[] {
  const target = typed.toLowerCase();
  let best = Number.POSITIVE_INFINITY;
  let closest: string[] = [];
  for (const name of new Set(known)) {
    const distance = editDistance(target, name.toLowerCase());
    if (distance > MAX_SUGGESTION_DISTANCE || distance * 2 >= target.length) continue;
    if (distance < best) {
      best = distance;
      closest = [name];
    } else if (distance === best) {
      closest.push(name);
    }
  }
  return closest.sort();
}
