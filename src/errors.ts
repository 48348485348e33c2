/** @module errors — every failure kind beautyspot raises, one class each. */

/** Options every beautyspot error accepts: the underlying failure, kept for debugging. */
export interface BeautySpotErrorOptions {
  cause?: unknown;
}

/**
 * Root of every error beautyspot raises. Messages say what happened and what to do next;
 * the original failure, when there is one, is kept as `cause`.
 */
export class BeautySpotError extends Error {
  /**
   * Set when a computed result could not be stored and `onSaveError: "throw"` made the call
   * reject: the result itself, so the work is not lost.
   */
  declare result?: unknown;

  constructor(message: string, options: BeautySpotErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** A stored value failed its size or digest check, or its row is damaged. Read paths treat it as a miss. */
export class CacheCorruptedError extends BeautySpotError {}

/** A value could not be encoded or decoded. */
export class SerializationError extends BeautySpotError {}

/** beautyspot was set up in a way that cannot work (missing SDK, anonymous function, bad backend). */
export class ConfigurationError extends BeautySpotError {}

/** An option or argument has a value outside what is allowed. */
export class ValidationError extends ConfigurationError {}

/** A backend cannot do what was asked of it (for example synchronous reads from cloud storage). */
export class IncompatibleProviderError extends ConfigurationError {}

/** Describes any thrown value in one line, for messages that wrap a cause. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** A blob could not be written or read (disk full, permissions, unreachable bucket). */
export class BlobStorageError extends BeautySpotError {}

/** The Spot was shut down and cannot be used any more. */
export class SpotClosedError extends BeautySpotError {}

/** The database could not record an entry (disk full, file locked or read-only, I/O error). */
export class DatabaseWriteError extends BeautySpotError {}

/**
 * A call in `"replay"` mode found no stored result, and replay never runs the function. The
 * message names the function and key and says what is stored for that function instead.
 */
export class CacheMissError extends BeautySpotError {
  /** The function identity, when known. */
  readonly funcName: string | undefined;
  /** The cache key that was not found, when known. */
  readonly cacheKey: string | undefined;

  constructor(
    message: string,
    options: BeautySpotErrorOptions & { funcName?: string; cacheKey?: string } = {},
  ) {
    super(message, options);
    this.funcName = options.funcName;
    this.cacheKey = options.cacheKey;
  }
}
