/**
 * @module bench/serialization — W5: encoding and decoding typical values with the default
 * serializer, against raw msgpackr (the floor) and JSON.
 */

import { Packr } from "msgpackr";
import { MsgpackSerializer } from "../src/index.js";
import { alternate, type BenchOptions, makeValue, type Section, timePerOp } from "./lib.js";

const packr = new Packr({ useRecords: false });

/** A nested value with the types JSON cannot carry. */
function makeNestedValue(seed: number): unknown {
  return {
    run: seed,
    startedAt: new Date(1_700_000_000_000 + seed),
    totals: new Map<string, bigint>([
      ["tokens", 123_456_789_012n + BigInt(seed)],
      ["cost", 42n],
    ]),
    tags: new Set(["a", "b", "c"]),
    steps: Array.from({ length: 20 }, (_, index) => ({
      index,
      at: new Date(1_700_000_000_000 + index * 1000),
      scores: [index / 3, index / 7, index / 11],
      meta: { ok: index % 2 === 0, label: `step-${index}` },
    })),
  };
}

interface Payload {
  label: string;
  value: unknown;
  /** JSON cannot represent the value faithfully; its figures are for scale only. */
  lossyJson: boolean;
}

/** W5 as one section per payload, each with encode and decode rows. */
export async function benchSerialization(options: BenchOptions): Promise<Section[]> {
  const iterations = options.quick ? 2_000 : 20_000;
  const rounds = options.quick ? 3 : 7;
  const serializer = new MsgpackSerializer();
  const binary = Buffer.alloc(1024 * 1024, 7);
  const payloads: Payload[] = [
    { label: "LLM response, 1 KB", value: makeValue(1), lossyJson: false },
    { label: "LLM response, 16 KB", value: makeValue(2, 16 * 1024), lossyJson: false },
    { label: "nested with Date/Map/Set/BigInt", value: makeNestedValue(3), lossyJson: true },
    { label: "1 MB binary", value: binary, lossyJson: true },
  ];
  const sections: Section[] = [];
  for (const payload of payloads) {
    const ops = payload.value === binary ? Math.max(50, iterations / 100) : iterations;
    const encoded = serializer.dumps(payload.value);
    const packed = packr.pack(payload.value);
    // JSON.stringify throws on BigInt: the replacer turns it into text, as a JSON user would.
    const toJson = (value: unknown) =>
      JSON.stringify(value, (_, item) => (typeof item === "bigint" ? item.toString() : item));
    const jsonText = toJson(payload.value);
    let sink = 0;
    const jsonLabel = payload.lossyJson ? " (loses types)" : "";
    const measurements = await alternate(rounds, {
      "floor: msgpackr encode": () =>
        timePerOp(ops, () => {
          for (let index = 0; index < ops; index++) sink += packr.pack(payload.value).byteLength;
        }),
      "beautyspot encode (MsgpackSerializer.dumps)": () =>
        timePerOp(ops, () => {
          for (let index = 0; index < ops; index++)
            sink += serializer.dumps(payload.value).byteLength;
        }),
      [`JSON.stringify${jsonLabel}`]: () =>
        timePerOp(ops, () => {
          for (let index = 0; index < ops; index++) sink += toJson(payload.value).length;
        }),
      "msgpackr decode": () =>
        timePerOp(ops, () => {
          for (let index = 0; index < ops; index++) sink += packr.unpack(packed) === null ? 1 : 0;
        }),
      "beautyspot decode (MsgpackSerializer.loads)": () =>
        timePerOp(ops, () => {
          for (let index = 0; index < ops; index++)
            sink += serializer.loads(encoded) === null ? 1 : 0;
        }),
      [`JSON.parse${jsonLabel}`]: () =>
        timePerOp(ops, () => {
          for (let index = 0; index < ops; index++) sink += JSON.parse(jsonText) === null ? 1 : 0;
        }),
    });
    if (sink === -1) console.log(sink);
    for (const measurement of measurements.slice(3)) measurement.floor = "msgpackr decode";
    sections.push({
      id: "W5",
      title: `${payload.label}: ${encoded.byteLength.toLocaleString("en-US")} bytes encoded (decode rows: × msgpackr decode)`,
      unit: "µs/op",
      floor: "floor: msgpackr encode",
      measurements,
    });
  }
  return sections;
}
