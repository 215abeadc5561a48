/**
 * Words and numbers that the extension host, the CLI and the webview all show, formatted once so a
 * count reads the same in a notification, a terminal and a view. Pure: no vscode, DOM or node.
 */

/** Integer with comma grouping, independent of the locale; an em dash for a missing value. */
export function fmtInt(x: number | null | undefined): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
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
