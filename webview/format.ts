/**
 * Number formatting for the Geometry view. Pure (no DOM) so unit tests import it directly.
 * Compact by default: a card shows many numbers, so three significant digits is the norm;
 * effective rank keeps exactly two decimals because the e2e test compares it with the CLI.
 */

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

/** Integer with thin-space-free comma grouping, independent of the browser locale. */
export function fmtInt(x: number | null | undefined): string {
  if (!finite(x)) return DASH;
  const neg = x < 0;
  const digits = String(Math.round(Math.abs(x)));
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return neg ? `-${grouped}` : grouped;
}

/**
 * A count with its noun in the right number: "1 checkpoint", "2 checkpoints", "1,200 rows".
 * `many` for nouns whose plural is not noun + "s".
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${fmtInt(n)} ${n === 1 ? one : many}`;
}

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
