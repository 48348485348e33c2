/**
 * @module storage/flusher — fsyncs on a helper thread, so that a blob's fsync overlaps the fsync
 * of its row's commit (`durability: "full"`): a save then waits for about one flush instead of two.
 * The blob is renamed into place before its flush starts and before the row commits, so on
 * journaling filesystems (ext4, XFS, APFS) the commit's flush also carries the rename.
 *
 * The caller starts a flush, does other work, then waits for it with `Atomics.wait` (a
 * synchronous save cannot await). Should the thread be unavailable or silent, the flush is done
 * on the calling thread instead: never slower than fsyncing in place, never stuck.
 */

import * as fs from "node:fs";
import { Worker } from "node:worker_threads";

/** The helper thread: fsyncs each file it is handed and says so through shared memory. */
const FLUSHER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
parentPort.on("message", ({ fd, state }) => {
  const status = new Int32Array(state);
  let result = 1;
  try {
    fs.fsyncSync(fd);
  } catch {
    result = 2;
  }
  Atomics.store(status, 0, result);
  Atomics.notify(status, 0);
});
`;

/** How long a wait trusts the helper thread before flushing on the calling thread itself (ms). */
const HELPER_PATIENCE_MS = 2_000;

let flusher: Worker | null | undefined;

/** The helper thread, started on first use; `null` when threads cannot be started here. */
function getFlusher(): Worker | null {
  if (flusher !== undefined) return flusher;
  try {
    // No loader flags: the helper runs plain CommonJS and must start fast.
    flusher = new Worker(FLUSHER_SOURCE, { eval: true, execArgv: [] });
    // Never keeps the process alive; a flush still pending at exit is what a crash would lose.
    flusher.unref();
    flusher.on("error", () => {
      flusher = null;
    });
    flusher.on("exit", () => {
      flusher = null;
    });
  } catch {
    flusher = null;
  }
  return flusher;
}

/** A flush started by `startFlush`: `wait()` returns once the file is on disk. */
export interface PendingFlush {
  /** Waits for the flush; throws the fsync's error (with its `code`). Call it exactly once. */
  wait(): void;
}

/**
 * Starts flushing the open file `fd` on the helper thread. The file must stay open until
 * `wait()` returns.
 */
export function startFlush(fd: number): PendingFlush {
  const helper = getFlusher();
  if (helper === null) {
    fs.fsyncSync(fd);
    return { wait() {} };
  }
  const state = new SharedArrayBuffer(4);
  const status = new Int32Array(state);
  helper.postMessage({ fd, state });
  return {
    wait() {
      if (Atomics.wait(status, 0, 0, HELPER_PATIENCE_MS) === "timed-out") {
        // The helper is busy with many flushes or gone: flush here (again, at worst).
        fs.fsyncSync(fd);
        return;
      }
      // Failed there: flushing here fails again, with an error (code, message) to report.
      if (Atomics.load(status, 0) === 2) fs.fsyncSync(fd);
    },
  };
}
