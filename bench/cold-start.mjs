/**
 * @module bench/cold-start — one cold start in a fresh process: import, open, one hit. Prints
 * `{ importMs, openHitMs }`. `floor` imports better-sqlite3 + msgpackr and reads the row by hand;
 * `beautyspot` imports the built package and calls a marked function whose entry is stored.
 * Run by bench/scale.ts: `node bench/cold-start.mjs floor|beautyspot <db file> <workspace> <dist entry>`.
 */

const [mode, dbPath, workspace, entry] = process.argv.slice(2);
const importStart = performance.now();
if (mode === "floor") {
  const { default: Database } = await import("better-sqlite3");
  const { Packr } = await import("msgpackr");
  const { createHash } = await import("node:crypto");
  const imported = performance.now();
  const db = new Database(dbPath);
  db.pragma("journal_mode = WAL");
  const key = createHash("sha256")
    .update(JSON.stringify([0]))
    .digest("hex");
  const bytes = db.prepare("SELECT result_data FROM probe WHERE cache_key = ?").pluck().get(key);
  const value = new Packr({ useRecords: false }).unpack(bytes);
  if (value === undefined) throw new Error("The floor's probe row is missing.");
  console.log(
    JSON.stringify({ importMs: imported - importStart, openHitMs: performance.now() - imported }),
  );
} else {
  const { Spot } = await import(entry);
  const imported = performance.now();
  const spot = new Spot("bench", { workspace, db: dbPath });
  let ran = false;
  const probe = spot.markSync(function probe(index) {
    ran = true;
    return { index };
  });
  probe(0);
  const openHitMs = performance.now() - imported;
  if (ran) throw new Error("The probe entry was not a hit: the cold start measured a miss.");
  await spot.shutdown();
  console.log(JSON.stringify({ importMs: imported - importStart, openHitMs }));
}
