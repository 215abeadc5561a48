/**
 * Plain-text tables for the terminal: by default the first column left-aligned (names), the rest
 * right-aligned (numbers); `left` lists other columns to left-align (file names, warning codes).
 */

export function renderTable(header: string[], rows: string[][], opts: { left?: number[] } = {}): string {
  const left = new Set(opts.left ?? [0]);
  // a loop, not Math.max(...spread): a spread of 100,000 rows overflows the call stack
  const widths = header.map((h) => h.length);
  for (const r of rows) {
    for (let c = 0; c < widths.length; c++) widths[c] = Math.max(widths[c] ?? 0, (r[c] ?? '').length);
  }
  const line = (cells: string[]): string =>
    cells
      .map((cell, c) => (left.has(c) ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function fixed(x: number | null | undefined, digits: number): string {
  if (x === null || x === undefined) return '-';
  return x.toFixed(digits);
}

export function percent(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined) return '-';
  return `${(100 * x).toFixed(digits)}%`;
}

/** Compact general number for mixed-magnitude values (compare deltas, thresholds). */
export function num(x: number | null | undefined): string {
  if (x === null || x === undefined) return '-';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e9) return String(x);
  if (a >= 1e6 || a < 1e-4) return x.toExponential(3);
  // five significant digits, without trailing zeros: 0.5, 3.1811, 6.4
  return String(Number(x.toPrecision(5)));
}
