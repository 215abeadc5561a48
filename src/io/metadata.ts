/** Checkpoint metadata helpers: epoch/step arrive as strings (safetensors), numbers or 0-d arrays. */
import { Checkpoint } from './types';

/** A number from a metadata value, or undefined if it is not a plain finite number. */
export function metaNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && /^\s*[-+]?\d+(\.\d+)?([eE][-+]?\d+)?\s*$/.test(v)) {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Copies metadata, turning epoch/step into numbers (and dropping them when they are not numbers). */
export function normalizeMetadata(raw: Record<string, unknown>): Checkpoint['metadata'] {
  const out: Checkpoint['metadata'] = {};
  for (const [k, v] of Object.entries(raw)) {
    if (k === 'epoch' || k === 'step') {
      const n = metaNumber(v);
      if (n !== undefined) out[k] = n;
    } else {
      Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}

/** A parser's own message, shortened: it may quote a long excerpt of the bad input. */
export function brief(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.length > 160 ? `${m.slice(0, 157)}...` : m;
}
