/** @module cli/progress — a progress bar for long work, on a terminal only. */

/** Advances a progress display; does nothing when there is none. */
export interface Progress {
  increment(by?: number): void;
  stop(): void;
}

const SILENT: Progress = { increment() {}, stop() {} };

/** Below this many steps the work is over before a bar would be worth drawing. */
const MIN_STEPS_FOR_BAR = 20;

/**
 * A bar on stderr for `total` steps labelled `label`, when stderr is a terminal and the work is
 * long enough; otherwise a silent stand-in. cli-progress is loaded only when a bar is drawn.
 */
export async function startProgress(label: string, total: number): Promise<Progress> {
  if (process.stderr.isTTY !== true || total < MIN_STEPS_FOR_BAR) return SILENT;
  const { SingleBar, Presets } = (await import("cli-progress")).default;
  const bar = new SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {value}/{total}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    increment: (by = 1) => bar.increment(by),
    stop: () => bar.stop(),
  };
}
