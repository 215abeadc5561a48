/**
 * Scrolling a report to the card a warning is about, when its Problems entry's link asks for it
 * (src/panels/warnings.ts). The request can come before the report is drawn (a view just opened,
 * still computing), so it waits and is tried again after each render; the card is scrolled to the
 * top, takes the keyboard focus and is outlined for a moment.
 */
import type { GeometryReport } from '../src/protocol/report';
import type { ViewModel, WarningPlace } from '../src/protocol/webview';
import { idPart } from './format';
import { pairId } from './views/pair';
import { openPairInMatrix } from './charts/pairMatrix';

/** how long the card stays outlined, so the eye finds it after the scroll */
const OUTLINE_MS = 2500;

let pending: WarningPlace | undefined;

export function requestReveal(place: WarningPlace, view: ViewModel | undefined): void {
  pending = place;
  revealPending(view);
}

/** After a render: shows the waiting request's card, if this view is a report that has it. */
export function revealPending(view: ViewModel | undefined): void {
  if (!pending || view?.kind !== 'report') return;
  const target = cardOf(pending, view.report);
  pending = undefined;
  target.scrollIntoView({ block: 'start' });
  if (!target.hasAttribute('tabindex')) target.tabIndex = -1;
  target.focus({ preventScroll: true });
  target.classList.add('revealed');
  setTimeout(() => target.classList.remove('revealed'), OUTLINE_MS);
}

/**
 * The modality's or pair's card (a pair behind the pair matrix is opened there first); with
 * many modalities a name without a card has a row in the table below them; a warning about neither (or a card not drawn) goes to the Warnings card.
 */
function cardOf(place: WarningPlace, report: GeometryReport): HTMLElement {
  const byId = (id: string): HTMLElement | null => document.getElementById(id);
  // the row of the modalities or pairs table (other views, e.g. the neighbours lists, carry these attributes too)
  const inTable = (table: string, attr: string, value: string): HTMLElement | null =>
    [...document.querySelectorAll<HTMLElement>(`#${table} [${attr}]`)].find((e) => e.getAttribute(attr) === value) ?? null;
  let found: HTMLElement | null = null;
  if (place.modality !== undefined) {
    found = byId(`modality-${idPart(place.modality)}`) ?? inTable('modalities-table-card', 'data-modality', place.modality);
  } else if (place.pair !== undefined) {
    const pair = report.pairs.find((p) => `${p.a}/${p.b}` === place.pair);
    // with 3+ modalities the pair's card is behind the matrix: the matrix opens it first
    if (pair) openPairInMatrix(place.pair);
    found = (pair ? byId(`pair-${pairId(pair)}`) : null) ?? inTable('pairs-table-card', 'data-pair', place.pair);
  }
  return found ?? byId('warnings') ?? document.body;
}
