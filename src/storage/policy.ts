/** @module storage/policy — where each value goes: inline in its database row, or a blob file. */

import { ValidationError } from "../errors.js";
import type { Logger } from "../types.js";
import type { StoragePolicy } from "./types.js";

/** 1 MiB: large enough for typical text and JSON results, small enough to keep the database lean. */
export const DEFAULT_BLOB_WARNING_THRESHOLD = 1024 * 1024;

function assertByteCount(value: unknown, name: string, example: string): asserts value is number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new ValidationError(
      `${name} must be a non-negative number of bytes, got ${String(value)}. Pass for example ${example}.`,
    );
  }
}

/** Sizes in a form people read (`1.5 MiB`). */
function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** Options of `ThresholdStoragePolicy`. */
export interface ThresholdStoragePolicyOptions {
  /** Values of at least this many encoded bytes are stored as blobs. */
  threshold: number;
}

/** Stores values of `threshold` bytes or more as blobs, smaller ones inline. */
export class ThresholdStoragePolicy implements StoragePolicy {
  readonly threshold: number;

  constructor(options: ThresholdStoragePolicyOptions) {
    assertByteCount(options?.threshold, "ThresholdStoragePolicy threshold", "64 * 1024");
    this.threshold = options.threshold;
  }

  shouldUseBlob(size: number, _context?: { funcName: string; cacheKey: string }): boolean {
    return size >= this.threshold;
  }
}

/** Options of `WarningOnlyPolicy`. */
export interface WarningOnlyPolicyOptions {
  /**
   * Values larger than this many bytes trigger a warning (once per function).
   * @default 1048576 (1 MiB)
   */
  warningThreshold?: number;
  /**
   * Where the warning goes.
   * @default console
   */
  logger?: Logger;
}

/**
 * The default: every value stays inline in the database, and the first value above
 * `warningThreshold` from each function logs a warning explaining how to move large values to
 * blob files. Nothing changes silently; the user decides.
 */
export class WarningOnlyPolicy implements StoragePolicy {
  readonly warningThreshold: number;
  readonly #logger: Logger;
  readonly #warned = new Set<string>();

  constructor(options: WarningOnlyPolicyOptions = {}) {
    const warningThreshold = options.warningThreshold ?? DEFAULT_BLOB_WARNING_THRESHOLD;
    assertByteCount(warningThreshold, "WarningOnlyPolicy warningThreshold", "1024 * 1024");
    this.warningThreshold = warningThreshold;
    this.#logger = options.logger ?? console;
  }

  shouldUseBlob(size: number, context: { funcName: string; cacheKey: string }): boolean {
    if (size > this.warningThreshold && !this.#warned.has(context.funcName)) {
      this.#warned.add(context.funcName);
      this.#logger.warn(
        `${context.funcName} returned a value of ${formatBytes(size)}, above the ${formatBytes(this.warningThreshold)} warning threshold; it is stored inline in the database, which grows it. Pass \`saveBlob: true\` to mark() for this function, or use \`storagePolicy: new ThresholdStoragePolicy({ threshold })\` to store large values as blob files.`,
      );
    }
    return false;
  }
}

/** Stores every value as a blob. */
export class AlwaysBlobPolicy implements StoragePolicy {
  shouldUseBlob(_size?: number, _context?: { funcName: string; cacheKey: string }): boolean {
    return true;
  }
}
