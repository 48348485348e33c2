import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { SQLiteTaskDB } from "../db/sqlite/sqlite-task-db.js";
import { LocalStorage } from "../storage/local.js";
import { writeRecordingFile } from "./format.js";
import { RecordingTaskDB } from "./layer.js";

describe("RecordingTaskDB", () => {
  it("matches `func` to a recorded entry's identity exactly, as the database does", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "spot-layer-"));
    try {
      const file = path.join(dir, "fixtures.spot");
      const bytes = new Uint8Array([1, 2, 3]);
      writeRecordingFile(file, [
        {
          cacheKey: "a".repeat(64),
          funcName: "method",
          funcIdentifier: "Class.method",
          inputId: "input",
          version: null,
          resultType: "DIRECT_BLOB",
          contentType: null,
          updatedAt: 1_700_000_000_000,
          expiresAt: null,
          bytes,
          digest: createHash("sha256").update(bytes).digest("hex"),
        },
      ]);
      const inner = new SQLiteTaskDB(path.join(dir, "tasks.db"));
      const layer = new RecordingTaskDB(inner, [file], {
        storage: new LocalStorage(path.join(dir, "blobs")),
        logger: { warn() {}, error() {} },
        mode: "normal",
      });
      assert.equal(layer.count({ func: "Class.method" }), 1);
      assert.equal(layer.count({ func: "method" }), 0, "a short name is not an identity");
      assert.equal(inner.count({ func: "method" }), 0);
      inner.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
