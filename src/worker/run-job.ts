/**
 * Runs one job of the protocol with the src/jobs and src/train functions. Heavy modules
 * (engine, TensorFlow.js) are imported on first use so the process starts fast.
 */
import type { CompareReport, GeometryReport, RunReport } from '../protocol/report';
import type { EpochMetrics, SweepPoint } from '../protocol/train';
import type { EngineReport, InspectJob, JobRequest, JobTable } from '../protocol/messages';
import { decideEngine } from './engine-choice';

export interface JobSink {
  signal: AbortSignal;
  progress(fraction: number, message: string): void;
  epoch(m: EpochMetrics): void;
  sweepPoint(p: SweepPoint): void;
}

/** Applies the engine fallback to a request and returns the note to attach to the result. */
async function withEngine(job: InspectJob): Promise<{ job: InspectJob; note?: string }> {
  const d = await decideEngine(job.engine);
  return d.note === undefined ? { job: { ...job, engine: d.engine } } : { job: { ...job, engine: d.engine }, note: d.note };
}

function noteReport<T extends GeometryReport | RunReport>(r: T, note: string | undefined): T {
  if (note === undefined) return r;
  const engine = { ...r.engine, note: r.engine.note ? `${r.engine.note}; ${note}` : note };
  if ('kind' in r && r.kind === 'run') {
    return { ...r, engine, checkpoints: r.checkpoints.map((c) => ({ ...c, report: noteReport(c.report, note) })) };
  }
  return { ...r, engine };
}

export async function runJob(req: JobRequest, sink: JobSink): Promise<JobTable[typeof req.kind]['result']> {
  const ctl = { signal: sink.signal, onProgress: (f: number, m: string) => sink.progress(f, m) };
  switch (req.kind) {
    case 'inspect': {
      const jobs = await import('../jobs');
      const { job, note } = await withEngine(req.params);
      return noteReport(await jobs.inspectPath(job, ctl), note);
    }
    case 'compare': {
      const jobs = await import('../jobs');
      const a = await withEngine(req.params.a);
      const b = await withEngine(req.params.b);
      const r: CompareReport = await jobs.compareCheckpoints(a.job, b.job, ctl);
      return { ...r, a: noteReport(r.a, a.note), b: noteReport(r.b, b.note) };
    }
    case 'embed': {
      const jobs = await import('../jobs');
      return jobs.embedWithOnnx(req.params, ctl);
    }
    case 'train': {
      const train = await import('../train');
      return train.train(req.params.config, { ...ctl, onEpoch: (m) => sink.epoch(m) });
    }
    case 'sweep': {
      const train = await import('../train');
      return train.sweep(req.params.config, { ...ctl, onPoint: (p) => sink.sweepPoint(p) });
    }
    case 'engineInfo':
      return engineInfo(req.params.engine);
    case 'describe': {
      const io = await import('../io');
      const cp = await io.openCheckpoint(req.params.path);
      return { arrays: cp.entries.map((e) => ({ name: e.name, dtype: e.dtype, shape: [...e.shape] })) };
    }
    case 'evaluateWarnings': {
      const engine = await import('../engine');
      return engine.evaluateWarnings(req.params.core, req.params.thresholds);
    }
  }
}

async function engineInfo(wanted: JobTable['engineInfo']['params']['engine']): Promise<EngineReport> {
  const d = await decideEngine(wanted === 'tfjs' ? 'onnxruntime' : wanted);
  const engine = await import('../engine');
  const backend = await engine.createBackend(d.engine === 'js' ? 'js' : 'onnxruntime');
  try {
    const report: EngineReport = { geometry: backend.info, node: process.version, platform: `${process.platform}-${process.arch}` };
    if (d.note !== undefined) report.fallbackNote = d.note;
    // the trainer's backend too: loading TensorFlow.js is slow, but this is an explicit request
    try {
      const train = await import('../train');
      const info = await train.selectBackend('auto');
      report.training = { backend: train.describeEngine(info) };
    } catch (e) {
      report.training = { backend: 'unavailable', note: (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '' };
    }
    return report;
  } finally {
    await backend.dispose();
  }
}
