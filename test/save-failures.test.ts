/**
 * @module test/save-failures — a computed result always reaches the caller, even when it cannot
 * be stored (SPEC 7.1): the failure is reported once per function and kind, or, with
 * `onSaveError: "throw"`, the call rejects with the result on the error.
 */

import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  type BackgroundErrorContext,
  BlobStorageError,
  SerializationError,
  Spot,
  ValidationError,
} from "../src/index.js";
import { makeTempDir, recordingLogger } from "./helpers.js";

function newSpot(options: ConstructorParameters<typeof Spot>[1] = {}) {
  const logger = recordingLogger();
  const spot = new Spot("app", { workspace: makeTempDir(), logger, ...options });
  return { spot, logger };
}

/** A value no serializer can store, standing in for an SDK client or a stream. */
class SdkResponse {
  readonly text = "paid for";
  readonly socket = () => "live connection";
}

/** A blob folder path that is a file: every blob write fails, for real, on the filesystem. */
function unwritableBlobFolder(): string {
  const file = join(makeTempDir(), "not-a-folder");
  writeFileSync(file, "");
  return file;
}

describe("a result that cannot be stored", () => {
  for (const saveSync of [true, false]) {
    it(`is still returned by mark (saveSync: ${saveSync}), reported, not stored, and computed again next time`, async () => {
      const { spot, logger } = newSpot({ saveSync });
      let calls = 0;
      const ask = spot.mark(async function ask(_question: string) {
        calls += 1;
        return new SdkResponse();
      });
      const first = await ask("q");
      assert.ok(first instanceof SdkResponse);
      await spot.flush();
      assert.equal(await spot.maintenance.countTasks({}), 0);
      assert.ok(await ask("q"));
      assert.equal(calls, 2);
      await spot.flush();
      assert.equal(logger.warnings.length, 1, logger.warnings.join("\n"));
      const warning = logger.warnings[0] ?? "";
      assert.match(warning, /The result of ask was returned to the caller but not stored/);
      assert.match(warning, /spot\.register/, "says how to fix it");
      assert.match(warning, /onSaveError: "throw"/);
      assert.deepEqual(logger.errors, []);
      await spot.shutdown();
    });
  }

  it("is still returned by markSync, and by the functions of cachedRun", async () => {
    const { spot, logger } = newSpot();
    const connect = spot.markSync(function connect(_host: string) {
      return new SdkResponse();
    });
    assert.ok(connect("h") instanceof SdkResponse);
    async function open(_host: string) {
      return new SdkResponse();
    }
    const viaRun = await spot.cachedRun(open, {}, (wrapped) => wrapped("h"));
    assert.ok(viaRun instanceof SdkResponse);
    assert.equal(logger.warnings.length, 2, logger.warnings.join("\n"));
    assert.equal(await spot.maintenance.countTasks({}), 0);
    await spot.shutdown();
  });

  it("when the blob write fails on the filesystem, returns the result and says where it failed", async () => {
    const storage = unwritableBlobFolder();
    const { spot, logger } = newSpot({ storage, saveBlob: true });
    const render = spot.mark(async function render(page: number) {
      return Buffer.alloc(64, page);
    });
    assert.equal((await render(7))[0], 7);
    assert.equal(logger.warnings.length, 1);
    assert.match(logger.warnings[0] ?? "", /Could not store the 66-byte result of render/);
    assert.ok(logger.warnings[0]?.includes(storage), logger.warnings[0]);
    assert.equal(spot.db.count({}), 0, "no row without its blob");
    await spot.shutdown();
  });

  it("logs one warning per function and kind of failure, however many calls fail", async () => {
    const { spot, logger } = newSpot();
    const ask = spot.mark(async function ask(_index: number) {
      return new SdkResponse();
    });
    const other = spot.mark(async function other(_index: number) {
      return Symbol("not storable");
    });
    for (let index = 0; index < 1_000; index += 1) await ask(index);
    for (let index = 0; index < 10; index += 1) await other(index);
    assert.equal(logger.warnings.length, 2, logger.warnings.join("\n"));
    assert.match(logger.warnings[0] ?? "", /result of ask/);
    assert.match(logger.warnings[1] ?? "", /result of other/);
    await spot.shutdown();
  });

  it("gives a user's onBackgroundError every failure, with the function and key", async () => {
    const reported: [unknown, BackgroundErrorContext][] = [];
    const { spot, logger } = newSpot({
      onBackgroundError: (error, context) => reported.push([error, context]),
    });
    const ask = spot.mark(async function ask(_index: number) {
      return new SdkResponse();
    });
    for (let index = 0; index < 5; index += 1) await ask(index);
    assert.equal(reported.length, 5);
    const [error, context] = reported[4] ?? [];
    assert.ok(error instanceof SerializationError);
    assert.equal(context?.operation, "save");
    assert.equal(context?.funcName, "ask");
    assert.equal(context?.cacheKey, ask.key(4));
    assert.deepEqual(logger.warnings, []);
    await spot.shutdown();
  });
});

