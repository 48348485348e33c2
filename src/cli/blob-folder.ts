/** @module cli/blob-folder — read-only look at a local blob folder, for dry runs of `clean`. */

import fs from "node:fs";
import path from "node:path";

/** Suffix of the temporary files of interrupted blob writes. */
const TEMP_SUFFIX = ".spot_tmp";

/** What a clean-up of leftovers would remove. */
export interface LeftoverCount {
  /** `*.spot_tmp` files older than the grace period. */
  tempFiles: number;
  /** Subfolders that would be empty once those files are gone. */
  emptyDirs: number;
}

/** The blob folder of the default layout: `<workspace>/<name>.db` → `<workspace>/blobs/<name>/`. */
export function inferBlobFolder(databasePath: string): string {
  const name = path.basename(databasePath, path.extname(databasePath));
  return path.join(path.dirname(databasePath), "blobs", name);
}

/**
 * Counts what `cleanGarbage` would remove besides orphan blobs, without touching anything. The
 * blob folder itself is never counted: it is kept even when empty.
 */
export function countLeftovers(folder: string, olderThanMs: number): LeftoverCount {
  const counts: LeftoverCount = { tempFiles: 0, emptyDirs: 0 };
  countFolder(folder, Date.now() - olderThanMs, counts);
  return counts;
}

/** Counts one folder recursively; returns whether it would be empty afterwards. */
function countFolder(folder: string, cutoff: number, counts: LeftoverCount): boolean {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(folder, { withFileTypes: true });
  } catch {
    // A missing or unreadable folder has nothing a clean-up could remove.
    return false;
  }
  let remaining = 0;
  for (const entry of entries) {
    const child = path.join(folder, entry.name);
    if (entry.isDirectory()) {
      if (countFolder(child, cutoff, counts)) {
        counts.emptyDirs += 1;
        continue;
      }
    } else if (entry.isFile() && entry.name.endsWith(TEMP_SUFFIX)) {
      const stat = fs.statSync(child, { throwIfNoEntry: false });
      if (stat !== undefined && stat.mtimeMs < cutoff) {
        counts.tempFiles += 1;
        continue;
      }
    }
    remaining += 1;
  }
  return remaining === 0;
}
