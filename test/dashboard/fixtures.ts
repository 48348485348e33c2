/**
 * @module test/dashboard/fixtures — a real database with one entry per content type the dashboard
 * renders, written through a real Spot, and a dashboard started on it.
 */

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { addMultimodalSamples } from "../../examples/multimodal.js";
import { type RunningDashboard, startDashboard } from "../../src/dashboard/index.js";
import { ContentType, type ContentTypeValue, Spot } from "../../src/index.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const mediaFolder = path.join(root, "test/fixtures/media");

/** Fails with the fix when the page has not been built. */
export function assertPageBuilt(): void {
  if (!fs.existsSync(path.join(root, "dist/dashboard/web/app.js"))) {
    throw new Error("The dashboard page is not built: run `npm run build` before these tests.");
  }
}

export function createTempFolder(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "bs-"));
}

export function readMediaFixture(name: string): Buffer {
  return fs.readFileSync(path.join(mediaFolder, name));
}

/** Stored as a registered class; a dashboard without the registration must rescue it. */
class Embedding {
  constructor(
    readonly model: string,
    readonly vector: number[],
  ) {}
}

/** Markdown carrying script in two forms; neither may run. */
export const HOSTILE_MARKDOWN = `# Hostile note

Some **bold** text.

<script>window.__markdownScriptRan = true;</script>
<img src="x" onerror="window.__markdownOnerrorRan = true">
`;

/** HTML whose script would mark the parent page if it ran. */
export const HOSTILE_HTML = `<h1 id="inside">Inside the frame</h1>
<script>
  window.top.__frameScriptRan = true;
  parent.document.body.setAttribute("data-touched-by-frame", "yes");
</script>`;

export const HOSTILE_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40" onload="window.top.__svgScriptRan = true">
  <rect width="80" height="40" fill="#b4235a"/><script>window.top.__svgScriptRan = true;</script>
</svg>`;

/** Function names of the samples, by what they return. */
export const SAMPLE_FUNCTIONS = {
  png: "generateThumbnail",
  wav: "synthesizeSpeech",
  markdown: "writeNote",
  mermaid: "planPipeline",
  graphviz: "drawDependencies",
  html: "renderCard",
  csv: "tabulateCosts",
  rescued: "embed",
} as const;

/**
 * Fills `<folder>/samples.db` with every kind of value, media as blob files. Returns the database
 * path and the number of rows written.
 */
export async function createSampleDatabase(
  folder: string,
): Promise<{ dbPath: string; rows: number }> {
  const spot = new Spot("samples", { workspace: folder, saveBlob: true });
  await addMultimodalSamples(spot);
  const media: [string, ContentTypeValue][] = [
    ["tone.mp3", ContentType.AUDIO_MPEG],
    ["tone.ogg", ContentType.AUDIO_OGG],
    ["clip.mp4", ContentType.VIDEO_MP4],
    ["clip.webm", ContentType.VIDEO_WEBM],
    ["frame.jpg", ContentType.JPEG],
    ["frame.gif", ContentType.GIF],
    ["frame.webp", ContentType.WEBP],
  ];
  for (const [file, contentType] of media) {
    const storeMedia = spot.mark(
      async function storeMedia(name: string) {
        return readMediaFixture(name);
      },
      { contentType, name: `store_${path.extname(file).slice(1)}` },
    );
    await storeMedia(file);
  }
  const hostile: [string, ContentTypeValue][] = [
    [HOSTILE_MARKDOWN, ContentType.MARKDOWN],
    [HOSTILE_HTML, ContentType.HTML],
    [HOSTILE_SVG, ContentType.SVG],
  ];
  for (const [text, contentType] of hostile) {
    const storeHostile = spot.mark(
      async function storeHostile(value: string) {
        return value;
      },
      { contentType, name: `hostile_${(contentType.split("/")[1] ?? "").replace("+xml", "")}` },
    );
    await storeHostile(text);
  }
  const brokenDiagram = spot.mark(
    async function brokenDiagram() {
      return "flowchart LR\n  a --> [unclosed";
    },
    { contentType: ContentType.MERMAID },
  );
  await brokenDiagram();
  const storeJson = spot.mark(
    async function storeJson() {
      return { model: "fake", choices: [{ text: "hi", score: 0.5 }], tags: new Set(["a"]) };
    },
    { contentType: ContentType.JSON },
  );
  await storeJson();
  const storeText = spot.mark(
    async function storeText() {
      return Array.from({ length: 120 }, (_, index) => `line ${index + 1}`).join("\n");
    },
    { contentType: ContentType.TEXT },
  );
  await storeText();
  const storeObject = spot.mark(async function storeObject() {
    return {
      nested: { deep: [1, 2, 3] },
      when: new Date("2024-01-02T03:04:05Z"),
      nothing: undefined,
    };
  });
  await storeObject();
  const storeBytes = spot.mark(async function storeBytes() {
    return Buffer.from("beautyspot raw bytes \u0000\u0001\u0002", "utf8");
  });
  await storeBytes();
  spot.register(Embedding, {
    code: 21,
    encode: (embedding) => ({ model: embedding.model, vector: embedding.vector }),
    decode: (data) => new Embedding((data as Embedding).model, (data as Embedding).vector),
  });
  const embed = spot.mark(async function embed(text: string) {
    return new Embedding("fake-embedder", [text.length, 0.25, -1]);
  });
  await embed("rescue me");
  await spot.flush();
  const rows = (await spot.maintenance.stats()).rows;
  await spot.shutdown();
  return { dbPath: path.join(folder, "samples.db"), rows };
}

/** A dashboard on `dbPath`, on a free port, quiet. */
export function startQuietDashboard(dbPath: string, port = 0): Promise<RunningDashboard> {
  return startDashboard({ dbPath, port, log: () => {} });
}
