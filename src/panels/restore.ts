/**
 * A training or sweep panel restored after a window reload. A reload restarts the extension host
 * and with it the compute process, so no job of this window feeds the panel any more: its Cancel
 * would do nothing. The panel is marked detached (the webview hides Cancel) and its run folder
 * says how the run ended: summary.json for a training run, sweep.json for a sweep; without one
 * the run was interrupted. Pure apart from the injected reader, for unit tests.
 */
import * as path from 'node:path';
import type { ViewModel } from '../protocol/webview';
import type { EpochMetrics, RunSummary, SweepPoint } from '../protocol/train';

/** Reads a small text file; undefined when it is missing or unreadable. */
export type ReadText = (file: string) => Promise<string | undefined>;

type TrainingView = Extract<ViewModel, { kind: 'training' }>;
type SweepView = Extract<ViewModel, { kind: 'sweep' }>;

/** No job is attached to a view restored from its saved state. */
export function detached(view: ViewModel): ViewModel {
  return view.kind === 'training' || view.kind === 'sweep' ? { ...view, detached: true } : view;
}

function parseJson(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function parseSummary(text: string | undefined): RunSummary | undefined {
  const s = parseJson(text);
  if (!s || typeof s.runDir !== 'string' || typeof s.epochsCompleted !== 'number' || typeof s.backend !== 'string') return undefined;
  if (s.status !== 'completed' && s.status !== 'cancelled' && s.status !== 'failed') return undefined;
  // summary.json also carries the full EngineInfo; the view only needs the RunSummary fields
  const out: RunSummary = { runDir: s.runDir, status: s.status, epochsCompleted: s.epochsCompleted, backend: s.backend };
  if (typeof s.message === 'string') out.message = s.message;
  if (typeof s.final === 'object' && s.final !== null) out.final = s.final as EpochMetrics;
  return out;
}

/** metrics.jsonl: one EpochMetrics a line; a torn last line (the process was killed mid-write) is skipped. */
function parseMetrics(text: string | undefined): EpochMetrics[] {
  const out: EpochMetrics[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = parseJson(line);
    if (m && typeof m.epoch === 'number' && typeof m.losses === 'object' && m.losses !== null) out.push(m as unknown as EpochMetrics);
  }
  return out;
}

async function settleTraining(view: TrainingView, read: ReadText): Promise<TrainingView> {
  const summary = parseSummary(await read(path.join(view.runDir, 'summary.json')));
  const epochs = parseMetrics(await read(path.join(view.runDir, 'metrics.jsonl')));
  // epochs that finished after the panel last saved its state are in the folder
  const out: TrainingView = { ...view, detached: true, epochs: epochs.length > view.epochs.length ? epochs : view.epochs };
  if (summary) out.summary = summary;
  return out;
}

async function settleSweep(view: SweepView, read: ReadText): Promise<SweepView> {
  const out: SweepView = { ...view, detached: true };
  const first = view.points[0];
  // every point's run folder sits in the sweep's folder, next to sweep.json
  if (view.done || !first) return out;
  const s = parseJson(await read(path.join(path.dirname(first.runDir), 'sweep.json')));
  if (s?.status === 'completed' || s?.status === 'cancelled') {
    out.done = true;
    if (Array.isArray(s.points) && s.points.length > view.points.length) out.points = s.points as SweepPoint[];
  }
  return out;
}

/** The restored view as its folder tells it; other kinds come back unchanged. */
export async function settleFromFolder(view: ViewModel, read: ReadText): Promise<ViewModel> {
  if (view.kind === 'training') return settleTraining(view, read);
  if (view.kind === 'sweep') return settleSweep(view, read);
  return view;
}
