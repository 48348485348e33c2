/**
 * @module keys/unkeyable — what happens when arguments cannot be keyed: the internal signal the
 * canonical walk raises, and the `ValidationError` built from it, naming the path and a
 * keygen that leaves out everything that needs leaving out, in one step.
 */

import { ValidationError } from "../errors.js";
import type { ParameterNamer } from "./canonical.js";

/** Where in the arguments a problem sits: an index, a property key, or a described step. */
export type PathSegment = number | string | { readonly described: string };

/** Raised deep in the walk (never seen by users); each container on the way out adds its step. */
export class UnkeyableValueSignal extends Error {
  /** Steps from the problem outwards (innermost first). */
  readonly segments: PathSegment[] = [];

  constructor(
    readonly problem: string,
    readonly advice: string,
    /** For cycles: how many steps from `args` the repeated container sits. */
    readonly cycleDepth = -1,
    /** For the depth limit: the rest of the path is not worth printing. */
    readonly tooDeep = false,
  ) {
    super(problem);
  }

  /** The outermost class instance on the path, whose fields are not plain data. */
  classHolder: object | undefined;
  /** How many steps below `classHolder` the problem sits. */
  stepsBelowClassHolder = 0;
  /** The plain object that holds the problem directly, if any. */
  plainHolder: object | undefined;
  /** How many steps below `plainHolder`'s field the problem sits. */
  stepsBelowPlainHolder = 0;
}

/** Adds the step a container took to reach the problem, on the way out of the walk. */
export function addSegment(error: unknown, segment: PathSegment): unknown {
  if (error instanceof UnkeyableValueSignal) error.segments.push(segment);
  return error;
}

/**
 * The `ValidationError` a user sees for a signal: the path, the problem, and a keygen
 * suggestion that works on the first try. `isKeyable` tells whether a value alone has a key;
 * it is how sibling fields are checked.
 */
export function toPublicError(
  error: unknown,
  parameterNameOf: ParameterNamer | undefined,
  isKeyable: (value: unknown) => boolean,
): unknown {
  if (!(error instanceof UnkeyableValueSignal)) return error;
  const segments = error.segments.slice().reverse();
  if (error.tooDeep) {
    // Suggest leaving out the whole argument: a path a thousand levels deep helps nobody.
    const suggestion = suggestKeygen(segments.slice(0, 1), parameterNameOf);
    return new ValidationError(
      `${formatPath(segments, 6)} ${error.problem}, which guards against stack overflow. Give the function a keygen that keeps the deep part out of the key, e.g. keygen: ${suggestion}, or a keygen function that returns an id for the call.`,
    );
  }
  const path = formatPath(segments);
  const problem =
    error.cycleDepth >= 0
      ? `${error.problem} ${formatPath(segments.slice(0, error.cycleDepth))} (a cycle), so the arguments have no finite canonical form`
      : error.problem;
  const holder = error.classHolder;
  if (holder !== undefined && countUnkeyableFields(holder, isKeyable) > 1) {
    // Naming the deep path would only reveal the next unkeyable field on the next run:
    // leaving out the whole object is one step. (One bad field: the path below names it.)
    const holderSegments = segments.slice(0, segments.length - error.stepsBelowClassHolder);
    const suggestion = suggestKeygen(holderSegments, parameterNameOf);
    return new ValidationError(
      `${path} ${problem}. ${formatPath(holderSegments)} is an instance of class ${classNameOf(holder) || "(anonymous)"} with several fields that cannot identify a call (a client, a connection or a service object?). Leave the whole object out of the key with keygen: ${suggestion}, or pass a keygen function that returns the input id from what identifies it.`,
    );
  }
  const suggestion = suggestKeygen(
    segments,
    parameterNameOf,
    siblingsToIgnore(error, segments, isKeyable),
  );
  return new ValidationError(
    `${path} ${problem}. Leave it out of the key with keygen: ${suggestion}, or pass a keygen function that returns the input id.`,
  );
}

