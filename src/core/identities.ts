/**
 * @module core/identities — which function each identity of a Spot belongs to (SPEC 7.1).
 * Two functions under one identity would share stored results, so a second function is refused
 * at mark time; calls never look here. A `version` is part of every key: two versions of a
 * function side by side (`{ version: "v1" }`, `{ version: "v2" }`) never share results and may
 * be different functions.
 */

import { ConfigurationError } from "../errors.js";
import { unwrapFunction } from "../limiter/consume.js";

/** Marks a wrapper made by `mark` / `markSync`, pointing to its identity. */
export const MARKED_IDENTITY: unique symbol = Symbol.for("beautyspot.markedIdentity");

/** How a function is being marked. */
export interface IdentityClaim {
  /**
   * A decorated method: the same code under the same `Class.method` is the same function (a
   * class evaluated again — a module imported again, a hot reload — makes new method objects).
   */
  readonly method?: boolean;
  /** Held only until the returned release is called (`cachedRun` marks for the duration of its body). */
  readonly temporary?: boolean;
}

interface Holder {
  /** The function the user wrote (rate-limit wrappers unwrapped). */
  readonly fn: Function;
  readonly method: boolean;
  /** Held by a mark that lasts as long as the Spot. */
  permanent: boolean;
  /** Temporary claims not released yet. */
  temporary: number;
}

/** The identities of one Spot and the function each belongs to. */
export class IdentityRegistry {
  private readonly holders = new Map<string, Holder>();

  constructor(private readonly spotName: string) {}

  /**
   * Records that `identity` belongs to `fn`. Marking the same function again is allowed (the
   * wrappers share stored results); a different function is a ConfigurationError naming both and
   * the `name` option. Returns the release of a temporary claim (a no-op for a lasting one).
   */
  claim(
    identity: string,
    version: string | null,
    fn: Function,
    how: IdentityClaim = {},
  ): () => void {
    const original = unwrapFunction(fn);
    const method = how.method === true;
    const slot = version === null ? identity : `${identity}\u0000${version}`;
    const held = this.holders.get(slot);
    if (held === undefined) {
      const holder: Holder = {
        fn: original,
        method,
        permanent: how.temporary !== true,
        temporary: how.temporary === true ? 1 : 0,
      };
      this.holders.set(slot, holder);
      return how.temporary === true ? this.releaser(slot, holder) : noop;
    }
    if (!isSameFunction(held, original, method)) {
      throw new ConfigurationError(
        describeCollision(identity, version, this.spotName, held, original),
      );
    }
    if (how.temporary !== true) {
      held.permanent = true;
      return noop;
    }
    held.temporary += 1;
    return this.releaser(slot, held);
  }

  private releaser(slot: string, holder: Holder): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      holder.temporary -= 1;
      if (holder.temporary === 0 && !holder.permanent && this.holders.get(slot) === holder) {
        this.holders.delete(slot);
      }
    };
  }
}

function noop(): void {}

function isSameFunction(held: Holder, fn: Function, method: boolean): boolean {
  if (held.fn === fn) return true;
  if (!method || !held.method) return false;
  const source = Function.prototype.toString.call(fn);
  // Native and bound functions all print as `[native code]`: their text identifies nothing.
  return !source.includes("[native code]") && source === Function.prototype.toString.call(held.fn);
}

/** The first line of a function's code, shortened: enough to tell two functions apart. */
function describeFunction(fn: Function): string {
  const firstLine = (Function.prototype.toString.call(fn).split("\n")[0] ?? "").trim();
  const text = firstLine.length > 70 ? `${firstLine.slice(0, 70)}…` : firstLine;
  return `\`${text}\``;
}

function describeCollision(
  identity: string,
  version: string | null,
  spotName: string,
  held: Holder,
  fn: Function,
): string {
  const first = describeFunction(held.fn);
  const second = describeFunction(fn);
  const same =
    Function.prototype.toString.call(held.fn) === Function.prototype.toString.call(fn)
      ? " They have the same code but are different functions (created again, in a factory, a loop or a re-evaluated module): mark the function once and reuse its wrapper, or give each its own name."
      : "";
  const as = version === null ? `"${identity}"` : `"${identity}" (version "${version}")`;
  return `Cannot mark ${second} as ${as} on Spot "${spotName}": that identity already belongs to another function, ${first}. Two functions under one identity would return each other's stored results.${same} Pass the \`name\` option to tell them apart: spot.mark(fn, { name: "${identity}_2" }) (for a method, @spot.mark({ name: "..." })).`;
}
