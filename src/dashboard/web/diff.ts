/**
 * @module dashboard/web/diff — a line diff of two texts (longest common subsequence), for the
 * compare view. Texts beyond `MAX_DIFF_LINES` lines are compared on their first lines only: the
 * table of a longer pair would cost more memory than a page should.
 */

/** One line of a diff: kept, removed (only in the first text) or added (only in the second). */
export interface DiffLine {
  kind: "same" | "removed" | "added";
  text: string;
}

/** Lines compared at most per side (the LCS table is their product). */
export const MAX_DIFF_LINES = 2000;

/** The lines of `before` and `after`, marked as kept, removed or added. */
export function diffLines(before: string, after: string): { lines: DiffLine[]; cut: boolean } {
  const allLeft = before.split("\n");
  const allRight = after.split("\n");
  const cut = allLeft.length > MAX_DIFF_LINES || allRight.length > MAX_DIFF_LINES;
  const left = allLeft.slice(0, MAX_DIFF_LINES);
  const right = allRight.slice(0, MAX_DIFF_LINES);
  // Common prefix and suffix first: most edits touch a few lines in the middle.
  let start = 0;
  while (start < left.length && start < right.length && left[start] === right[start]) start++;
  let endLeft = left.length;
  let endRight = right.length;
  while (endLeft > start && endRight > start && left[endLeft - 1] === right[endRight - 1]) {
    endLeft--;
    endRight--;
  }
  const middleLeft = left.slice(start, endLeft);
  const middleRight = right.slice(start, endRight);
  const rows = middleLeft.length;
  const columns = middleRight.length;
  // lengths[i][j]: LCS length of middleLeft[i..] and middleRight[j..], one flat array.
  const lengths = new Uint32Array((rows + 1) * (columns + 1));
  for (let i = rows - 1; i >= 0; i--) {
    for (let j = columns - 1; j >= 0; j--) {
      lengths[i * (columns + 1) + j] =
        middleLeft[i] === middleRight[j]
          ? (lengths[(i + 1) * (columns + 1) + j + 1] ?? 0) + 1
          : Math.max(
              lengths[(i + 1) * (columns + 1) + j] ?? 0,
              lengths[i * (columns + 1) + j + 1] ?? 0,
            );
    }
  }
  const lines: DiffLine[] = left.slice(0, start).map((text) => ({ kind: "same", text }));
  let i = 0;
  let j = 0;
  while (i < rows && j < columns) {
    if (middleLeft[i] === middleRight[j]) {
      lines.push({ kind: "same", text: middleLeft[i] ?? "" });
      i++;
      j++;
    } else if (
      (lengths[(i + 1) * (columns + 1) + j] ?? 0) >= (lengths[i * (columns + 1) + j + 1] ?? 0)
    ) {
      lines.push({ kind: "removed", text: middleLeft[i] ?? "" });
      i++;
    } else {
      lines.push({ kind: "added", text: middleRight[j] ?? "" });
      j++;
    }
  }
  for (; i < rows; i++) lines.push({ kind: "removed", text: middleLeft[i] ?? "" });
  for (; j < columns; j++) lines.push({ kind: "added", text: middleRight[j] ?? "" });
  for (const text of left.slice(endLeft)) lines.push({ kind: "same", text });
  return { lines, cut };
}
