/**
 * @module storage/flusher — fsyncs on a helper thread, so that a blob's fsync overlaps the fsync
 * of its row's commit (`durability: "full"`): a save then waits for about one flush instead of two.
 *
 * The caller starts a flush, does other work, then waits for it with `Atomics.wait` (a
 * synchronous save cannot await). Should the thread be unavailable or silent, the flush is done
 * on the calling thread instead: never slower than fsyncing in place, never stuck.
 */

import * as fs from "node:fs";
import { Worker } from "node:worker_threads";

/** The helper thread: fsyncs the file, then its folder (so the rename into it is flushed too). */
const FLUSHER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
parentPort.on("message", ({ fd, folder, state }) => {
  const status = new Int32Array(state);
  let result = 1;
  try {
    fs.fsyncSync(fd);
    const folderFd = fs.openSync(folder, "r");
    try { fs.fsyncSync(folderFd); } finally { fs.closeSync(folderFd); }
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

/** A flush started by `startFlush`: `wait()` returns once the file and its folder are on disk. */
export interface PendingFlush {
  /** Waits for the flush; throws the fsync's error (with its `code`). Call it exactly once. */
  wait(): void;
}

/** Flushes `fd` and then `folder` on the calling thread. */
function flushHere(fd: number, folder: string): void {
  fs.fsyncSync(fd);
  const folderFd = fs.openSync(folder, "r");
  try {
    fs.fsyncSync(folderFd);
  } finally {
    fs.closeSync(folderFd);
  }
}

/**
 * Starts flushing the open file `fd` (then `folder`) on the helper thread. The file must stay
 * open until `wait()` returns.
 */
export function startFlush(fd: number, folder: string): PendingFlush {
  const helper = getFlusher();
  if (helper === null) {
    flushHere(fd, folder);
    return { wait() {} };
  }
  const state = new SharedArrayBuffer(4);
  const status = new Int32Array(state);
  helper.postMessage({ fd, folder, state });
  return {
    wait() {
      if (Atomics.wait(status, 0, 0, HELPER_PATIENCE_MS) === "timed-out") {
        // The helper is busy with many flushes or gone: flush here (again, at worst).
        flushHere(fd, folder);
        return;
      }
      if (Atomics.load(status, 0) === 2) {
        // Repeat the flush here: it fails again with a proper error (code, message) to report.
        flushHere(fd, folder);
      }
    },
  };
}
