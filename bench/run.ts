/**
 * @module bench/run — `npm run bench`: every workload (W1–W6) against its floor and the Node
 * peers, alternating contenders within rounds, printed as tables of medians, ranges and ratios
 * to the floor, then the targets marked met or not. W7 (PostgreSQL) starts a throwaway
 * server, and is skipped with one line where PostgreSQL is not installed.
 * Flags: `--quick` (small sizes, a smoke run), `--json`, `--only W1,W4`, `--rows N` (largest W4 size).
 */

import {
  benchBlobs,
  W3_FLOOR_LOAD,
  W3_FLOOR_STORE_FSYNC,
  W3_LOAD,
  W3_STORE,
  W3_STORE_BACKGROUND,
  W3_STORE_FULL,
} from "./blob.js";
import {
  benchHits,
  benchStores,
  W1_FLOOR,
  W1_MARK,
  W1_MARK_NO_TIER,
  W1_MARK_SYNC,
  W2_BACKGROUND_CALLER,
  W2_BACKGROUND_CALLER_NO_ARGUMENTS,
  W2_BACKGROUND_TOTAL,
  W2_BACKGROUND_TOTAL_NO_ARGUMENTS,
  W2_FLOOR_BATCHED,
  W2_FLOOR_PER_ROW,
  W2_SAME_ROWS_BATCHED,
  W2_SAME_ROWS_PER_ROW,
  W2_SYNC,
} from "./hot-path.js";
import {
  checkTarget,
  describeMachine,
  formatSection,
  formatTargets,
  medianOf,
  readOptions,
  type Section,
  type TargetCheck,
} from "./lib.js";
import {
  benchPostgres,
  postgresSkipReason,
  W7_HIT,
  W7_HIT_FLOOR,
  W7_STORE,
  W7_STORE_FLOOR,
} from "./postgres.js";
import { benchScaleAt, buildPackage, formatMaintenance, type ScaleResult } from "./scale.js";
import { benchSerialization } from "./serialization.js";
import {
  benchStreams,
  W6_PASS_FLOOR,
  W6_RECORD_BACKGROUND,
  W6_REPLAY,
  W6_REPLAY_FLOOR,
} from "./streams.js";

const PEERS = ["keyv + @keyv/sqlite", "cacache"];
/** Peak RSS allowed for any maintenance operation at the largest size. */
const RSS_LIMIT_MB = 300;

const options = readOptions(process.argv.slice(2));
const wants = (id: string) => options.only.size === 0 || options.only.has(id);
const log = (line: string) => {
  if (!options.json) console.log(line);
};
const startedAt = performance.now();
const sections: Section[] = [];
const targets: TargetCheck[] = [];

/** beautyspot against the fastest peer of a section (below 1 means faster than every peer). */
function checkPeers(section: Section | undefined, contender: string, label: string): void {
  const fastestPeer = Math.min(...PEERS.map((peer) => medianOf(section, peer)));
  targets.push(
    checkTarget(
      `${label}: beautyspot / fastest Node peer`,
      medianOf(section, contender) / fastestPeer,
      1,
    ),
  );
}

function record(section: Section): Section {
  sections.push(section);
  log(formatSection(section));
  return section;
}

log(`# beautyspot benchmarks${options.quick ? " (--quick)" : ""}\n\n${describeMachine()}`);

