/**
 * Severity icons drawn as inline SVG in the text color, not as emoji or symbol characters: a
 * glyph such as ⛔ is missing from many fonts (Debian's Chromium draws an empty box), and a
 * drawn shape looks the same on every platform and theme. Built with createElementNS: the CSP
 * allows elements, never inline styles or markup strings.
 */
import type { Severity } from '../src/protocol/report';

const NS = 'http://www.w3.org/2000/svg';

type Shape = [tag: 'circle' | 'path', attrs: Record<string, string>];

/** 16×16 outlines in the style of VS Code's codicons: error ⊗, warning △ with "!", info ⓘ. */
const SHAPES: Record<Severity, Shape[]> = {
  error: [
    ['circle', { cx: '8', cy: '8', r: '6.25' }],
    ['path', { d: 'M5.6 5.6l4.8 4.8M10.4 5.6l-4.8 4.8' }],
  ],
  warning: [
    ['path', { d: 'M8 1.9l6.4 11.6H1.6z' }],
    ['path', { d: 'M8 6.3v3.6M8 11.4v.6' }],
  ],
  info: [
    ['circle', { cx: '8', cy: '8', r: '6.25' }],
    ['path', { d: 'M8 7.2v4.2M8 4.8v.6' }],
  ],
};

export function severityIcon(s: Severity): SVGSVGElement {
  const svg = document.createElementNS(NS, 'svg');
  for (const [k, v] of Object.entries({
    viewBox: '0 0 16 16',
    width: '16',
    height: '16',
    class: `sev-icon sev-icon-${s}`,
    'aria-hidden': 'true',
    focusable: 'false',
  }))
    svg.setAttribute(k, v);
  for (const [tag, attrs] of SHAPES[s]) {
    const el = document.createElementNS(NS, tag);
    // presentation attributes, not a style attribute: the CSP blocks inline styles
    for (const [k, v] of Object.entries({
      ...attrs,
      fill: 'none',
      stroke: 'currentColor',
      'stroke-width': '1.5',
      'stroke-linecap': 'round',
      'stroke-linejoin': 'round',
    }))
      el.setAttribute(k, v);
    svg.append(el);
  }
  return svg;
}
