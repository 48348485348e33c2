/** @module keys/identity — function identities (`func_identifier`) and their short names (`func_name`). */

/**
 * The short name of an identity: the part after the last dot (`Pipeline.summarize` →
 * `summarize`). Every writer stores it as `func_name`, which lets one index serve filters by
 * either form.
 */
export function shortNameOf(identity: string): string {
  const dot = identity.lastIndexOf(".");
  return dot === -1 || dot === identity.length - 1 ? identity : identity.slice(dot + 1);
}
