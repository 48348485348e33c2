/** @module core/backends — the parts a Spot composes, as the call path sees them. */

import type { TaskDB } from "../db/types.js";
import type { BlobStorage, StoragePolicy } from "../storage/types.js";
import type { Logger } from "../types.js";
import type { BackgroundErrorContext } from "./options.js";

/** The Spot's backends and reporting channels, fixed at construction. */
export interface Backends {
  readonly db: TaskDB;
  readonly storage: BlobStorage;
  readonly storagePolicy: StoragePolicy;
  readonly logger: Logger;
  /** Both db and storage answer synchronously: the fast paths and `markSync` may be used. */
  readonly synchronous: boolean;
  readonly reportBackgroundError: (error: unknown, context: BackgroundErrorContext) => void;
}

/** Whether a value is a promise (or any thenable). */
export function isPromiseLike<T>(value: unknown): value is PromiseLike<T> {
  return (
    value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
