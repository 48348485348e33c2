/**
 * @module dashboard/web/live — notices new writes without a reload by polling the server's data
 * version (one PRAGMA per poll, however large the database).
 */

import { fetchVersion } from "./api.js";

/** Often enough that a row appears while you watch, rare enough to cost nothing. */
export const POLL_INTERVAL_MS = 1_500;

/**
 * Calls `onChange` whenever the data version moves, and `setStatus` after each poll: online or
 * not, with the server's message when it answered with an error (its database file was deleted).
 * Returns a function that stops watching.
 */
export function watchForChanges(
  onChange: () => void,
  setStatus: (online: boolean, problem?: string) => void,
): () => void {
  let known: string | undefined;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const poll = async () => {
    if (stopped) return;
    if (!document.hidden) {
      try {
        const { version } = await fetchVersion();
        setStatus(true);
        if (known !== undefined && version !== known) onChange();
        known = version;
      } catch (error) {
        // fetch rejects with a TypeError when the server is unreachable; other errors carry its message.
        setStatus(false, error instanceof TypeError ? undefined : (error as Error).message);
      }
    }
    timer = setTimeout(poll, POLL_INTERVAL_MS);
  };
  void poll();
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
