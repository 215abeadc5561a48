/**
 * Reads the chart palette from CSS custom properties at render time. media/webview.css maps every
 * --dagr-* variable to a VS Code theme variable with a light/dark fallback for the standalone
 * export, so this file never names a literal color.
 */
import { withAlpha } from './color';

export interface Palette {
  fg: string;
  muted: string;
  bg: string;
  grid: string;
  focus: string;
  error: string;
  warning: string;
  /** series colors in a fixed order: modality i always gets series[i % n] */
  series: string[];
  good: string;
  bad: string;
  highContrast: boolean;
  fontFamily: string;
  fontSize: number;
  /** a key that changes whenever any color changes (decides whether a redraw is needed) */
  key: string;
}

function cssVar(cs: CSSStyleDeclaration, name: string, fallback: string): string {
  const v = cs.getPropertyValue(name).trim();
  return v.length > 0 ? v : fallback;
}

export function isHighContrast(): boolean {
  const c = document.body.classList;
  return c.contains('vscode-high-contrast') || c.contains('vscode-high-contrast-light');
}

export function readPalette(): Palette {
  const cs = getComputedStyle(document.body);
  // the last-resort fallbacks only matter if the stylesheet failed to load
  const fg = cssVar(cs, '--dagr-fg', 'CanvasText');
  const hc = isHighContrast();
  const series = ['--dagr-blue', '--dagr-orange', '--dagr-green', '--dagr-purple', '--dagr-red', '--dagr-yellow'].map((n) =>
    cssVar(cs, n, fg),
  );
  const p: Omit<Palette, 'key'> = {
    fg,
    muted: cssVar(cs, '--dagr-muted', fg),
    bg: cssVar(cs, '--dagr-bg', 'Canvas'),
    // high contrast: grid in the contrast border color, but softer than the data it frames
    grid: hc ? withAlpha(cssVar(cs, '--dagr-contrast-border', fg), 0.5) : withAlpha(cssVar(cs, '--dagr-grid', fg), 0.18),
    focus: cssVar(cs, '--dagr-focus', fg),
    error: cssVar(cs, '--dagr-error', fg),
    warning: cssVar(cs, '--dagr-warning', fg),
    series,
    good: cssVar(cs, '--dagr-green', fg),
    bad: cssVar(cs, '--dagr-red', fg),
    highContrast: hc,
    fontFamily: cssVar(cs, '--dagr-font-family', 'sans-serif'),
    fontSize: parseFloat(cssVar(cs, '--dagr-font-size', '13')) || 13,
  };
  return { ...p, key: JSON.stringify([document.body.className, p]) };
}

/**
 * Calls `onChange` when the theme changes: VS Code swaps the body class (vscode-dark,
 * vscode-light, vscode-high-contrast) and rewrites the variables on <html style>; the standalone
 * page changes with prefers-color-scheme. Batched to one call per frame.
 */
export function observeTheme(onChange: () => void): () => void {
  let pending = false;
  const fire = (): void => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      onChange();
    });
  };
  const mo = new MutationObserver(fire);
  mo.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  mo.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  const mq = window.matchMedia('(prefers-color-scheme: dark)');
  mq.addEventListener('change', fire);
  return () => {
    mo.disconnect();
    mq.removeEventListener('change', fire);
  };
}
