/**
 * @module bench/postgres — W7: a Spot over PostgreSQL against the same driver used by hand on
 * the same table. Hit: sha256 of the arguments + a prepared point SELECT + decode. Miss + store:
 * sha256 + a SELECT that finds nothing + a prepared `INSERT … ON CONFLICT` + encode. The server
 * is a throwaway one started here (skipped, with one line, where PostgreSQL is not installed).
 */

import { hash } from "node:crypto";
import { Packr } from "msgpackr";
import pg from "pg";
import { PostgresTaskDB } from "../src/db/postgres/postgres-task-db.js";
import { Spot } from "../src/index.js";
import { startPostgres } from "../test/servers/postgres.js";
import { locateProgram } from "../test/system-programs.js";
import {
  type BenchOptions,
  createBenchDir,
  drawIndexes,
  type Measurement,
  makeValue,
  type Section,
} from "./lib.js";

export const W7_HIT_FLOOR = "floor: sha256(args) + prepared SELECT (pg) + decode";
export const W7_HIT = "beautyspot mark over PostgreSQL, awaited";
export const W7_STORE_FLOOR = "floor: sha256 + SELECT (miss) + INSERT … ON CONFLICT + encode";
export const W7_STORE_INSERT_ONLY = "info: sha256 + INSERT … ON CONFLICT + encode (no lookup)";
export const W7_STORE = "beautyspot mark over PostgreSQL, miss + sync save";

const packr = new Packr({ useRecords: false });
const hashArguments = (args: unknown[]) => hash("sha256", JSON.stringify(args), "hex");

function readSizes(options: BenchOptions) {
  return options.quick
    ? { entries: 1_000, hits: 1_000, stores: 300, rounds: 5 }
    : { entries: 5_000, hits: 4_000, stores: 1_000, rounds: 15 };
}

/** Operations run by one contender before the next takes its turn. */
const BLOCK = 25;

/**
 * Like `alternate`, but contenders take turns every `BLOCK` operations within a round, so a
 * burst of load on the machine (a round trip to a local server is at its mercy) falls on all of
 * them alike. Returns µs per operation, one sample per round and contender.
 */
async function interleave(
  rounds: number,
  opsPerRound: number,
  contenders: Record<string, (op: number) => Promise<void>>,
): Promise<Measurement[]> {
  const names = Object.keys(contenders);
  const results = names.map((name) => ({ name, samples: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    const elapsed = names.map(() => 0);
    for (let first = 0; first < opsPerRound; first += BLOCK) {
      const last = Math.min(first + BLOCK, opsPerRound);
      for (const [position, name] of names.entries()) {
        const run = contenders[name] as (op: number) => Promise<void>;
        const started = performance.now();
        for (let op = first; op < last; op++) await run(op);
        elapsed[position] = (elapsed[position] ?? 0) + performance.now() - started;
      }
    }
    for (const [position, result] of results.entries()) {
      result.samples.push(((elapsed[position] ?? 0) * 1000) / opsPerRound);
    }
  }
  return results;
}

/** Why W7 cannot run here, or `undefined` when it can. */
export function postgresSkipReason(): string | undefined {
  return locateProgram("postgresql") === undefined
    ? "W7 (PostgreSQL) skipped: PostgreSQL server binaries not found (apt-get install -y postgresql, or point BEAUTYSPOT_POSTGRES_BIN at their folder)."
    : undefined;
}

/** W7: hits and miss + store over PostgreSQL, each against the driver used by hand. */
export async function benchPostgres(options: BenchOptions): Promise<[Section, Section]> {
  const sizes = readSizes(options);
  const server = await startPostgres();
  try {
    const uri = await server.database();
    const dir = createBenchDir();
    const values = Array.from({ length: sizes.entries }, (_, index) => makeValue(index));
    const spot = new Spot("pg", { workspace: dir, db: new PostgresTaskDB(uri) });
    const lookup = spot.mark(async function lookup(index: number) {
      return values[index % values.length];
    });
    for (let index = 0; index < sizes.entries; index++) await lookup(index);
    const pool = new pg.Pool({ connectionString: uri, max: 10, allowExitOnIdle: true });
    // The floor reads the very rows beautyspot wrote, through the same driver, as prepared statements.
    const select = (key: string) =>
      pool.query({
        name: "floor_select",
        text: "SELECT result_data FROM tasks WHERE cache_key = $1",
        values: [key],
        rowMode: "array",
      });
    const keyOf = (index: number) => lookup.key(index);
    const keys = Array.from({ length: sizes.entries }, (_, index) => keyOf(index));
    const indexes = drawIndexes(sizes.hits, sizes.entries);
    let sink = 0;
    const hits = await interleave(sizes.rounds, sizes.hits, {
      [W7_HIT_FLOOR]: async (op) => {
        const index = indexes[op] as number;
        hashArguments([index]);
        const result = await select(keys[index] as string);
        sink += (packr.unpack(result.rows[0]?.[0] as Buffer) as { id: number }).id;
      },
      [W7_HIT]: async (op) => {
        sink += ((await lookup(indexes[op] as number)) as { id: number }).id;
      },
    });

    const insert = (key: string, bytes: Uint8Array) =>
      pool.query({
        name: "floor_insert",
        text: `INSERT INTO tasks (cache_key, result_type, result_data, updated_at) VALUES ($1, 'DIRECT_BLOB', $2, now())
          ON CONFLICT (cache_key) DO UPDATE SET result_data = EXCLUDED.result_data, updated_at = EXCLUDED.updated_at`,
        values: [key, bytes],
        rowMode: "array",
      });
    const store = spot.mark(async function store(_round: number, index: number) {
      return values[index % values.length];
    });
    // Every call is a miss: each op takes a number never used before.
    let call = 0;
    const stores = await interleave(sizes.rounds, sizes.stores, {
      [W7_STORE_FLOOR]: async () => {
        call += 1;
        const key = hashArguments(["floor", call]);
        const found = await select(key);
        if (found.rows.length === 0) await insert(key, packr.pack(values[call % values.length]));
      },
      [W7_STORE_INSERT_ONLY]: async () => {
        call += 1;
        await insert(hashArguments(["insert", call]), packr.pack(values[call % values.length]));
      },
      [W7_STORE]: async () => {
        call += 1;
        await store(call, call);
      },
    });
    if (sink === -1) console.log(sink);
    await spot.shutdown();
    await pool.end();
    return [
      {
        id: "W7",
        title: `hit over PostgreSQL (local server, TCP): ${sizes.entries.toLocaleString("en-US")} entries, ${sizes.hits.toLocaleString("en-US")} hits on random keys per round, ${sizes.rounds} rounds, 1 KB values`,
        unit: "µs/hit",
        floor: W7_HIT_FLOOR,
        measurements: hits,
      },
      {
        id: "W7",
        title: `miss + store over PostgreSQL: ${sizes.stores.toLocaleString("en-US")} distinct calls per round, ${sizes.rounds} rounds, 1 KB values`,
        unit: "µs/call",
        floor: W7_STORE_FLOOR,
        measurements: stores,
      },
    ];
  } finally {
    await server.stop();
  }
}
