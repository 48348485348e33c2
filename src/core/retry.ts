/**
 * @module core/retry — Retry from the in-program dashboard: run a marked function again with the
 * arguments stored beside one of its entries, and store the new result under the same key.
 *
 * Nothing is lost: before the new result replaces the entry, the old one is copied to a
 * "before retry" entry (its own derived key, the same function and input id, the version labelled
 * `<version> (before retry)`, its value bytes and expiry unchanged). The page then shows old and
 * new side by side; discarding the old deletes that copy, keeping it leaves it as an ordinary
 * entry (listed, compared, deleted, expired like any other). Calls never hit it: no call computes
 * its key.
 */

import { createHash, randomUUID } from "node:crypto";
import type { TaskWrite } from "../db/types.js";
import { ValidationError } from "../errors.js";
import { readStoredArguments, type StoredArguments } from "../keys/arguments.js";
import type { Backends } from "./backends.js";
import { type CallPlan, computeCacheKey } from "./plan.js";
import { isAsyncGeneratorFunction, isStream } from "./stream.js";
import { prepareEntry, writeEntriesAsync } from "./write.js";

/** What the version of a "before retry" copy ends with. */
export const BEFORE_RETRY_SUFFIX = " (before retry)";

/** Whether Retry is possible for an entry, and why not when it is not. */
export interface RetryCheck {
  available: boolean;
  /** Why Retry is not available (shown on the disabled button). */
  reason?: string;
}

/** What a retry did. */
export interface RetryOutcome {
  /** The entry's key: it now holds the new result. */
  cacheKey: string;
  /** The key of the copy of the old entry, or `null` when there was no old entry any more. */
  previousKey: string | null;
}

interface RetryTarget {
  readonly fn: Function;
  readonly plan: CallPlan;
  readonly method: boolean;
}

function slotOf(identity: string, version: string | null): string {
  return version === null ? identity : `${identity}\u0000${version}`;
}

/** The functions marked in this process, for Retry; filled at mark time, never read by calls. */
export class RetryTargets {
  readonly #targets = new Map<string, RetryTarget>();
  readonly #running = new Set<string>();

  /**
   * @param whenSaved waits for the Spot's background saves: a result still queued for the entry
   * would otherwise land after the retry's and replace it.
   */
  constructor(
    private readonly backends: Backends,
    private readonly whenSaved: () => Promise<void>,
  ) {}

  /**
   * Remembers a marked function (the last mark of an identity and version wins). Returns what
   * forgets it again, for marks that last only a while (`cachedRun`).
   */
  register(fn: Function, plan: CallPlan, method = false): () => void {
    const slot = slotOf(plan.identity, plan.version);
    const target = { fn, plan, method };
    this.#targets.set(slot, target);
    return () => {
      if (this.#targets.get(slot) === target) this.#targets.delete(slot);
    };
  }

  /** Whether Retry can run for `cacheKey`, with the reason when it cannot. */
  async check(cacheKey: string): Promise<RetryCheck> {
    const found = await this.#resolve(cacheKey);
    return "reason" in found ? { available: false, reason: found.reason } : { available: true };
  }

  /**
   * Runs the entry's function again with its stored arguments, keeps the old entry as a "before
   * retry" copy and stores the new result under the entry's key. Throws a ValidationError saying
   * why when Retry is not available.
   */
  async run(cacheKey: string): Promise<RetryOutcome> {
    await this.whenSaved();
    const found = await this.#resolve(cacheKey);
    if ("reason" in found) throw new ValidationError(`Retry is not available: ${found.reason}`);
    if (this.#running.has(cacheKey)) {
      throw new ValidationError(
        "A retry of this entry is already running. Wait for it to finish, then look at its result.",
      );
    }
    this.#running.add(cacheKey);
    try {
      const { target, stored, inputId } = found;
      const args = [...stored.values];
      const result = await target.fn.apply(undefined, args);
      if (isStream(result)) {
        throw new ValidationError(
          `${target.plan.identity} returned a stream, which Retry does not record. Call the function from your program (after deleting the entry) to record it again.`,
        );
      }
      const previousKey = await this.#keepPrevious(cacheKey);
      const entry = prepareEntry(
        target.plan,
        cacheKey,
        inputId,
        result,
        this.backends,
        false,
        args,
      );
      const failures = await writeEntriesAsync([entry], this.backends);
      if (failures.length > 0) throw failures[0]?.error;
      return { cacheKey, previousKey };
    } finally {
      this.#running.delete(cacheKey);
    }
  }

  /** Copies the current entry under a derived key; returns that key (or `null` when it is gone). */
  async #keepPrevious(cacheKey: string): Promise<string | null> {
    const { db, storage } = this.backends;
    const old = await db.get(cacheKey);
    if (old === undefined) return null;
    const inputs = await db.inputsOf?.(cacheKey);
    const previousKey = createHash("sha256")
      .update(`${cacheKey}:before-retry:${randomUUID()}`)
      .digest("hex");
    let bytes: Uint8Array;
    let resultValue: string | null = null;
    let resultData: Uint8Array | null = null;
    if (old.resultType === "FILE") {
      if (old.resultValue === null) return null;
      bytes = await storage.load(old.resultValue);
      // Its own blob: the new result overwrites the entry's blob file.
      resultValue = await storage.save(previousKey, bytes);
    } else {
      if (old.resultData === null) return null;
      bytes = old.resultData;
      resultData = bytes;
    }
    const row: TaskWrite = {
      cacheKey: previousKey,
      funcName: old.funcName,
      funcIdentifier: old.funcIdentifier,
      inputId: old.inputId,
      version: `${old.version ?? "no version"}${BEFORE_RETRY_SUFFIX}`,
      resultType: old.resultType,
      resultValue,
      resultData,
      contentType: old.contentType,
      size: bytes.byteLength,
      digest: createHash("sha256").update(bytes).digest("hex"),
      expiresAt: old.expiresAt,
      updatedAt: old.updatedAt,
      arguments: inputs?.arguments ?? null,
      inputPreview: inputs?.inputPreview ?? null,
    };
    await db.saveMany([row]);
    return previousKey;
  }

