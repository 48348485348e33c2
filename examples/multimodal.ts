/**
 * @module examples/multimodal — small generated results of every kind the dashboard renders: an
 * image, a sound, a markdown note, two diagrams, an HTML snippet and a table. Used by the demo
 * (so `beautyspot ui` has something to show) and by the dashboard's tests.
 */

import { deflateSync } from "node:zlib";
import { ContentType, type Spot } from "../src/index.js";

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let index = 0; index < 256; index++) {
    let value = index;
    for (let bit = 0; bit < 8; bit++) value = value & 1 ? 0xedb88320 ^ (value >>> 1) : value >>> 1;
    table[index] = value >>> 0;
  }
  return table;
})();

/** CRC-32 as PNG chunks need it (zlib's own `crc32` needs a newer Node than we support). */
function computeCrc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function createPngChunk(type: string, data: Uint8Array): Buffer {
  const chunk = Buffer.alloc(12 + data.byteLength);
  chunk.writeUInt32BE(data.byteLength, 0);
  chunk.write(type, 4, "ascii");
  chunk.set(data, 8);
  chunk.writeUInt32BE(computeCrc32(chunk.subarray(4, 8 + data.byteLength)), 8 + data.byteLength);
  return chunk;
}

/** Encodes RGBA pixels (`width * height * 4` bytes, row by row) as a PNG file. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits per channel, RGBA, deflate, no filter method, no interlace
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    // Each row starts with its filter type; 0 keeps the bytes as they are.
    rows.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    createPngChunk("IHDR", header),
    createPngChunk("IDAT", deflateSync(rows)),
    createPngChunk("IEND", new Uint8Array(0)),
  ]);
}

/** A `size`×`size` gradient in the given hue with a dark dot: a beauty spot. */
export function drawSwatch(hue: number, size = 96): Buffer {
  const pixels = new Uint8Array(size * size * 4);
  const center = size * 0.62;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const offset = (y * size + x) * 4;
      const inSpot = (x - center) ** 2 + (y - center * 0.8) ** 2 < (size * 0.07) ** 2;
      const light = 0.45 + 0.4 * (1 - y / size);
      const [red, green, blue] = inSpot ? [40, 20, 30] : convertHslToRgb(hue, 0.65, light);
      pixels.set([red, green, blue, 255], offset);
    }
  }
  return encodePng(size, size, pixels);
}

function convertHslToRgb(
  hue: number,
  saturation: number,
  lightness: number,
): [number, number, number] {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const sector = (hue / 60) % 6;
  const second = chroma * (1 - Math.abs((sector % 2) - 1));
  const [red, green, blue] =
    sector < 1
      ? [chroma, second, 0]
      : sector < 2
        ? [second, chroma, 0]
        : sector < 3
          ? [0, chroma, second]
          : sector < 4
            ? [0, second, chroma]
            : sector < 5
              ? [second, 0, chroma]
              : [chroma, 0, second];
  const match = lightness - chroma / 2;
  return [red, green, blue].map((channel) => Math.round((channel + match) * 255)) as [
    number,
    number,
    number,
  ];
}

/** A mono 16-bit PCM WAV file with a sine tone that fades out. */
export function encodeSineWav(frequency: number, seconds: number, sampleRate = 8_000): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write("RIFF", 0, "ascii");
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write("WAVEfmt ", 8, "ascii");
  wav.writeUInt32LE(16, 16); // fmt chunk size
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(sampleRate, 24);
  wav.writeUInt32LE(sampleRate * 2, 28); // bytes per second
  wav.writeUInt16LE(2, 32); // bytes per frame
  wav.writeUInt16LE(16, 34); // bits per sample
  wav.write("data", 36, "ascii");
  wav.writeUInt32LE(samples * 2, 40);
  for (let index = 0; index < samples; index++) {
    const fade = 1 - index / samples;
    const sample = Math.sin((2 * Math.PI * frequency * index) / sampleRate) * fade * 0.6;
    wav.writeInt16LE(Math.round(sample * 32_767), 44 + index * 2);
  }
  return wav;
}

/**
 * Stores one result of each kind in `spot`, through marked functions as a real program would.
 * Calling it again is served from the cache.
 */
export async function addMultimodalSamples(spot: Spot): Promise<void> {
  const generateThumbnail = spot.mark(
    async function generateThumbnail(_prompt: string, hue: number) {
      return drawSwatch(hue);
    },
    // Media as files beside the database, as a real program would keep larger values.
    { contentType: ContentType.PNG, version: "v1", saveBlob: true },
  );

  const synthesizeSpeech = spot.mark(
    async function synthesizeSpeech(text: string) {
      return encodeSineWav(440 + text.length * 5, 0.6);
    },
    { contentType: ContentType.AUDIO_WAV, saveBlob: true },
  );

  const writeNote = spot.mark(
    async function writeNote(topic: string) {
      return [
        `# Notes on ${topic}`,
        "",
        "The cache keeps every **result** so the next run is instant.",
        "",
        "- stored in SQLite, values as MessagePack",
        "- large values as files",
        "",
        "| run | time |",
        "| --- | ---: |",
        "| first | 550 ms |",
        "| second | 0.2 ms |",
        "",
        "> Delete a failed experiment in the dashboard and the next run redoes it.",
      ].join("\n");
    },
    { contentType: ContentType.MARKDOWN },
  );

  const planPipeline = spot.mark(
    async function planPipeline(steps: string[]) {
      const lines = ["flowchart LR"];
      steps.forEach((step, index) => {
        lines.push(`  s${index}["${step}"]`);
        if (index > 0) lines.push(`  s${index - 1} --> s${index}`);
      });
      return lines.join("\n");
    },
    { contentType: ContentType.MERMAID },
  );

  const drawDependencies = spot.mark(
    async function drawDependencies(modules: string[]) {
      const edges = modules.slice(1).map((module) => `  "${modules[0]}" -> "${module}";`);
      return `digraph dependencies {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n${edges.join("\n")}\n}`;
    },
    { contentType: ContentType.GRAPHVIZ },
  );

  const renderCard = spot.mark(
    async function renderCard(title: string) {
      return `<article style="font-family: sans-serif; border: 1px solid #ccc; border-radius: 8px; padding: 12px">
  <h2 style="margin: 0 0 6px">${title}</h2>
  <p>Rendered by a template step. Scripts in stored HTML never run in the dashboard.</p>
  <script>document.body.style.background = "red";</script>
</article>`;
    },
    { contentType: ContentType.HTML },
  );

  const tabulateCosts = spot.mark(
    async function tabulateCosts(model: string) {
      return `model,calls,tokens,cost\n${model},12,4821,0.07\n${model}-mini,40,10233,"0,02"\n`;
    },
    { contentType: ContentType.CSV },
  );

  await generateThumbnail("a rose at dawn", 340);
  await generateThumbnail("the sea at noon", 200);
  await synthesizeSpeech("Hello from beautyspot");
  await writeNote("caching");
  await planPipeline(["scrape", "summarize", "speak", "render"]);
  await drawDependencies(["spot", "core", "db", "storage", "serializer"]);
  await renderCard("Weekly summary");
  await tabulateCosts("fake-model");
  await spot.flush();
}
