/** @module cli/blob-folder — read-only look at a local blob folder, for dry runs of `clean`. */

import fs from "node:fs";
import path from "node:path";
import { judgeTemporaryFile } from "../storage/leftovers.js";

/** What a clean-up of leftovers would remove. */
export interface LeftoverCount {
  /** Temp files beautyspot wrote whose write is over (see `LocalStorage.cleanTemporary`). */
  tempFiles: number;
  /** Folders that would be removed: always 0, as beautyspot never removes folders here. */
  emptyDirs: number;
}

/** The blob folder of the default layout: `<workspace>/<name>.db` → `<workspace>/blobs/<name>/`. */
export function inferBlobFolder(databasePath: string): string {
  const name = path.basename(databasePath, path.extname(databasePath));
  return path.join(path.dirname(databasePath), "blobs", name);
}

/**
 * Counts what `cleanGarbage` would remove besides orphan blobs, without touching anything: the
 * same judgement as `LocalStorage.cleanTemporary`, on the folder itself (never its subfolders).
 */
export function countLeftovers(folder: string, olderThanMs: number): LeftoverCount {
  const counts: LeftoverCount = { tempFiles: 0, emptyDirs: 0 };
  const cutoff = Date.now() - olderThanMs;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    // A missing or unreadable folder has nothing a clean-up could remove.
    return counts;
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const stat = fs.lstatSync(path.join(folder, entry.name), { throwIfNoEntry: false });
    if (stat === undefined || !stat.isFile()) continue;
    if (judgeTemporaryFile(entry.name, stat.mtimeMs, cutoff) === "remove") counts.tempFiles += 1;
  }
  return counts;
}
