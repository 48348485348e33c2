/**
 * @module test/cloud/spot-end-to-end — a Spot on cloud storage, end to end: large values across
 * processes, garbage collection, and an endpoint that stops mid-run. Run per backend.
 */

import assert from "node:assert/strict";
import { hash } from "node:crypto";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { BlobStorageError, IncompatibleProviderError } from "../../src/errors.js";
import { Spot } from "../../src/spot.js";
import type { BlobStorage } from "../../src/storage/types.js";
import { makeTempDir, recordingLogger, runScript } from "../helpers.js";
import type { TestServer } from "../servers/s3.js";

/** What the suite needs to know about one backend. */
export interface CloudBackend {
  name: string;
  /** Starts a server with the given bucket. */
  startServer(bucket: string): Promise<TestServer>;
  /** A storage at `uri` talking to `server`, failing fast when the server is down. */
  makeStorage(uri: string, server: TestServer): BlobStorage;
  /** The bucket URI scheme. */
  scheme: "s3" | "gs";
  /** Environment for a child process so that a bare URI reaches `server`. */
  childEnvironment(server: TestServer): NodeJS.ProcessEnv;
}

const LARGE_SIZE = 20 * 1024 * 1024;

/** The same 20 MB pattern the child processes build. */
function makeLargeValue(): Buffer {
  const bytes = Buffer.alloc(LARGE_SIZE);
  for (let index = 0; index < bytes.length; index += 1) bytes[index] = (index * 31) % 251;
  return bytes;
}

/** A child that marks `makeLarge` with the storage URI and prints what it saw. */
function childScript(): string {
  return `
import { hash } from "node:crypto";
import { Spot } from "$ENTRY";
const spot = new Spot("app", { storage: process.env.BS_URI, workspace: process.env.BS_WORKSPACE, saveBlob: true, logger: { warn() {}, error: console.error } });
let calls = 0;
const makeLarge = spot.mark(async function makeLarge(size: number) {
  calls += 1;
  const bytes = Buffer.alloc(size);
  for (let index = 0; index < bytes.length; index += 1) bytes[index] = (index * 31) % 251;
  return bytes;
});
const value = await makeLarge(${LARGE_SIZE});
await spot.shutdown();
console.log(JSON.stringify({ calls, size: value.byteLength, digest: hash("sha256", value, "hex") }));
`;
}

async function collect(storage: BlobStorage): Promise<string[]> {
  const locations: string[] = [];
  for await (const location of storage.listKeys()) locations.push(location);
  return locations.sort();
}

/** Runs the end-to-end suite against one backend. */
export function runCloudSpotSuite(backend: CloudBackend): void {
  describe(`Spot on ${backend.name}`, () => {
    const bucket = "bs-e2e";
    let server: TestServer;

    before(async () => {
      server = await backend.startServer(bucket);
    });

    after(async () => {
      await server.dispose();
    });

    it("stores a 20 MB value as a blob that a new process reads back, and collects only orphans", async () => {
      const workspace = makeTempDir();
      const uri = `${backend.scheme}://${bucket}/large`;
      const environment = {
        ...backend.childEnvironment(server),
        BS_URI: uri,
        BS_WORKSPACE: join(workspace, ".beautyspot"),
      };
      const expectedDigest = hash("sha256", makeLargeValue(), "hex");

      const first = await runScript(childScript(), workspace, environment);
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual(JSON.parse(first.stdout), {
        calls: 1,
        size: LARGE_SIZE,
        digest: expectedDigest,
      });

      const storage = backend.makeStorage(uri, server);
      const stored = await collect(storage);
      assert.equal(stored.length, 1);
      assert.ok(stored[0]!.startsWith(`${uri}/`));

      const second = await runScript(childScript(), workspace, environment);
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(JSON.parse(second.stdout), {
        calls: 0,
        size: LARGE_SIZE,
        digest: expectedDigest,
      });

      const orphan = await storage.save("f".repeat(64), new Uint8Array([1, 2, 3]));
      const spot = new Spot("app", { storage, workspace: join(workspace, ".beautyspot") });
      try {
        const report = await spot.maintenance.cleanGarbage({ graceSeconds: 0 });
        assert.equal(report.orphanBlobs, 1);
      } finally {
        await spot.shutdown();
      }
      const remaining = await collect(storage);
      assert.deepEqual(remaining, stored);
      assert.ok(!remaining.includes(orphan));
    });

    it("refuses markSync at mark time", async () => {
      const spot = new Spot("sync", {
        storage: backend.makeStorage(`${backend.scheme}://${bucket}/sync`, server),
        workspace: join(makeTempDir(), ".beautyspot"),
      });
      try {
        assert.throws(
          () =>
            spot.markSync(function add(a: number) {
              return a + 1;
            }),
          IncompatibleProviderError,
        );
      } finally {
        await spot.shutdown();
      }
    });

    it("survives the endpoint stopping mid-run and works again once it is back", async () => {
      const logger = recordingLogger();
      const backgroundErrors: unknown[] = [];
      const spot = new Spot("outage", {
        storage: backend.makeStorage(`${backend.scheme}://${bucket}/outage`, server),
        workspace: join(makeTempDir(), ".beautyspot"),
        saveBlob: true,
        logger,
        onBackgroundError: (error) => backgroundErrors.push(error),
      });
      let calls = 0;
      async function produce(seed: number) {
        calls += 1;
        return Buffer.alloc(4096, seed);
      }
      const strict = spot.mark(produce);
      const relaxed = spot.mark(produce, { saveSync: false });
      const throwing = spot.mark(produce, { onSaveError: "throw" });
      try {
        assert.equal((await strict(1))[0], 1);
        await strict(1);
        assert.equal(calls, 1);
        const storedRow = spot.db.get(strict.key(1));

        await server.stop();

        // Load: a miss with a warning, the function runs again.
        assert.equal((await relaxed(1))[0], 1);
        assert.equal(calls, 2);
        assert.ok(logger.warnings.some((warning) => warning.includes(`${bucket}/outage`)));

        // Synchronous save: the caller still gets its value; the error, naming bucket,
        // operation and cause, goes to onBackgroundError; no row.
        const errorsBefore = backgroundErrors.length;
        assert.equal((await strict(2))[0], 2);
        assert.equal(backgroundErrors.length, errorsBefore + 1);
        const reported = backgroundErrors.at(-1);
        assert.ok(reported instanceof BlobStorageError);
        assert.match(reported.message, new RegExp(bucket));
        assert.match(reported.message, /save/);
        assert.match(reported.message, /ECONNREFUSED|reached/);
        assert.equal(spot.db.get(strict.key(2)), undefined);
        // With onSaveError: "throw" the call rejects instead, the value on the error.
        await assert.rejects(throwing(5), (error: unknown) => {
          assert.ok(error instanceof BlobStorageError);
          assert.equal((error.result as Buffer)[0], 5);
          return true;
        });

        // Background save: onBackgroundError, and no row without its blob.
        await relaxed(3);
        await spot.flush();
        assert.ok(backgroundErrors.length >= 1);
        assert.equal(spot.db.get(strict.key(3)), undefined);
        // The row stored before the outage is untouched.
        assert.deepEqual(spot.db.get(strict.key(1)), storedRow);

        await server.restart();

        const callsBefore = calls;
        assert.equal((await strict(1))[0], 1);
        assert.equal(calls, callsBefore);
        assert.equal((await strict(2))[0], 2);
        assert.equal((await strict(2))[0], 2);
        assert.equal(calls, callsBefore + 1);
      } finally {
        await server.restart().catch(() => undefined);
        await spot.shutdown();
      }
    });
  });
}
