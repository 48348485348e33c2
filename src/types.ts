/** @module types — small shapes shared by several extension points. */

/** A value, or a promise of it: synchronous backends return plain values, async ones promises. */
export type Awaitable<T> = T | Promise<T>;

/** Where beautyspot writes warnings and diagnostics. `console` satisfies it. */
export interface Logger {
  warn(message: string, ...details: unknown[]): void;
  error(message: string, ...details: unknown[]): void;
  debug?(message: string, ...details: unknown[]): void;
}
