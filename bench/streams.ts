/**
 * @module bench/streams — W6: cached streams. A stored 1,000-chunk stream replayed, against the
 * same chunks iterated from memory by an async generator (the floor); and a stream passed through
 * live while it is recorded, against the same function unmarked behind a plain pass-through
 * generator.
 */

import { Spot } from "../src/index.js";
import { alternate, type BenchOptions, createBenchDir, type Section, timePerOp } from "./lib.js";

export const W6_REPLAY_FLOOR = "floor: async generator over the chunks in memory";
export const W6_REPLAY = "beautyspot replay of the stored stream (lookup + decode + iterate)";
export const W6_PASS_FLOOR = "floor: plain pass-through async generator";
export const W6_RECORD_BACKGROUND = "beautyspot live pass-through + recording (saveSync: false)";
export const W6_RECORD_SYNC = "beautyspot live pass-through + recording + sync save";

const CHUNKS = 1_000;

/** Token-sized text chunks, as an LLM streams them. */
const chunks = Array.from({ length: CHUNKS }, (_, index) => `tok${index} `);

async function* fromMemory(): AsyncGenerator<string> {
  for (const chunk of chunks) yield chunk;
}

async function* passThrough<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
  for await (const chunk of source) yield chunk;
}

/** Reads a stream to its end; returns how many chunks came. */
async function drain(stream: AsyncIterable<unknown>): Promise<number> {
  let count = 0;
  for await (const _ of stream) count += 1;
  return count;
}

/** W6 as two sections: replay, and live recording. */
export async function benchStreams(options: BenchOptions): Promise<Section[]> {
  const rounds = options.quick ? 3 : 7;
  const streams = options.quick ? 100 : 500;
  const dir = createBenchDir("bs-bench-streams-");
  const spot = new Spot("streams", { workspace: dir });
  const background = new Spot("streams_background", { workspace: dir, saveSync: false });

  const stored = spot.mark(async function* stored() {
    yield* fromMemory();
  });
  if ((await drain(stored())) !== CHUNKS) throw new Error("the stream did not record every chunk");
  let sink = 0;
  const replay = await alternate(rounds, {
    [W6_REPLAY_FLOOR]: () =>
      timePerOp(streams, async () => {
        for (let index = 0; index < streams; index++) sink += await drain(fromMemory());
      }),
    [W6_REPLAY]: () =>
      timePerOp(streams, async () => {
        for (let index = 0; index < streams; index++) sink += await drain(stored());
      }),
  });

  // Every recorded run is a miss: each stream has its own argument.
  let run = 0;
  const recordedSync = spot.mark(async function* recordedSync(_run: number) {
    yield* fromMemory();
  });
  const recordedBackground = background.mark(async function* recordedBackground(_run: number) {
    yield* fromMemory();
  });
  // The floor calls the same function unmarked, through a plain pass-through generator: what a
  // wrapper that records nothing costs on top of the user's own generator.
  const unmarked = async function* unmarked(_run: number) {
    yield* fromMemory();
  };
  const live = await alternate(rounds, {
    [W6_PASS_FLOOR]: () =>
      timePerOp(streams, async () => {
        for (let index = 0; index < streams; index++)
          sink += await drain(passThrough(unmarked(run++)));
      }),
    [W6_RECORD_BACKGROUND]: async () => {
      const perStream = await timePerOp(streams, async () => {
        for (let index = 0; index < streams; index++)
          sink += await drain(recordedBackground(run++));
      });
      await background.flush();
      return perStream;
    },
    [W6_RECORD_SYNC]: () =>
      timePerOp(streams, async () => {
        for (let index = 0; index < streams; index++) sink += await drain(recordedSync(run++));
      }),
  });
  if (sink === -1) console.log(sink);
  await spot.shutdown();
  await background.shutdown();
  return [
    {
      id: "W6",
      title: `stream replay: a stored ${CHUNKS.toLocaleString("en-US")}-chunk stream, ${streams} streams per round`,
      unit: "µs/stream",
      floor: W6_REPLAY_FLOOR,
      measurements: replay,
    },
    {
      id: "W6",
      title: `live pass-through with recording: ${CHUNKS.toLocaleString("en-US")} chunks from memory, each stream a miss`,
      unit: "µs/stream",
      floor: W6_PASS_FLOOR,
      measurements: live,
    },
  ];
}
