/**
 * Runs one job of the protocol with the src/jobs and src/train functions. Heavy modules
 * (engine, TensorFlow.js) are imported on first use so the process starts fast. Which engine
 * really ran (and why, after a fallback) travels inside every report's `engine`.
 */
import type { EpochMetrics, SweepPoint } from '../protocol/train';
import type { EngineReport, JobRequest, JobTable } from '../protocol/messages';

export interface JobSink {
  signal: AbortSignal;
  progress(fraction: number, message: string): void;
  epoch(m: EpochMetrics): void;
  sweepPoint(p: SweepPoint): void;
}

export async function runJob(req: JobRequest, sink: JobSink): Promise<JobTable[typeof req.kind]['result']> {
  const ctl = { signal: sink.signal, onProgress: (f: number, m: string) => sink.progress(f, m) };
  switch (req.kind) {
    case 'inspect': {
      const jobs = await import('../jobs');
      return jobs.inspectPath(req.params, ctl);
    }
    case 'compare': {
      const jobs = await import('../jobs');
      return jobs.compareCheckpoints(req.params.a, req.params.b, ctl);
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
      return engineInfo(req.params.engine, req.params.device);
    case 'describe': {
      const io = await import('../io');
      const cp = await io.openCheckpoint(req.params.path);
      return { arrays: cp.entries.map((e) => ({ name: e.name, dtype: e.dtype, shape: [...e.shape] })) };
    }
    case 'evaluateWarnings': {
      const engine = await import('../engine');
      // per-class warnings (issue 12) are judged again from the report's classes, after the others
      const { classWarningsOf } = await import('../engine/classes');
      return [
        ...engine.evaluateWarnings(req.params.core, req.params.thresholds),
        ...classWarningsOf(req.params.core, req.params.thresholds),
      ];
    }
    case 'weightsTable': {
      const jobs = await import('../jobs');
      return jobs.tensorTableJob(req.params.path, ctl);
    }
    case 'weightsAnalyze': {
      const jobs = await import('../jobs');
      return jobs.analyzeWeightsJob(req.params, ctl);
    }
    case 'weightsCompare': {
      const jobs = await import('../jobs');
      return jobs.compareWeightsJob(req.params, ctl);
    }
    case 'weightsEmbedding': {
      const jobs = await import('../jobs');
      return jobs.embeddingTableReport(req.params, ctl);
    }
    case 'neighbors': {
      const { neighborsOf } = await import('../jobs/neighbors');
      return neighborsOf(req.params, ctl);
    }
    case 'movers': {
      const { moversBetween } = await import('../jobs/compare');
      const { k, maxRows } = req.params;
      return moversBetween(req.params.a, req.params.b, maxRows !== undefined ? { k, maxRows } : { k }, ctl);
    }
    case 'rowMetrics': {
      const { rowMetricsOf } = await import('../jobs/rowMetrics');
      return rowMetricsOf(req.params, ctl);
    }
  }
}

async function engineInfo(
  wanted: JobTable['engineInfo']['params']['engine'],
  device: JobTable['engineInfo']['params']['device'],
): Promise<EngineReport> {
  // the engine falls back to 'js' by itself when onnxruntime-node cannot load, and says why in info.note;
  // with the dagr.device setting, so the report names the device an inspect would compute on
  const engine = await import('../engine');
  const backend = await engine.createBackend(wanted === 'js' ? 'js' : 'onnxruntime', device ? { device } : {});
  try {
    const report: EngineReport = { geometry: backend.info, node: process.version, platform: `${process.platform}-${process.arch}` };
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