describe('onSaveError: "throw"', () => {
  it("as a Spot option, rejects the call with the error and the result on error.result", async () => {
    const { spot, logger } = newSpot({ onSaveError: "throw" });
    const response = new SdkResponse();
    const ask = spot.mark(async function ask(_question: string) {
      return response;
    });
    await assert.rejects(ask("q"), (error: unknown) => {
      assert.ok(error instanceof SerializationError);
      assert.equal(error.result, response);
      assert.equal(Object.keys(error).includes("result"), false, "not printed with the error");
      return true;
    });
    assert.deepEqual(logger.warnings, []);
    await spot.shutdown();
  });

  it("as a mark option, overrides the Spot, for mark, saveSync false and markSync", async () => {
    const { spot } = newSpot();
    const strict = spot.mark(async () => new SdkResponse(), {
      name: "strict",
      onSaveError: "throw",
    });
    const background = spot.mark(async () => new SdkResponse(), {
      name: "background",
      onSaveError: "throw",
      saveSync: false,
    });
    const synchronous = spot.markSync(() => new SdkResponse(), {
      name: "synchronous",
      onSaveError: "throw",
    });
    await assert.rejects(
      strict(),
      (error: SerializationError) => error.result instanceof SdkResponse,
    );
    await assert.rejects(
      background(),
      (error: SerializationError) => error.result instanceof SdkResponse,
    );
    assert.throws(
      () => synchronous(),
      (error: SerializationError) => error.result instanceof SdkResponse,
    );
    const relaxed = new Spot("relaxed", {
      workspace: makeTempDir(),
      logger: recordingLogger(),
      onSaveError: "throw",
    });
    const lenient = relaxed.mark(async () => new SdkResponse(), {
      name: "lenient",
      onSaveError: "warn",
    });
    assert.ok((await lenient()) instanceof SdkResponse);
    await relaxed.shutdown();
    await spot.shutdown();
  });

  it("rejects with the storage error and the result when the blob write fails", async () => {
    const { spot } = newSpot({ storage: unwritableBlobFolder(), saveBlob: true });
    const render = spot.mark(
      async function render(page: number) {
        return Buffer.alloc(64, page);
      },
      { onSaveError: "throw" },
    );
    await assert.rejects(render(3), (error: unknown) => {
      assert.ok(error instanceof BlobStorageError);
      assert.equal((error.result as Buffer)[0], 3);
      return true;
    });
    await spot.shutdown();
  });

  it("refuses any other value, naming the option, for the Spot and for mark", async () => {
    const workspace = makeTempDir();
    assert.throws(
      () => new Spot("x", { workspace, onSaveError: "ignore" as never }),
      (error: unknown) => error instanceof ValidationError && /onSaveError/.test(error.message),
    );
    const { spot } = newSpot();
    assert.throws(
      () => spot.mark(async function f() {}, { onSaveError: true as never }),
      (error: unknown) =>
        error instanceof ValidationError && /onSaveError.*"warn" or "throw"/.test(error.message),
    );
    await spot.shutdown();
  });
});
