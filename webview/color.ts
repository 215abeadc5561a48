/**
 * Color helpers. Pure: theme colors arrive as CSS strings (hex or rgb()) and charts need the
 * same color at lower alpha for fills and grids; canvas does not reliably accept color-mix().
 */

export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

export function parseColor(css: string): Rgba | undefined {
  const s = css.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3,8})$/.exec(s);
  if (hex) {
    const h = hex[1] ?? '';
    const expand = (i: number, n: number): number => parseInt(n === 1 ? (h[i] ?? '0') + (h[i] ?? '0') : h.slice(i, i + 2), 16);
    if (h.length === 3 || h.length === 4) {
      return { r: expand(0, 1), g: expand(1, 1), b: expand(2, 1), a: h.length === 4 ? expand(3, 1) / 255 : 1 };
    }
    if (h.length === 6 || h.length === 8) {
      return { r: expand(0, 2), g: expand(2, 2), b: expand(4, 2), a: h.length === 8 ? expand(6, 2) / 255 : 1 };
    }
    return undefined;
  }
  const fn = /^rgba?\(([^)]+)\)$/.exec(s);
  if (fn) {
    const parts = (fn[1] ?? '').split(/[\s,/]+/).filter((p) => p.length > 0);
    if (parts.length < 3) return undefined;
    const num = (p: string | undefined, scale: number): number => {
      if (p === undefined) return 1;
      return p.endsWith('%') ? (parseFloat(p) / 100) * scale : parseFloat(p);
    };
    const rgba = { r: num(parts[0], 255), g: num(parts[1], 255), b: num(parts[2], 255), a: parts[3] === undefined ? 1 : num(parts[3], 1) };
    return [rgba.r, rgba.g, rgba.b, rgba.a].every((v) => Number.isFinite(v)) ? rgba : undefined;
  }
  return undefined;
}

/** The color at `alpha` times its own alpha; unknown formats come back unchanged. */
export function withAlpha(css: string, alpha: number): string {
  const c = parseColor(css);
  if (!c) return css;
  const a = Math.max(0, Math.min(1, c.a * alpha));
  return `rgba(${Math.round(c.r)}, ${Math.round(c.g)}, ${Math.round(c.b)}, ${Number(a.toFixed(3))})`;
}
