/**
 * Entry of the Geometry webview (bundled to dist/webview.js). Inside VS Code: handshake with the
 * host (ready -> init/update), persist the view with setState, render a restored view at once.
 * Standalone (the HTML export): read the view from <script id="dagr-data"> and render it.
 */
import type { Controls, PairMetric, ViewModel } from '../src/protocol/webview';
import { ChartHost } from './charts/registry';
import { h } from './dom';
import { isValidHostMessage, isViewModel } from './guards';
import { connectHost } from './host';
import { createOverlays } from './overlay';
import { seriesAssigner } from './series';
import { makeState, migrateState } from './state';
import { observeTheme, readPalette } from './theme';
import type { Palette } from './theme';
import { renderCompare } from './views/compare';
import { deliverNeighbors } from './views/neighbors';
import type { ViewContext, ViewHandle } from './views/context';
import { renderReport } from './views/report';
import { renderRun } from './views/run';
import { renderSweep } from './views/sweep';
import { renderTraining } from './views/training';
import { renderWeights } from './views/weights';
import { renderWeightsCompare } from './views/weightsCompare';
import { requestReveal, revealPending } from './reveal';

const host = connectHost();
document.body.classList.toggle('dagr-standalone', !host.connected);
const app = document.getElementById('app') ?? document.body.appendChild(h('main', { id: 'app' }));
const overlays = createOverlays(host);

let palette: Palette = readPalette();
let charts = new ChartHost(() => palette);
let current: ViewModel | undefined;
let controls: Controls | undefined;
/** the report scatter's pair of modalities (persisted; absent = all projected ones) */
let scatterPick: [string, string] | undefined;
/** the pair the report's pair matrix opens, "a/b" (persisted; absent = the pair with the worst warning) */
let pairPick: string | undefined;
/** the metric the pair matrix shades (persisted; absent = drift mean) */
let pairMetric: PairMetric | undefined;
let handle: ViewHandle = {};
let renders = 0;
let themeGeneration = 0;

function persist(): void {
  if (current) host.setState(makeState(current, controls, { scatter: scatterPick, pair: pairPick, pairMetric }));
}

function render(view: ViewModel, fromSavedState = false): void {
  // a redraw replaces every element: the keyboard focus goes back to the control that had it
  const focusedId = app.contains(document.activeElement) ? document.activeElement?.id : undefined;
  charts.destroy();
  charts = new ChartHost(() => palette);
  app.replaceChildren();
  current = view;
  if (view.kind !== 'report') controls = undefined;
  const ctx: ViewContext = {
    host,
    charts,
    palette: () => palette,
    fromSavedState,
    ...seriesAssigner(),
    saveControls: (c) => {
      controls = c;
      persist();
    },
    scatterPick: () => scatterPick,
    saveScatterPick: (pick) => {
      scatterPick = pick;
      persist();
    },
    pairPick: () => pairPick,
    savePairPick: (pair) => {
      pairPick = pair;
      persist();
    },
    pairMetric: () => pairMetric,
    savePairMetric: (metric) => {
      pairMetric = metric;
      persist();
    },
  };
  try {
    switch (view.kind) {
      case 'report':
        handle = renderReport(app, ctx, view);
        break;
      case 'run':
        handle = renderRun(app, ctx, view);
        break;
      case 'compare':
        handle = renderCompare(app, ctx, view);
        break;
      case 'training':
        handle = renderTraining(app, ctx, view);
        break;
      case 'sweep':
        handle = renderSweep(app, ctx, view);
        break;
      case 'weights':
        handle = renderWeights(app, ctx, view);
        break;
      case 'weightsCompare':
        handle = renderWeightsCompare(app, ctx, view);
        break;
    }
    charts.mount();
  } catch (e) {
    handle = {};
    overlays.showError(`Could not show this view: ${e instanceof Error ? e.message : String(e)}`);
  }
  app.setAttribute('aria-busy', 'false');
  if (focusedId && !app.contains(document.activeElement)) document.getElementById(focusedId)?.focus();
  // a Problems entry asked for a card before this report was drawn
  revealPending(current);
  // test hooks: which view is on screen and how many times it was drawn
  document.body.dataset.view = view.kind;
  document.body.dataset.renders = String(++renders);
}

function onTheme(): void {
  const next = readPalette();
  if (next.key === palette.key) return;
  palette = next;
  try {
    charts.retheme();
  } catch (e) {
    overlays.showError(`Could not redraw the charts: ${e instanceof Error ? e.message : String(e)}`);
  }
  document.body.dataset.themeGeneration = String(++themeGeneration);
}

function onMessage(data: unknown): void {
  if (!isValidHostMessage(data)) return;
  switch (data.type) {
    case 'init':
    case 'update':
      overlays.hideBusy();
      overlays.hideError();
      render(data.view);
      persist();
      break;
    case 'busy':
      overlays.showBusy(data.message, data.focus === true);
      break;
    case 'error':
      overlays.hideBusy();
      overlays.showError(data.message);
      break;
    case 'epoch':
      if (current?.kind === 'training') {
        handle.onEpoch?.(data.metrics);
        persist();
      }
      break;
    case 'sweepPoint':
      if (current?.kind === 'sweep') {
        handle.onSweepPoint?.(data.point);
        persist();
      }
      break;
    case 'neighborsResult':
    case 'moversResult':
    case 'neighborsError':
      deliverNeighbors(data);
      break;
    case 'reveal':
      requestReveal(data.place, current);
      break;
    case 'weightsProgress':
      // a batch of weight metrics: the view patches its rows and charts, the saved state follows
      if (current?.kind === 'weights') {
        current = { ...current, report: data.report, progress: data.progress };
        handle.onWeightsProgress?.(data);
        persist();
      }
      break;
  }
}

function readEmbeddedView(): ViewModel | undefined {
  const el = document.getElementById('dagr-data');
  if (!el?.textContent) return undefined;
  try {
    const v: unknown = JSON.parse(el.textContent);
    return isViewModel(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

observeTheme(onTheme);

if (host.connected) {
  window.addEventListener('message', (e: MessageEvent<unknown>) => onMessage(e.data));
  const restored = migrateState(host.getState());
  if (restored?.view) {
    controls = restored.controls;
    scatterPick = restored.scatter;
    pairPick = restored.pair;
    pairMetric = restored.pairMetric;
    render(restored.view, true);
  }
  host.post(restored ? { type: 'ready', restoredVersion: restored.version } : { type: 'ready' });
} else {
  const view = readEmbeddedView();
  if (view) render(view);
  else overlays.showError('This report file holds no readable view data.');
}
