/**
 * @module test/dashboard/ranges — byte ranges of a large binary value are read from its blob file,
 * verified once, and never served from a file altered since.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { TaskPage } from "../../src/dashboard/api-types.js";
import type { RunningDashboard } from "../../src/dashboard/index.js";
import { ContentType, Spot } from "../../src/index.js";
import { assertPageBuilt, createTempFolder, startQuietDashboard } from "./fixtures.js";

/** Large enough that reading and hashing it per request is plainly slower than a range read. */
const VIDEO_BYTES = 40 * 1024 * 1024;

async function fetchRange(url: string, range: string): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(url, { headers: { Range: range } });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

describe("byte ranges of a large binary value", () => {
  let folder: string;
  let dashboard: RunningDashboard;
  let video: Buffer;
  let rawUrl: string;
  let blobFile: string;

  before(async () => {
    assertPageBuilt();
    folder = createTempFolder();
    video = randomBytes(VIDEO_BYTES);
    const spot = new Spot("media", { workspace: folder, saveBlob: true });
    const record = spot.mark(async (_name: string) => video, {
      name: "recordVideo",
      contentType: ContentType.VIDEO_MP4,
    });
    await record("clip");
    await spot.shutdown();
    dashboard = await startQuietDashboard(path.join(folder, "media.db"));
    const page = (await (await fetch(`${dashboard.url}api/tasks`)).json()) as TaskPage;
    const key = page.rows[0]?.cacheKey;
    assert.ok(key);
    rawUrl = `${dashboard.url}api/tasks/${key}/raw`;
    blobFile = path.join(folder, "blobs", "media", `${key}.bin`);
    assert.ok(fs.existsSync(blobFile));
  });

  after(async () => {
    await dashboard.close();
    fs.rmSync(folder, { recursive: true, force: true });
  });

  it("serves exactly the requested bytes, the whole value, and 416 past its end", async () => {
    const middle = await fetchRange(rawUrl, "bytes=1000000-1000099");
    assert.equal(middle.status, 206);
    assert.deepEqual(middle.body, video.subarray(1_000_000, 1_000_100));
    const tail = await fetchRange(rawUrl, "bytes=-7");
    assert.deepEqual(tail.body, video.subarray(VIDEO_BYTES - 7));
    const whole = await fetch(rawUrl);
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get("content-type"), "video/mp4");
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(video));
    assert.equal((await fetchRange(rawUrl, `bytes=${VIDEO_BYTES}-`)).status, 416);
  });

  it("after one verification, answers a range far faster than reading the whole value", async () => {
    // Another file identity forces a fresh verification: the first request pays for it.
    const bytes = fs.readFileSync(blobFile);
    fs.rmSync(blobFile);
    fs.writeFileSync(blobFile, bytes);
    let started = performance.now();
    assert.deepEqual((await fetchRange(rawUrl, "bytes=5-5")).body, video.subarray(5, 6));
    const verifying = performance.now() - started;
    started = performance.now();
    for (let index = 0; index < 10; index++) {
      const offset = index * 3_000_000;
      const { status, body } = await fetchRange(rawUrl, `bytes=${offset}-${offset}`);
      assert.equal(status, 206);
      assert.deepEqual(body, video.subarray(offset, offset + 1));
    }
    const tenRanges = performance.now() - started;
    assert.ok(
      tenRanges < verifying,
      `ten 1-byte ranges took ${tenRanges.toFixed(1)} ms, one verifying read ${verifying.toFixed(1)} ms`,
    );
  });

  it("never serves bytes of a blob altered after it was verified", async () => {
    assert.equal((await fetchRange(rawUrl, "bytes=0-9")).status, 206);
    const { mtime, atime } = fs.statSync(blobFile);
    const handle = fs.openSync(blobFile, "r+");
    fs.writeSync(handle, Buffer.from([video[2_000_000]! ^ 0xff]), 0, 1, 5 + 2_000_000);
    fs.closeSync(handle);
    // Even with its modification time put back, the change is noticed.
    fs.utimesSync(blobFile, atime, mtime);
    const altered = await fetchRange(rawUrl, "bytes=2000000-2000000");
    assert.equal(altered.status, 404);
    assert.match(altered.body.toString(), /damaged/);
  });
});