  async #resolve(
    cacheKey: string,
  ): Promise<
    { reason: string } | { target: RetryTarget; stored: StoredArguments; inputId: string }
  > {
    const { db } = this.backends;
    if (typeof db.inputsOf !== "function") {
      return { reason: "this database does not keep the arguments of calls." };
    }
    const inputs = await db.inputsOf(cacheKey);
    if (inputs === undefined) return { reason: "the entry no longer exists." };
    const target = this.#targets.get(slotOf(inputs.funcIdentifier, inputs.version));
    if (target === undefined) {
      const versions = [...this.#targets.values()]
        .filter((candidate) => candidate.plan.identity === inputs.funcIdentifier)
        .map((candidate) => candidate.plan.version ?? "no version");
      if (versions.length > 0) {
        return {
          reason: `this entry was stored under version ${inputs.version ?? "(none)"}, and this program marks ${inputs.funcIdentifier} with version ${versions.join(", ")}: a call now stores a different entry.`,
        };
      }
      return {
        reason: `${inputs.funcIdentifier || "this function"} is not marked in this program. Retry runs the function in the program serving the page: serve the dashboard from the program that marks it.`,
      };
    }
    if (target.method) {
      return {
        reason:
          "this is a method: it needs the object it was called on, which is not stored. Retry is for plain functions.",
      };
    }
    if (isAsyncGeneratorFunction(target.fn)) {
      return {
        reason:
          "this function returns a stream, which Retry does not record. Delete the entry and call the function from your program.",
      };
    }
    const stored = readStoredArguments(inputs.arguments);
    if (stored === undefined) {
      return {
        reason:
          "its arguments were not recorded (an older entry, arguments over the size cap or not encodable, or storeArguments: false).",
      };
    }
    if (stored.redacted.length > 0) {
      return {
        reason: `its arguments were redacted (${stored.redacted.join(", ")}): the call cannot be made again from what is stored.`,
      };
    }
    if (!stored.complete) {
      return {
        reason:
          "its arguments were not stored in full (a value too large, a class instance, a function or a symbol was replaced by a description).",
      };
    }
    let key: string;
    try {
      key = computeCacheKey(target.plan, target.plan.computeInputId(stored.values));
    } catch (error) {
      return {
        reason: `the stored arguments no longer give a key: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
    if (key !== cacheKey) {
      return {
        reason:
          "the stored arguments now give a different key (its keygen reads files or ignores parameters), so a retry would not replace this entry.",
      };
    }
    return { target, stored, inputId: inputs.inputId };
  }
}
