/**
 * @module bench/blob — W3: 100 KB values stored as blobs, then loaded, against files written
 * by hand (temp file + rename, with and without fsync) and the Node peers.
 */

import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { join } from "node:path";
import { Spot } from "../src/index.js";
import {
  alternate,
  type BenchOptions,
  createBenchDir,
  flushFileSystems,
  type Measurement,
  type Section,
  timePerOp,
} from "./lib.js";
import { openCacache, openKeyv, type PeerCache } from "./peers.js";

export const W3_FLOOR_STORE = "floor store: tmp + rename";
export const W3_FLOOR_STORE_FSYNC = "floor store: tmp + fsync + rename";
export const W3_FLOOR_LOAD = "floor load: readFileSync";
export const W3_STORE = "beautyspot store (saveBlob, sync save)";
export const W3_STORE_FULL = 'beautyspot store (saveBlob, sync save, durability: "full")';
export const W3_STORE_BACKGROUND =
  "beautyspot store (saveBlob, background save, total incl. flush)";
export const W3_LOAD = "beautyspot load (hit)";

const VALUE_BYTES = 100 * 1024;
/** Load passes per round, alternating the contenders. */
const LOAD_REPEATS = 3;

/** A distinct 100 KB value per index (a shared random body with the index stamped in). */
function makeBlobValues(count: number): Buffer[] {
  const body = randomBytes(VALUE_BYTES);
  return Array.from({ length: count }, (_, index) => {
    const value = Buffer.from(body);
    value.writeUInt32LE(index, 0);
    return value;
  });
}

function writeFileAtomically(file: string, data: Uint8Array, durable: boolean): void {
  const temporary = `${file}.tmp`;
  const descriptor = fs.openSync(temporary, "w");
  try {
    fs.writeSync(descriptor, data);
    if (durable) fs.fsyncSync(descriptor);
  } finally {
    fs.closeSync(descriptor);
  }
  fs.renameSync(temporary, file);
}

/** Appends a round's samples to the contender's list. */
function collect(results: Record<string, number[]>, measurement: Measurement): void {
  const samples = results[measurement.name] ?? [];
  samples.push(...measurement.samples);
  results[measurement.name] = samples;
}

/** W3 as two sections: stores and loads. */
export async function benchBlobs(options: BenchOptions): Promise<Section[]> {
  const count = options.quick ? 200 : 1_000;
  const peerCount = options.quick ? 50 : 200;
  const rounds = options.quick ? 3 : 5;
  const dir = createBenchDir();
  const values = makeBlobValues(count);
  const store: Record<string, () => Promise<number>> = {};
  const load: Record<string, () => Promise<number>> = {};
  let round = 0;
  /** Read by the end, so the loads cannot be optimized away. */
  let loadedBytes = 0;
  const folderOf = (name: string) => {
    const folder = join(dir, `${name}-${round}`);
    fs.mkdirSync(folder, { recursive: true });
    return folder;
  };

  for (const durable of [false, true]) {
    const name = durable ? W3_FLOOR_STORE_FSYNC : W3_FLOOR_STORE;
    store[name] = () => {
      const folder = folderOf(durable ? "floor-fsync" : "floor");
      return timePerOp(count, () => {
        for (let index = 0; index < count; index++)
          writeFileAtomically(join(folder, `${index}.bin`), values[index]!, durable);
      });
    };
  }
  load[W3_FLOOR_LOAD] = () => {
    const folder = join(dir, `floor-fsync-${round}`);
    return timePerOp(count, () => {
      for (let index = 0; index < count; index++)
        loadedBytes += fs.readFileSync(join(folder, `${index}.bin`)).byteLength;
    });
  };

  let spot: Spot | undefined;
  let blob: ((index: number) => Buffer) | undefined;
  store[W3_STORE] = () => {
    spot = new Spot(`blobs-${round}`, { workspace: dir, saveBlob: true });
    blob = spot.markSync(function blob(index: number) {
      return values[index]!;
    });
    const wrapper = blob;
    return timePerOp(count, () => {
      for (let index = 0; index < count; index++) wrapper(index);
    });
  };
  store[W3_STORE_FULL] = async () => {
    const durable = new Spot(`blobs-full-${round}`, {
      workspace: dir,
      saveBlob: true,
      durability: "full",
    });
    const wrapper = durable.markSync(function blob(index: number) {
      return values[index]!;
    });
    try {
      return await timePerOp(count, () => {
        for (let index = 0; index < count; index++) wrapper(index);
      });
    } finally {
      await durable.shutdown();
    }
  };
  store[W3_STORE_BACKGROUND] = async () => {
    const background = new Spot(`blobs-background-${round}`, {
      workspace: dir,
      saveBlob: true,
      saveSync: false,
    });
    const wrapper = background.markSync(function blob(index: number) {
      return values[index]!;
    });
    try {
      return await timePerOp(count, async () => {
        for (let index = 0; index < count; index++) wrapper(index);
        await background.flush();
      });
    } finally {
      await background.shutdown();
    }
  };
  load[W3_LOAD] = async () => {
    const wrapper = blob!;
    return timePerOp(count, () => {
      for (let index = 0; index < count; index++) loadedBytes += wrapper(index).byteLength;
    });
  };

  const peers: PeerCache[] = [];
  for (const open of [openKeyv, openCacache]) {
    const name = open === openKeyv ? "keyv + @keyv/sqlite" : "cacache";
    let peer: PeerCache | undefined;
    store[name] = () => {
      peer = open(dir, open === openKeyv ? `keyv-blob-${round}.db` : `cacache-blob-${round}`);
      peers.push(peer);
      const current = peer;
      return timePerOp(peerCount, async () => {
        for (let index = 0; index < peerCount; index++)
          await current.set(`blob-${index}`, values[index]);
      });
    };
    load[name] = () => {
      const current = peer!;
      return timePerOp(peerCount, async () => {
        for (let index = 0; index < peerCount; index++) await current.get(`blob-${index}`);
      });
    };
  }

  const storeResults: Record<string, number[]> = {};
  const loadResults: Record<string, number[]> = {};
  for (let next = 0; next < rounds; next++) {
    // Stores of every contender first, then their loads: each load finds what its store wrote.
    const stored = await alternate(1, store);
    // The stores leave up to ~200 MB of dirty pages (the no-fsync floor, the peers): write them
    // back now, or the kernel does it in the middle of whichever load runs next.
    flushFileSystems();
    // Loads take a few tens of ms: repeated and alternated, so a passing stall of the machine
    // does not decide the ratio.
    const loaded = await alternate(LOAD_REPEATS, load);
    await spot?.shutdown();
    for (const measurement of stored) collect(storeResults, measurement);
    for (const measurement of loaded) collect(loadResults, measurement);
    round += 1;
  }
  for (const peer of peers) await peer.close();
  if (loadedBytes === -1) console.log(loadedBytes);
  const toMeasurements = (results: Record<string, number[]>) =>
    Object.entries(results).map(([name, samples]) => ({ name, samples }));
  return [
    {
      id: "W3 store",
      title: `${count.toLocaleString("en-US")} stores of 100 KB values as blobs (peers: ${peerCount})`,
      unit: "µs/store",
      floor: W3_FLOOR_STORE_FSYNC,
      measurements: toMeasurements(storeResults),
    },
    {
      id: "W3 load",
      title: `${count.toLocaleString("en-US")} loads of the 100 KB blobs just stored, ${LOAD_REPEATS} passes per round (peers: ${peerCount})`,
      unit: "µs/load",
      floor: W3_FLOOR_LOAD,
      measurements: toMeasurements(loadResults),
    },
  ];
}
