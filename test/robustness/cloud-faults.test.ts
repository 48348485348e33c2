/**
 * @module test/robustness/cloud-faults.test — the S3 and GCS test servers stopped while
 * background saves and loads are in flight: every call still returns its value, failures are
 * reported, the local database stays sound with no row lacking its blob, and all is well once
 * the server is back. (Stopping between calls is covered by test/cloud/spot-end-to-end.ts.)
 */

import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { BlobStorageError } from "../../src/errors.js";
import { Spot } from "../../src/spot.js";
import { GCSStorage } from "../../src/storage/gcs.js";
import { S3Storage } from "../../src/storage/s3.js";
import type { BlobStorage } from "../../src/storage/types.js";
import { makeTempDir } from "../helpers.js";
import { startGcsServer } from "../servers/gcs.js";
import type { TestServer } from "../servers/s3.js";
import { S3_TEST_CREDENTIALS, startS3Server } from "../servers/s3.js";
import { checkIntegrity, collectingLogger } from "./harness.js";

const BUCKET = "bs-faults";
const VALUE_BYTES = 64 * 1024;
/** Saves in flight when the server goes away. */
const IN_FLIGHT = 40;

interface Backend {
  name: string;
  start(): Promise<TestServer>;
  storage(server: TestServer): BlobStorage;
}

const backends: Backend[] = [
  {
    name: "S3",
    start: () => startS3Server([BUCKET]),
    storage: (server) =>
      new S3Storage(`s3://${BUCKET}/faults`, {
        endpoint: server.endpoint,
        credentials: S3_TEST_CREDENTIALS,
        maxAttempts: 1,
      }),
  },
  {
    name: "GCS",
    start: () => startGcsServer([BUCKET]),
    storage: (server) =>
      new GCSStorage(`gs://${BUCKET}/faults`, {
        apiEndpoint: server.endpoint,
        projectId: "test",
        retryOptions: { autoRetry: false },
      }),
  },
];

function makeValue(seed: number): Buffer {
  const bytes = Buffer.alloc(VALUE_BYTES);
  for (let offset = 0; offset < bytes.length; offset += 1) bytes[offset] = (offset + seed) % 253;
  return bytes;
}

for (const backend of backends) {
  describe(`${backend.name} stopped mid-flight`, () => {
    it("returns every value, reports the failed saves, keeps the local database sound and recovers once the server is back", async (context) => {
      const server = await backend.start();
      const workspace = path.join(makeTempDir(), ".beautyspot");
      const backgroundErrors: unknown[] = [];
      const logger = collectingLogger();
      const spot = new Spot("cloudy", {
        workspace,
        storage: backend.storage(server),
        saveSync: false,
        saveBlob: true,
        logger,
        onBackgroundError: (error) => backgroundErrors.push(error),
      });
      let runs = 0;
      const produce = spot.mark(async function produce(seed: number) {
        runs += 1;
        return makeValue(seed);
      });
      try {
        // Stored while the server is up: loads of these will be cut off.
        for (let seed = 0; seed < 10; seed += 1) await produce(seed);
        assert.equal(await spot.flush(), true);
        assert.equal(backgroundErrors.length, 0);

        // Saves queued, uploads starting; loads started; then the server goes away under them.
        const returned = await Promise.all(
          Array.from({ length: IN_FLIGHT }, (_, index) => produce(100 + index)),
        );
        await new Promise((resolve) => setImmediate(resolve));
        const loads = Array.from({ length: 10 }, (_, seed) => produce.peek(seed));
        await server.stop();
        const loaded = await Promise.all(loads);
        assert.equal(await spot.flush(), true);

        for (const [index, value] of returned.entries()) {
          assert.deepEqual(value, makeValue(100 + index));
        }
        loaded.forEach((value, seed) => {
          if (value !== undefined) assert.deepEqual(value, makeValue(seed), "never a wrong value");
        });
        assert.ok(backgroundErrors.length >= 1, "some saves were cut off");
        context.diagnostic(
          `${backgroundErrors.length} of ${IN_FLIGHT} saves cut off, ${loaded.filter((value) => value !== undefined).length} of 10 loads completed`,
        );
        for (const error of backgroundErrors) {
          assert.ok(error instanceof BlobStorageError, String(error));
          assert.match(error.message, new RegExp(BUCKET));
        }
        // No row was written for a blob that did not arrive.
        const rows = spot.db.count({}) as number;
        assert.equal(rows, 10 + IN_FLIGHT - backgroundErrors.length);
        assert.equal(checkIntegrity(path.join(workspace, "cloudy.db")), "ok");

        await server.restart();
        const runsBefore = runs;
        for (let index = 0; index < IN_FLIGHT; index += 1) {
          assert.deepEqual(await produce(100 + index), makeValue(100 + index));
        }
        assert.equal(runs - runsBefore, backgroundErrors.length, "only the lost saves run again");
        const errorsBefore = backgroundErrors.length;
        assert.equal(await spot.flush(), true);
        assert.equal(backgroundErrors.length, errorsBefore, "saves work again");
        for (let seed = 0; seed < 10; seed += 1) {
          assert.deepEqual(await produce.peek(seed), makeValue(seed));
        }
        for (let index = 0; index < IN_FLIGHT; index += 1) {
          assert.deepEqual(await produce.peek(100 + index), makeValue(100 + index));
        }
      } finally {
        await server.restart().catch(() => undefined);
        await spot.shutdown();
        await server.dispose();
      }
    });
  });
}
