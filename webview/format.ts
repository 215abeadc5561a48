/**
 * Number formatting for the Geometry view. Pure (no DOM) so unit tests import it directly.
 * Compact by default: a card shows many numbers, so three significant digits is the norm;
 * effective rank keeps exactly two decimals because the e2e test compares it with the CLI.
 */

import { fmtInt, plural } from '../src/protocol/format';

const DASH = '—';

function finite(x: number | null | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Three significant digits, exponent for very large or very small magnitudes. */
export function fmtNum(x: number | null | undefined, significant = 3): string {
  if (!finite(x)) return DASH;
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-3) return x.toExponential(Math.max(0, significant - 1)).replace('e+', 'e');
  if (a >= 1000) return fmtInt(Math.round(x));
  // toPrecision then Number() drops trailing zeros ("0.500" -> "0.5") without losing digits
  return String(Number(x.toPrecision(significant)));
}

/** Fixed decimals, e.g. effective rank with 2. */
export function fmtFixed(x: number | null | undefined, decimals: number): string {
  if (!finite(x)) return DASH;
  const s = x.toFixed(decimals);
  // "-0.00" reads as a sign error to a user
  return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
}

/** Counts are formatted once for the host, the CLI and the views (src/protocol/format.ts). */
export { fmtInt, plural };

/** A fraction in [0,1] as a percentage. */
export function fmtPct(x: number | null | undefined, decimals = 1): string {
  if (!finite(x)) return DASH;
  return `${fmtFixed(x * 100, decimals)}%`;
}

/** A signed change, "+1.23" / "-0.5". */
export function fmtDelta(x: number | null | undefined, significant = 3): string {
  if (!finite(x)) return DASH;
  if (x === 0) return '0';
  const s = fmtNum(x, significant);
  return x > 0 ? `+${s}` : s;
}

export function fmtSeconds(s: number | null | undefined): string {
  if (!finite(s)) return DASH;
  if (s < 1) return `${fmtFixed(s, 2)} s`;
  if (s < 60) return `${fmtFixed(s, 1)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return `${m} min ${String(rest).padStart(2, '0')} s`;
}

/** Last path component, for titles; the full path stays in a tooltip. */
export function basename(path: string): string {
  const parts = path.split(/[\\/]/).filter((p) => p.length > 0);
  return parts[parts.length - 1] ?? path;
}

/** A string safe to use inside an element id (modality and pair names come from files). */
export function idPart(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/*
 * One format per quantity, used by every view, the CLI tables and the HTML export (issue 14):
 * a share of rows is a percentage with as many decimals as one row needs at that N, followed by
 * the count when the percentage could hide it; ranks are counts out of the gallery with chance.
 */

/** Decimals a percentage of `n` items needs so that one item shows: 1 at N ≤ 1,000, 2 at ≤ 10,000, … */
export function pctDecimals(n: number): number {
  return n > 0 ? Math.max(1, Math.ceil(Math.log10(n)) - 2) : 1;
}

/** A share of `n` items: "0.05% (1 of 2,000)"; the count is left out when `withCount` is false. */
export function fmtShare(x: number | null | undefined, n: number, withCount = true): string {
  if (!finite(x)) return DASH;
  const pct = fmtPct(x, pctDecimals(n));
  if (!withCount || !(n > 0)) return pct;
  return `${pct} (${fmtInt(Math.round(x * n))} of ${fmtInt(n)})`;
}

/** Chance level of R@k with a gallery of n rows: k / n. */
export function chanceRecall(k: number, n: number): number {
  return n > 0 ? Math.min(1, k / n) : 0;
}

/** Chance level of the median rank of the true partner among n rows: (n + 1) / 2. */
export function chanceMedianRank(n: number): number {
  return (n + 1) / 2;
}

/** A rank among n rows: "1,163.5 of 2,000". */
export function fmtRank(x: number | null | undefined, n: number): string {
  if (!finite(x)) return DASH;
  // a median of an even count ends in .5: keep it, with the integer part grouped
  const r = Number.isInteger(x) ? fmtInt(x) : `${fmtInt(Math.trunc(x))}${x.toFixed(1).slice(x.toFixed(1).indexOf('.'))}`;
  return n > 0 ? `${r} of ${fmtInt(n)}` : r;
}

/** A value with exactly `significant` digits, keeping trailing zeros ("60.500", "3.1811"). */
export function fmtSig(x: number | null | undefined, significant: number): string {
  if (!finite(x)) return DASH;
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e6 || a < 1e-4) return x.toExponential(Math.max(0, significant - 1)).replace('e+', 'e');
  const s = x.toPrecision(significant);
  // toPrecision may still choose an exponent for large values with few digits
  return s.includes('e') ? fmtNum(x, significant) : s;
}