let w1: Section | undefined;
if (wants("W1")) {
  w1 = record(await benchHits(options));
  const floor = medianOf(w1, W1_FLOOR);
  targets.push(
    checkTarget("W1 hit, default (memory tier) / floor", medianOf(w1, W1_MARK) / floor, 1.3),
  );
  targets.push(
    checkTarget("W1 hit, memoryCacheBytes: 0 / floor", medianOf(w1, W1_MARK_NO_TIER) / floor, 1.3),
  );
  targets.push(
    checkTarget(
      "W1 stretch: repeated hits (memory tier, markSync) below the floor",
      medianOf(w1, W1_MARK_SYNC) / floor,
      1,
    ),
  );
  checkPeers(w1, W1_MARK, "W1 hit");
}
if (wants("W2")) {
  const w2 = record(await benchStores(options));
  if (w1 !== undefined) {
    targets.push(
      checkTarget(
        "W2 background save, caller side / W1 hit",
        medianOf(w2, W2_BACKGROUND_CALLER) / medianOf(w1, W1_MARK),
        2,
      ),
    );
  }
  targets.push(
    checkTarget(
      "W2 background save, total incl. flush / batched floor",
      medianOf(w2, W2_BACKGROUND_TOTAL) / medianOf(w2, W2_FLOOR_BATCHED),
      1.5,
    ),
  );
  targets.push(
    checkTarget(
      "W2 sync save / one-txn-per-row floor",
      medianOf(w2, W2_SYNC) / medianOf(w2, W2_FLOOR_PER_ROW),
      1.5,
    ),
  );
  // Not targets of their own: the same rows written by hand show what the schema (the Python
  // library's columns, size, digest, and the indexes the query plans need) costs by itself, so
  // these ratios are beautyspot's own overhead on top.
  targets.push(
    checkTarget(
      "info: W2 background total / same rows by hand, batched",
      medianOf(w2, W2_BACKGROUND_TOTAL) / medianOf(w2, W2_SAME_ROWS_BATCHED),
      1.5,
    ),
    checkTarget(
      "info: W2 sync save / same rows by hand, 1 txn per row",
      medianOf(w2, W2_SYNC) / medianOf(w2, W2_SAME_ROWS_PER_ROW),
      1.5,
    ),
  );
  // The second release stores each call's arguments (for explanations): at most 15 % over the
  // same saves without them, measured in the same run.
  targets.push(
    checkTarget(
      "W2 background total: stored arguments / storeArguments: false",
      medianOf(w2, W2_BACKGROUND_TOTAL) / medianOf(w2, W2_BACKGROUND_TOTAL_NO_ARGUMENTS),
      1.15,
    ),
    checkTarget(
      "info: W2 background caller side: stored arguments / storeArguments: false",
      medianOf(w2, W2_BACKGROUND_CALLER) / medianOf(w2, W2_BACKGROUND_CALLER_NO_ARGUMENTS),
      1.15,
    ),
  );
  checkPeers(w2, W2_SYNC, "W2 sync save");
}
if (wants("W3")) {
  const [store, load] = await benchBlobs(options);
  if (store !== undefined && load !== undefined) {
    record(store);
    record(load);
    const fsyncFloor = medianOf(store, W3_FLOOR_STORE_FSYNC);
    targets.push(
      checkTarget(
        "W3 blob store (default durability) / floor (tmp + fsync + rename)",
        medianOf(store, W3_STORE) / fsyncFloor,
        0.5,
      ),
      checkTarget(
        'W3 blob store (durability: "full") / floor (tmp + fsync + rename)',
        medianOf(store, W3_STORE_FULL) / fsyncFloor,
        1.2,
      ),
      checkTarget(
        "info: W3 background blob save, total incl. flush / floor (tmp + fsync + rename)",
        medianOf(store, W3_STORE_BACKGROUND) / fsyncFloor,
        0.5,
      ),
    );
    targets.push(
      checkTarget(
        "W3 blob load / floor (readFileSync)",
        medianOf(load, W3_LOAD) / medianOf(load, W3_FLOOR_LOAD),
        1.5,
      ),
    );
    checkPeers(store, W3_STORE, "W3 blob store");
    checkPeers(load, W3_LOAD, "W3 blob load");
  }
}
const scale: ScaleResult[] = [];
if (wants("W4")) {
  buildPackage();
  const sizes = options.quick ? [2_000, options.maxRows] : [10_000, 100_000, options.maxRows];
  for (const rows of [...new Set(sizes)].filter((rows) => rows <= options.maxRows)) {
    const result = await benchScaleAt(rows, options);
    scale.push(result);
    for (const section of result.sections) record(section);
  }
  log(formatMaintenance(scale));
  const small = scale[0];
  const large = scale.at(-1);
  if (small !== undefined && large !== undefined) {
    targets.push(
      checkTarget(
        "W4 import beautyspot / import better-sqlite3 + msgpackr",
        small.coldImport.beautyspotMs / small.coldImport.floorMs,
        1.5,
      ),
    );
    const growth = `${large.rows.toLocaleString("en-US")} / ${small.rows.toLocaleString("en-US")} rows`;
    targets.push(
      checkTarget(
        `W4 hit growth (memoryCacheBytes: 0), ${growth}`,
        large.hitMicros.untiered / small.hitMicros.untiered,
        1.3,
      ),
    );
    targets.push(
      checkTarget(
        `W4 hit growth (memory tier), ${growth}`,
        large.hitMicros.tiered / small.hitMicros.tiered,
        1.3,
      ),
    );
    targets.push(
      checkTarget(
        `W4 cold start growth, ${growth}`,
        large.coldTotal.beautyspotMs / small.coldTotal.beautyspotMs,
        2,
      ),
    );
    targets.push(
      checkTarget(`W4 newest page growth, ${growth}`, large.newestPageMs / small.newestPageMs, 2),
    );
    const peak = Math.max(...large.maintenance.map((step) => step.peakRssMb));
    targets.push(
      checkTarget(
        `W4 peak RSS of maintenance at ${large.rows.toLocaleString("en-US")} rows / ${RSS_LIMIT_MB} MB`,
        peak / RSS_LIMIT_MB,
        1,
      ),
    );
  }
}
if (wants("W5")) {
  for (const section of await benchSerialization(options)) record(section);
}

if (wants("W6")) {
  const [replay, live] = await benchStreams(options);
  if (replay !== undefined && live !== undefined) {
    record(replay);
    record(live);
    targets.push(
      checkTarget(
        "W6 stream replay / async generator from memory",
        medianOf(replay, W6_REPLAY) / medianOf(replay, W6_REPLAY_FLOOR),
        2,
      ),
    );
    targets.push(
      checkTarget(
        "W6 live pass-through + recording / plain pass-through",
        medianOf(live, W6_RECORD_BACKGROUND) / medianOf(live, W6_PASS_FLOOR),
        1.2,
      ),
    );
  }
}

if (wants("W7")) {
  const skipped = postgresSkipReason();
  if (skipped !== undefined) log(`\n${skipped}`);
  else {
    const [hits, stores] = await benchPostgres(options);
    record(hits);
    record(stores);
    targets.push(
      checkTarget(
        "W7 hit over PostgreSQL / prepared SELECT, same driver",
        medianOf(hits, W7_HIT) / medianOf(hits, W7_HIT_FLOOR),
        1.3,
      ),
      checkTarget(
        "W7 miss + store over PostgreSQL / SELECT + INSERT … ON CONFLICT, same driver",
        medianOf(stores, W7_STORE) / medianOf(stores, W7_STORE_FLOOR),
        1.5,
      ),
    );
  }
}

log(formatTargets(targets));
log(`\nTotal time: ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
if (options.json) {
  console.log(
    JSON.stringify(
      { machine: describeMachine(), quick: options.quick, sections, scale, targets },
      null,
      2,
    ),
  );
}