/** At most this many fields are named in one suggestion; beyond, leave out the whole object. */
const MAX_SUGGESTED_FIELDS = 8;

/**
 * The other fields of the plain object holding the problem that cannot be keyed either
 * (`{ onStart, onEnd }`), so one suggestion names them all instead of one per run.
 */
function siblingsToIgnore(
  error: UnkeyableValueSignal,
  segments: readonly PathSegment[],
  isKeyable: (value: unknown) => boolean,
): PathSegment[][] {
  const holder = error.plainHolder;
  if (holder === undefined || error.cycleDepth >= 0) return [];
  const prototype: unknown = Object.getPrototypeOf(holder);
  if (prototype !== Object.prototype && prototype !== null) return [];
  const holderSegments = segments.slice(0, segments.length - error.stepsBelowPlainHolder - 1);
  const problemKey = segments[holderSegments.length];
  const siblings: PathSegment[][] = [];
  for (const name of Object.keys(holder)) {
    if (name === problemKey) continue;
    if (!isKeyable((holder as Record<string, unknown>)[name])) {
      siblings.push([...holderSegments, name]);
      if (siblings.length >= MAX_SUGGESTED_FIELDS) break;
    }
  }
  return siblings;
}

/** How many own fields of `holder` cannot be keyed, counting up to two. */
function countUnkeyableFields(holder: object, isKeyable: (value: unknown) => boolean): number {
  let count = 0;
  for (const name of Object.keys(holder)) {
    if (!isKeyable((holder as Record<string, unknown>)[name])) {
      count++;
      if (count > 1) break;
    }
  }
  return count;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function formatPath(
  segments: readonly PathSegment[],
  keepAtEnds = Number.POSITIVE_INFINITY,
): string {
  const parts = segments.map((segment) => {
    if (typeof segment === "number") return `[${segment}]`;
    if (typeof segment === "string") {
      return IDENTIFIER.test(segment) ? `.${segment}` : `[${JSON.stringify(segment)}]`;
    }
    return segment.described;
  });
  if (parts.length > keepAtEnds * 2) {
    return `args${parts.slice(0, keepAtEnds).join("")}…${parts.slice(-keepAtEnds).join("")}`;
  }
  return `args${parts.join("")}`;
}

/**
 * The `KeyGen.ignore(...)` call that removes the deepest part of the path a dotted path can
 * name, along with any `alsoIgnore` paths that need leaving out too.
 */
function suggestKeygen(
  segments: readonly PathSegment[],
  parameterNameOf: ParameterNamer | undefined,
  alsoIgnore: readonly (readonly PathSegment[])[] = [],
): string {
  const params = [describeKeygenParam(segments, parameterNameOf)];
  for (const other of alsoIgnore) {
    const param = describeKeygenParam(other, parameterNameOf);
    if (!params.includes(param)) params.push(param);
  }
  return `KeyGen.ignore(${params.join(", ")})`;
}

/** How a keygen names the value at `segments`: `0`, `"client"`, `"opts.onProgress"`. */
function describeKeygenParam(
  segments: readonly PathSegment[],
  parameterNameOf: ParameterNamer | undefined,
): string {
  const position = segments[0];
  if (typeof position !== "number") return "0";
  const steps: string[] = [];
  for (const segment of segments.slice(1)) {
    if (typeof segment === "object" || (typeof segment === "string" && segment.includes("."))) {
      break;
    }
    steps.push(String(segment));
  }
  let name: string | undefined;
  try {
    name = parameterNameOf?.(position);
  } catch {
    name = undefined;
  }
  const head = name ?? String(position);
  if (steps.length === 0) return name === undefined ? String(position) : `"${head}"`;
  return JSON.stringify([head, ...steps].join("."));
}

function classNameOf(value: object): string {
  const prototype: unknown = Object.getPrototypeOf(value);
  const owner: unknown =
    prototype === null ? undefined : (prototype as { constructor?: unknown }).constructor;
  return typeof owner === "function" ? owner.name : "";
}
