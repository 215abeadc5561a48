/**
 * A tiny element builder. Never sets `style` attributes or innerHTML: the CSP forbids inline
 * styles, and every string shown comes from a file the user opened.
 */

type Attr = string | number | boolean | undefined | null;
export type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Record<string, Attr> | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'style') throw new Error('inline styles are blocked by the CSP; use a class');
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
}

/** A card: titled section of the grid. */
export function card(title: string, opts: { id?: string; wide?: boolean; className?: string } = {}, ...children: Child[]): HTMLElement {
  const cls = ['card', opts.wide ? 'card-wide' : '', opts.className ?? ''].filter((c) => c).join(' ');
  return h('section', { class: cls, id: opts.id, 'aria-label': title }, h('h2', { class: 'card-title' }, title), ...children);
}

/** A two-column table of label/value rows; values carry ids and raw numbers for tests. */
export interface StatRow {
  /** the name, or a name with its explanation (help.ts metricName) */
  label: string | Node;
  value: string;
  id?: string;
  raw?: number | null;
  title?: string;
  className?: string;
  /** the warning this value triggers: the value is marked (color, icon, the message as its text for screen readers) */
  flagged?: string;
}

export function statTable(rows: StatRow[], caption?: string): HTMLTableElement {
  return h(
    'table',
    { class: 'stats' },
    caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
    h(
      'tbody',
      null,
      ...rows.map((r) =>
        h(
          'tr',
          { class: [r.className, r.flagged ? 'flagged' : ''].filter((c) => c).join(' ') || undefined },
          h('th', { scope: 'row', title: r.title }, r.label),
          r.flagged
            ? // the id stays on the number alone: tests and the CLI read the same text
              h(
                'td',
                { class: 'num value-flagged', title: r.flagged, 'data-flagged': 'true' },
                h('span', { class: 'flag-mark', 'aria-hidden': 'true' }, '▲ '),
                h('span', { id: r.id, 'data-value': r.raw === undefined || r.raw === null ? undefined : String(r.raw) }, r.value),
                h('span', { class: 'visually-hidden' }, ` (warning: ${r.flagged})`),
              )
            : h('td', { id: r.id, class: 'num', 'data-value': r.raw === undefined || r.raw === null ? undefined : String(r.raw) }, r.value),
        ),
      ),
    ),
  );
}

/** A chart container: a sized box (Chart.js needs a sized parent) holding a labelled canvas. */
export function chartBox(name: string, label: string, size: 'sm' | 'md' | 'lg' = 'md'): { box: HTMLElement; canvas: HTMLCanvasElement } {
  const canvas = h('canvas', { 'data-chart': name, role: 'img', 'aria-label': label });
  const box = h('div', { class: `chart-box chart-${size}` }, canvas);
  return { box, canvas };
}

/**
 * Makes a table row open something: by click, and from the keyboard (Tab to it, Enter or Space),
 * with the pointer cursor and a tooltip saying what opens.
 */
export function activatable<T extends HTMLElement>(el: T, title: string, onActivate: () => void): T {
  el.tabIndex = 0;
  el.classList.add('clickable');
  el.title = title;
  el.addEventListener('click', onActivate);
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onActivate();
    }
  });
  return el;
}

export function button(label: string, opts: { id?: string; className?: string; title?: string }, onClick: () => void): HTMLButtonElement {
  const b = h('button', { type: 'button', id: opts.id, class: opts.className ?? 'btn', title: opts.title }, label);
  b.addEventListener('click', onClick);
  return b;
}
