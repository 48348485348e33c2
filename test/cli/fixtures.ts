/** @module test/cli/fixtures — caches written by the real library, for the CLI to work on. */

import path from "node:path";
import { ContentType, MaintenanceService, Spot } from "../../src/index.js";

/** A one-pixel-free PNG signature plus a little data: enough to be recognised as PNG. */
export const PNG_BYTES = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

/**
 * Writes `<workspace>/<name>.db` with three functions: `summarize` (markdown text, 3 entries),
 * `render` (PNG bytes stored as blobs, 2 entries) and `profile` (structured data, 1 entry).
 */
export async function writeSampleCache(workspace: string, name = "my_app"): Promise<string> {
  const spot = new Spot(name, { workspace });
  const summarize = spot.mark(async (text: string) => `# Summary\n\n${text} in short.`, {
    name: "summarize",
    contentType: ContentType.MARKDOWN,
  });
  const render = spot.mark(
    async (page: number) => Buffer.concat([PNG_BYTES, Buffer.from([page])]),
    {
      name: "pages.render",
      contentType: ContentType.PNG,
      saveBlob: true,
    },
  );
  const profile = spot.mark(
    async (user: string) => ({ user, tags: new Set(["a", "b"]), joined: new Date(0), score: 10n }),
    { name: "profile" },
  );
  for (const text of ["alpha", "beta", "gamma"]) await summarize(text);
  await render(1);
  await render(2);
  await profile("ada");
  await spot.shutdown();
  return path.join(workspace, `${name}.db`);
}

/** Counts the entries of a database (optionally of one function) by reading it afterwards. */
export async function countEntries(databasePath: string, func?: string): Promise<number> {
  const service = MaintenanceService.fromPath(databasePath);
  try {
    return await service.countTasks(func === undefined ? {} : { func });
  } finally {
    service.close();
  }
}
