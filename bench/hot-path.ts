/**
 * @module bench/hot-path — W1 (hit) and W2 (miss + store) against their floor and the Node peers.
 * The floor is what any cache on these parts must do: sha256 of the arguments' JSON, a prepared
 * point statement on better-sqlite3, and msgpackr (useRecords: false) for the value.
 */

import { hash } from "node:crypto";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Packr } from "msgpackr";
import { SQLiteTaskDB } from "../src/db/sqlite/sqlite-task-db.js";
import { Spot } from "../src/index.js";
import {
  alternate,
  type BenchOptions,
  createBenchDir,
  drawIndexes,
  makeValue,
  type Section,
  timePerOp,
} from "./lib.js";
import { openCacache, openKeyv, type PeerCache } from "./peers.js";

export const W1_FLOOR = "floor: sha256(args) + SELECT + decode";
export const W1_MARK = "beautyspot mark, awaited (memory tier, default)";
export const W1_MARK_SYNC = "beautyspot markSync (memory tier, default)";
export const W1_MARK_NO_TIER = "beautyspot mark, awaited (memoryCacheBytes: 0)";
export const W1_MARK_SYNC_NO_TIER = "beautyspot markSync (memoryCacheBytes: 0)";
export const W2_FLOOR_BATCHED = "floor: miss + insert, batched (1 txn)";
export const W2_FLOOR_PER_ROW = "floor: miss + insert, 1 txn per row";
export const W2_SYNC = "beautyspot sync saves";
export const W2_BACKGROUND_TOTAL = "beautyspot background saves, total incl. flush()";
export const W2_BACKGROUND_CALLER = "beautyspot background saves, caller side";
export const W2_BACKGROUND_TOTAL_NO_ARGUMENTS =
  "beautyspot background saves, storeArguments: false, total incl. flush()";
export const W2_BACKGROUND_CALLER_NO_ARGUMENTS =
  "beautyspot background saves, storeArguments: false, caller side";
export const W2_SAME_ROWS_BATCHED = "same-rows floor: beautyspot's rows, batched (1 txn)";
export const W2_SAME_ROWS_PER_ROW = "same-rows floor: beautyspot's rows, 1 txn per row";

const packr = new Packr({ useRecords: false });

/** The floor's key: what beautyspot's canonical form reduces to for plain arguments. */
const hashArguments = (args: unknown[]) => hash("sha256", JSON.stringify(args), "hex");

/** The floor's table: the columns a hit needs, keyed like beautyspot, same pragmas. */
function openFloorDb(path: string): Database.Database {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.exec(
    "CREATE TABLE IF NOT EXISTS tasks (cache_key TEXT PRIMARY KEY, result_data BLOB, updated_at TEXT)",
  );
  return db;
}

interface HotPathSizes {
  entries: number;
  hits: number;
  stores: number;
  rounds: number;
  /** Operations per round for the peers, which are one to two orders of magnitude slower. */
  keyvOps: number;
  cacacheOps: number;
}

function readSizes(options: BenchOptions): HotPathSizes {
  return options.quick
    ? { entries: 2_000, hits: 20_000, stores: 2_000, rounds: 3, keyvOps: 500, cacacheOps: 200 }
    : {
        entries: 10_000,
        hits: 100_000,
        stores: 10_000,
        rounds: 7,
        keyvOps: 5_000,
        cacacheOps: 1_000,
      };
}

/** Times `ops` memoize-style hits on a peer: hash the arguments, get, use the value. */
async function timePeerHits(peer: PeerCache, indexes: readonly number[], ops: number) {
  let sink = 0;
  const perOp = await timePerOp(ops, async () => {
    for (let index = 0; index < ops; index++) {
      const value = (await peer.get(hashArguments([indexes[index]]))) as { id: number };
      sink += value.id;
    }
  });
  if (sink === -1) console.log(sink);
  return perOp;
}

