/**
 * A one-line progress bar on stderr, only when stderr is a terminal: piped or CI output stays
 * clean, and stdout (the report or the JSON) is never touched.
 */

export interface Progress {
  update(fraction: number, stage: string): void;
  done(): void;
}

const NONE: Progress = { update: () => undefined, done: () => undefined };

/** Where the bar is drawn: process.stderr, or a test's or the trainer CLI's injected writer. */
export interface ProgressSink {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export function createProgress(stream: ProgressSink = process.stderr): Progress {
  if (!stream.isTTY) return NONE;
  let last = 0;
  let shown = false;
  const width = 30;
  return {
    update(fraction, stage) {
      const now = Date.now();
      // Redrawing on every tile would cost more than the tile; 10 frames a second is plenty.
      if (now - last < 100 && fraction < 1) return;
      last = now;
      const f = Math.min(1, Math.max(0, fraction));
      const filled = Math.round(f * width);
      const cols = stream.columns || 80;
      const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${stage}`;
      stream.write(`\r${text.slice(0, cols - 1).padEnd(Math.min(cols - 1, text.length))}\x1b[K`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[K');
      shown = false;
    },
  };
}
