/** Page header, engine line and severity badges shared by several views. */
import type { EngineInfo, GeometryWarning, Severity, SkippedMember } from '../../src/protocol/report';
import { h } from '../dom';
import { plural } from '../format';
import { severityIcon } from '../icons';
import type { Child } from '../dom';

export function pageHeader(title: string, subtitle: string, meta: Child[], actions: Child[] = []): HTMLElement {
  return h(
    'header',
    { class: 'page-header' },
    h(
      'div',
      { class: 'page-title' },
      h('h1', { id: 'view-title', title: subtitle }, title),
      h('p', { class: 'page-subtitle', title: subtitle }, subtitle),
      h(
        'p',
        { class: 'page-meta' },
        ...meta.flatMap((m, i) => (i === 0 ? [m] : [h('span', { class: 'sep', 'aria-hidden': 'true' }, '·'), m])),
      ),
    ),
    actions.some((a) => a) ? h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Report actions' }, ...actions) : null,
  );
}

export function engineText(e: EngineInfo): string {
  return `${e.name} · ${e.device} · ${plural(e.threads, 'thread')}`;
}

/** The engine is always shown next to the numbers it produced (DESIGN.md section 4). */
export function engineLine(e: EngineInfo): HTMLElement {
  return h(
    'span',
    { class: 'engine' },
    h('span', { class: 'label' }, 'Engine '),
    h('span', { id: 'engine', class: 'engine-name' }, engineText(e)),
    e.note ? h('span', { id: 'engine-note', class: 'engine-note', role: 'note' }, e.note) : null,
  );
}

export function severityBadge(s: Severity): HTMLElement {
  return h('span', { class: `sev sev-${s}` }, severityIcon(s), h('span', { class: 'visually-hidden' }, `${s}: `));
}

export function warningItem(w: GeometryWarning): HTMLElement {
  return h(
    'li',
    { class: `warning warning-${w.severity}`, 'data-code': w.code, 'data-severity': w.severity },
    severityBadge(w.severity),
    h('span', { class: 'warning-message' }, w.message),
    h('span', { class: 'warning-code' }, w.code),
  );
}

/** skipped members listed in a view, at most; the count of the rest follows */
export const MAX_SKIPPED_SHOWN = 20;

/** "name: reason" per member the reader could not decode, the first MAX_SKIPPED_SHOWN, then how many more. */
export function skippedList(skipped: readonly SkippedMember[] | undefined, id = 'skipped'): HTMLElement | null {
  if (!skipped || skipped.length === 0) return null;
  const more = skipped.length - MAX_SKIPPED_SHOWN;
  return h(
    'div',
    { class: 'skipped', id },
    h(
      'p',
      { class: 'caption' },
      `${plural(skipped.length, 'member')} of the file could not be read and ${skipped.length === 1 ? 'is' : 'are'} not analysed:`,
    ),
    h(
      'ul',
      { class: 'skipped-list' },
      ...skipped
        .slice(0, MAX_SKIPPED_SHOWN)
        .map((e) =>
          h(
            'li',
            { 'data-name': e.name },
            h('span', { class: 'skipped-name' }, e.name),
            h('span', { class: 'skipped-reason' }, `: ${e.reason}`),
          ),
        ),
      more > 0 ? h('li', { class: 'skipped-more', 'data-more': more }, `and ${plural(more, 'more')} (all are in the JSON export)`) : null,
    ),
  );
}
