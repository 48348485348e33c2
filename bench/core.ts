/**
 * @module bench/core — the hot paths against their floor, measured in the same run.
 * W1 hit: a cached hit (1 KB value, small args) vs a prepared point SELECT + msgpackr decode +
 * sha256 of the canonical args. W2 store: background saves of 1 KB values vs the same rows
 * inserted in one transaction; and sync saves vs one transaction per row.
 * Run: `node --import tsx bench/core.ts [--json]`.
 */

import { hash } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Packr } from "msgpackr";
import { Spot } from "../src/index.js";
import {
  alternate,
  benchDir,
  formatTable,
  machineLine,
  makeValue,
  median,
  timePerOp,
} from "./lib.js";

const ENTRIES = 10_000;
const HITS = 100_000;
const ROUNDS = 7;
const STORES = 10_000;

const packr = new Packr({ useRecords: false });
const values = Array.from({ length: ENTRIES }, (_, index) => makeValue(index));
const randomKeys = Array.from({ length: HITS }, () => Math.floor(Math.random() * ENTRIES));

/** The floor's table: the columns a hit needs, keyed like beautyspot. */
function createFloorDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(
    "CREATE TABLE IF NOT EXISTS tasks (cache_key TEXT PRIMARY KEY, result_data BLOB, updated_at TEXT)",
  );
  return db;
}

const floorKey = (args: unknown[]) => hash("sha256", JSON.stringify(args), "hex");

async function benchHits() {
  const dir = benchDir();
  const floorDb = createFloorDb(join(dir, "floor.db"));
  const insert = floorDb.prepare("INSERT OR REPLACE INTO tasks VALUES (?, ?, ?)");
  floorDb.transaction(() => {
    for (let index = 0; index < ENTRIES; index++)
      insert.run(floorKey([index]), packr.pack(values[index]), "now");
  })();
  const select = floorDb.prepare("SELECT result_data FROM tasks WHERE cache_key = ?");

  const spot = new Spot("bench", { workspace: dir });
  const lookup = spot.mark(async function lookup(index: number) {
    return values[index];
  });
  const lookupSync = spot.markSync(function lookupSync(index: number) {
    return values[index];
  });
  for (let index = 0; index < ENTRIES; index++) {
    await lookup(index);
    lookupSync(index);
  }

  let sink = 0;
  const measurements = await alternate(ROUNDS, {
    "floor: SELECT + decode + sha256(args)": () =>
      timePerOp(HITS, () => {
        for (const index of randomKeys) {
          const row = select.get(floorKey([index])) as { result_data: Buffer };
          sink += (packr.unpack(row.result_data) as { id: number }).id;
        }
      }),
    "beautyspot hit (mark, awaited)": () =>
      timePerOp(HITS, async () => {
        for (const index of randomKeys) sink += ((await lookup(index)) as { id: number }).id;
      }),
    "beautyspot hit (markSync)": () =>
      timePerOp(HITS, () => {
        for (const index of randomKeys) sink += (lookupSync(index) as { id: number }).id;
      }),
  });
  if (sink === -1) console.log(sink);
  floorDb.close();
  await spot.shutdown();
  return measurements;
}

async function benchStores() {
  const dir = benchDir();
  let round = 0;
  const floorBatched = async () => {
    const db = createFloorDb(join(dir, `floor-batched-${round}.db`));
    const insert = db.prepare("INSERT OR REPLACE INTO tasks VALUES (?, ?, ?)");
    const perOp = await timePerOp(STORES, () => {
      db.transaction(() => {
        for (let index = 0; index < STORES; index++) {
          insert.run(
            floorKey([index]),
            packr.pack(values[index % ENTRIES]),
            new Date().toISOString(),
          );
        }
      })();
    });
    db.close();
    return perOp;
  };
  const floorPerRow = async () => {
    const db = createFloorDb(join(dir, `floor-per-row-${round}.db`));
    const insert = db.prepare("INSERT OR REPLACE INTO tasks VALUES (?, ?, ?)");
    const perOp = await timePerOp(STORES, () => {
      for (let index = 0; index < STORES; index++) {
        insert.run(
          floorKey([index]),
          packr.pack(values[index % ENTRIES]),
          new Date().toISOString(),
        );
      }
    });
    db.close();
    return perOp;
  };
  const callerSide: number[] = [];
  const backgroundTotal = async () => {
    const spot = new Spot(`background-${round}`, { workspace: dir, saveSync: false });
    const produce = spot.mark(async function produce(index: number) {
      return values[index % ENTRIES];
    });
    const started = performance.now();
    for (let index = 0; index < STORES; index++) await produce(index);
    callerSide.push(((performance.now() - started) * 1000) / STORES);
    await spot.flush();
    const total = ((performance.now() - started) * 1000) / STORES;
    await spot.shutdown();
    return total;
  };
  const syncSaves = async () => {
    const spot = new Spot(`sync-${round}`, { workspace: dir });
    const produce = spot.mark(async function produce(index: number) {
      return values[index % ENTRIES];
    });
    const perOp = await timePerOp(STORES, async () => {
      for (let index = 0; index < STORES; index++) await produce(index);
    });
    await spot.shutdown();
    round += 1;
    return perOp;
  };
  const measurements = await alternate(5, {
    "floor: batched insert (1 txn)": floorBatched,
    "beautyspot background saves (total)": backgroundTotal,
    "floor: one txn per row": floorPerRow,
    "beautyspot sync saves": syncSaves,
  });
  measurements.push({ name: "beautyspot background saves (caller side)", samples: callerSide });
  return measurements;
}

const hits = await benchHits();
const stores = await benchStores();
const hitMedian = median(
  hits.find((m) => m.name.startsWith("beautyspot hit (mark"))?.samples ?? [],
);
const callerMedian = median(stores.find((m) => m.name.endsWith("(caller side)"))?.samples ?? []);

if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ machine: machineLine(), hits, stores }, null, 2));
} else {
  console.log(machineLine());
  console.log(
    formatTable(
      `W1 hit: ${ENTRIES} entries, ${HITS} random hits, 1 KB values`,
      hits,
      "floor: SELECT + decode + sha256(args)",
    ),
  );
  console.log(
    formatTable(`W2 store: ${STORES} calls, 1 KB results`, stores, "floor: batched insert (1 txn)"),
  );
  const perRow = median(stores.find((m) => m.name === "floor: one txn per row")?.samples ?? []);
  const sync = median(stores.find((m) => m.name === "beautyspot sync saves")?.samples ?? []);
  console.log(`\nsync saves vs one txn per row: ${(sync / perRow).toFixed(2)}×`);
  console.log(`background miss, caller side vs a hit: ${(callerMedian / hitMedian).toFixed(2)}×`);
}