/** W1: hits on random keys of a filled cache. */
export async function benchHits(options: BenchOptions): Promise<Section> {
  const sizes = readSizes(options);
  const dir = createBenchDir();
  const values = Array.from({ length: sizes.entries }, (_, index) => makeValue(index));
  const indexes = drawIndexes(sizes.hits, sizes.entries);

  const floorDb = openFloorDb(join(dir, "floor.db"));
  const insert = floorDb.prepare("INSERT OR REPLACE INTO tasks VALUES (?, ?, ?)");
  floorDb.transaction(() => {
    for (let index = 0; index < sizes.entries; index++)
      insert.run(hashArguments([index]), packr.pack(values[index]), "now");
  })();
  const select = floorDb.prepare("SELECT result_data FROM tasks WHERE cache_key = ?").pluck();

  const tiered = new Spot("tiered", { workspace: dir });
  const untiered = new Spot("untiered", {
    workspace: dir,
    db: new SQLiteTaskDB(join(dir, "untiered.db"), { memoryCacheBytes: 0 }),
  });
  const wrappers = [tiered, untiered].map((spot) => ({
    async: spot.mark(async function lookup(index: number) {
      return values[index];
    }),
    sync: spot.markSync(function lookupSync(index: number) {
      return values[index];
    }),
  }));
  for (const wrapper of wrappers) {
    for (let index = 0; index < sizes.entries; index++) {
      await wrapper.async(index);
      wrapper.sync(index);
    }
  }
  const keyv = openKeyv(dir, "keyv.db");
  const cache = openCacache(dir, "cacache");
  for (let index = 0; index < sizes.entries; index++) {
    await keyv.set(hashArguments([index]), values[index]);
    await cache.set(hashArguments([index]), values[index]);
  }

  let sink = 0;
  const [tieredWrappers, untieredWrappers] = wrappers as [
    (typeof wrappers)[0],
    (typeof wrappers)[0],
  ];
  const measurements = await alternate(sizes.rounds, {
    [W1_FLOOR]: () =>
      timePerOp(sizes.hits, () => {
        for (const index of indexes) {
          const bytes = select.get(hashArguments([index])) as Buffer;
          sink += (packr.unpack(bytes) as { id: number }).id;
        }
      }),
    [W1_MARK]: () =>
      timePerOp(sizes.hits, async () => {
        for (const index of indexes)
          sink += ((await tieredWrappers.async(index)) as { id: number }).id;
      }),
    [W1_MARK_SYNC]: () =>
      timePerOp(sizes.hits, () => {
        for (const index of indexes) sink += (tieredWrappers.sync(index) as { id: number }).id;
      }),
    [W1_MARK_NO_TIER]: () =>
      timePerOp(sizes.hits, async () => {
        for (const index of indexes)
          sink += ((await untieredWrappers.async(index)) as { id: number }).id;
      }),
    [W1_MARK_SYNC_NO_TIER]: () =>
      timePerOp(sizes.hits, () => {
        for (const index of indexes) sink += (untieredWrappers.sync(index) as { id: number }).id;
      }),
    [keyv.name]: () => timePeerHits(keyv, indexes, sizes.keyvOps),
    [cache.name]: () => timePeerHits(cache, indexes, sizes.cacacheOps),
  });
  if (sink === -1) console.log(sink);
  floorDb.close();
  await keyv.close();
  await tiered.shutdown();
  await untiered.shutdown();
  return {
    id: "W1",
    title: `hit: ${sizes.entries.toLocaleString("en-US")} entries, ${sizes.hits.toLocaleString("en-US")} hits on random keys, 1 KB values (peers: ${sizes.keyvOps} / ${sizes.cacacheOps} hits)`,
    unit: "µs/hit",
    floor: W1_FLOOR,
    measurements,
  };
}

/** Times `ops` memoize-style misses on a peer: hash, get (miss), set. */
async function timePeerStores(
  peer: PeerCache,
  values: readonly unknown[],
  ops: number,
  salt: number,
): Promise<number> {
  return await timePerOp(ops, async () => {
    for (let index = 0; index < ops; index++) {
      const key = hashArguments([salt, index]);
      if ((await peer.get(key)) === undefined) await peer.set(key, values[index % values.length]);
    }
  });
}

/** W2: distinct calls whose results are stored (sync and in the background). */
export async function benchStores(options: BenchOptions): Promise<Section> {
  const sizes = readSizes(options);
  const dir = createBenchDir();
  const values = Array.from({ length: sizes.stores }, (_, index) => makeValue(index));
  let round = 0;

  /** The floor's miss + store: a SELECT that finds nothing, then the insert. */
  const runFloor = (perRow: boolean) => async () => {
    const db = openFloorDb(join(dir, `floor-${perRow ? "row" : "batch"}-${round}.db`));
    const insert = db.prepare("INSERT OR REPLACE INTO tasks VALUES (?, ?, ?)");
    const select = db.prepare("SELECT result_data FROM tasks WHERE cache_key = ?").pluck();
    const store = (index: number) => {
      const key = hashArguments([index]);
      if (select.get(key) === undefined)
        insert.run(key, packr.pack(values[index]), new Date().toISOString());
    };
    const storeAll = () => {
      for (let index = 0; index < sizes.stores; index++) store(index);
    };
    const perOp = await timePerOp(sizes.stores, perRow ? storeAll : db.transaction(storeAll));
    db.close();
    return perOp;
  };
  /**
   * The same rows beautyspot writes (its table, columns and indexes, digest and timestamps) by
   * hand: what the schema itself costs, so the difference is beautyspot's own machinery.
   */
  const runSameRows = (perRow: boolean) => async () => {
    const path = join(dir, `same-rows-${perRow ? "row" : "batch"}-${round}.db`);
    new SQLiteTaskDB(path).close();
    const db = new Database(path);
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    const insert = db.prepare(
      "INSERT OR REPLACE INTO tasks (cache_key, func_name, func_identifier, input_id, result_type, result_value, result_data, content_type, version, expires_at, updated_at, size, digest) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    const select = db.prepare("SELECT result_data FROM tasks WHERE cache_key = ?").pluck();
    const store = (index: number) => {
      const inputId = hashArguments([index]);
      const key = hash("sha256", `produce:${inputId}`, "hex");
      if (select.get(key) !== undefined) return;
      const bytes = packr.pack(values[index]);
      const now = new Date();
      const text = now.toISOString().replace("T", " ").replace("Z", "000+00:00");
      insert.run(
        key,
        "produce",
        "produce",
        inputId,
        "DIRECT_BLOB",
        null,
        bytes,
        null,
        null,
        text,
        text,
        bytes.byteLength,
        hash("sha256", bytes, "hex"),
      );
    };
    const storeAll = () => {
      for (let index = 0; index < sizes.stores; index++) store(index);
    };
    const perOp = await timePerOp(sizes.stores, perRow ? storeAll : db.transaction(storeAll));
    db.close();
    return perOp;
  };
  const callerSide: number[] = [];
  const callerSideWithoutArguments: number[] = [];
  /** Background saves; `storeArguments: false` measures what recording the arguments costs. */
  const runBackground = (storeArguments: boolean) => async () => {
    const name = `background-${storeArguments ? "" : "no-arguments-"}${round}`;
    const spot = new Spot(name, { workspace: dir, saveSync: false, storeArguments });
    const produce = spot.mark(async function produce(index: number) {
      return values[index];
    });
    const started = performance.now();
    for (let index = 0; index < sizes.stores; index++) await produce(index);
    (storeArguments ? callerSide : callerSideWithoutArguments).push(
      ((performance.now() - started) * 1000) / sizes.stores,
    );
    await spot.flush();
    const total = ((performance.now() - started) * 1000) / sizes.stores;
    await spot.shutdown();
    return total;
  };
  const runSync = async () => {
    const spot = new Spot(`sync-${round}`, { workspace: dir });
    const produce = spot.mark(async function produce(index: number) {
      return values[index];
    });
    const perOp = await timePerOp(sizes.stores, async () => {
      for (let index = 0; index < sizes.stores; index++) await produce(index);
    });
    await spot.shutdown();
    return perOp;
  };
  const keyv = openKeyv(dir, "keyv-store.db");
  const cache = openCacache(dir, "cacache-store");
  const measurements = await alternate(sizes.rounds, {
    [W2_FLOOR_BATCHED]: runFloor(false),
    [W2_BACKGROUND_TOTAL]: runBackground(true),
    [W2_BACKGROUND_TOTAL_NO_ARGUMENTS]: runBackground(false),
    [W2_SAME_ROWS_BATCHED]: runSameRows(false),
    [W2_FLOOR_PER_ROW]: runFloor(true),
    [W2_SYNC]: runSync,
    [W2_SAME_ROWS_PER_ROW]: runSameRows(true),
    [keyv.name]: () => timePeerStores(keyv, values, sizes.keyvOps, round),
    [cache.name]: async () => {
      const perOp = await timePeerStores(cache, values, sizes.cacacheOps, round);
      round += 1;
      return perOp;
    },
  });
  measurements.splice(2, 0, { name: W2_BACKGROUND_CALLER, samples: callerSide });
  measurements.splice(4, 0, {
    name: W2_BACKGROUND_CALLER_NO_ARGUMENTS,
    samples: callerSideWithoutArguments,
  });
  await keyv.close();
  return {
    id: "W2",
    title: `miss + store: ${sizes.stores.toLocaleString("en-US")} distinct calls, 1 KB results (peers: ${sizes.keyvOps} / ${sizes.cacacheOps} calls)`,
    unit: "µs/call",
    floor: W2_FLOOR_BATCHED,
    measurements,
  };
}
