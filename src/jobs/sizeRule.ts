/**
 * Where a job computes when the device is 'auto' (the default), and the backend made for it.
 * One rule for every job: the O(N^2) passes (dispersive loss, retrieval) are the only work a GPU
 * speeds up, so 'auto' looks for a GPU only when they have at least AUTO_GPU_MIN_ROWS rows (an
 * inspect of one file or a shard set, a run by its largest checkpoint, a compare by its larger
 * side, a merge by its sample), and never looks for WebGPU for work that is all float64 (a weights
 * report, a --partial summary), which WebGPU cannot run. An explicit device is always obeyed.
 * The report's engine note says which of these kept a job on the CPU.
 */
import { createBackend } from '../engine';
import type { EngineDevice, GeometryBackend } from '../engine';
import type { PlacementDevice } from '../engine/types';
import { sessionPolicy } from '../engine/ortDevice';
import { fmtInt } from '../protocol/format';
import type { InspectRequest } from './types';

/**
 * Rows in the O(N^2) passes below which 'auto' stays on the CPU without looking for a GPU. Measured
 * on an H200 beside 16 CPU threads, d = 768 (bench/RESULTS.md, "GPU"): the CPU was faster at
 * 8192 and 16384 rows, WebGPU at 32768 (1.1x) and 65536 (1.45x); below this the GPU's fixed costs
 * (the adapter probe, its sessions, each tile's upload) outweigh its arithmetic.
 */
export const AUTO_GPU_MIN_ROWS = 32768;

/** The engine and device fields of a request, as every job's request has them. */
export type EngineAsk = Pick<InspectRequest, 'engine' | 'threads' | 'device'>;

/**
 * Makes the backends of every job. Tests replace `create` to see which device a job asks for
 * (a job asking for 'cpu' never looks for a GPU: see placeSessions in src/engine/ortDevice.ts).
 */
export const backendMaker: { create: typeof createBackend } = { create: createBackend };

/** The backend a request asks for; 'tfjs' still uses ONNX Runtime for everything tfjs does not recompute. */
export async function backendFor(req: Omit<EngineAsk, 'device'> & { device?: PlacementDevice }): Promise<GeometryBackend> {
  const name = req.engine === 'js' || req.engine === 'wasm' ? req.engine : 'onnxruntime';
  return backendMaker.create(name, { ...(req.threads ? { threads: req.threads } : {}), ...(req.device ? { device: req.device } : {}) });
}

/** Runs fn with a backend created for it and always disposed afterwards. */
export async function withBackend<T>(
  req: Omit<EngineAsk, 'device'> & { device?: PlacementDevice },
  fn: (b: GeometryBackend) => Promise<T>,
): Promise<T> {
  const backend = await backendFor(req);
  try {
    return await fn(backend);
  } finally {
    await backend.dispose();
  }
}

/**
 * 'auto' on a small problem: the CPU, and the sentence the report gives for it. Any other device
 * is passed on; the js engine is on the CPU whatever it is asked, so it gets no sentence.
 */
export function deviceForSize(
  device: EngineDevice | undefined,
  rows: number,
  engine?: InspectRequest['engine'],
): { device?: EngineDevice; note?: string } {
  if ((device ?? 'auto') !== 'auto' || rows >= AUTO_GPU_MIN_ROWS || engine === 'js' || engine === 'wasm') return device ? { device } : {};
  return {
    device: 'cpu',
    note: `GPU not looked for: ${rows} rows in the pairwise metrics, below ${AUTO_GPU_MIN_ROWS}, where the CPU is faster (--device webgpu or cuda to use one anyway)`,
  };
}

/**
 * 'auto' for work that is all float64 (`what` names it): CUDA where usable, else the CPU, and the
 * sentence a CPU report gives for leaving WebGPU out. WebGPU has no float64: on it the work would
 * run on its CPU provider anyway, after the adapter probe (a child process) and a set of GPU
 * sessions it would never use.
 */
export function deviceForFloat64(
  device: EngineDevice | undefined,
  what: string,
  engine?: InspectRequest['engine'],
): { device?: PlacementDevice; note?: string } {
  if ((device ?? 'auto') !== 'auto' || engine === 'js') return device ? { device } : {};
  return {
    device: 'cuda-or-cpu',
    note: `WebGPU not looked for: ${what} is float64 work, which WebGPU cannot run (it would stay on the CPU; --device webgpu to try anyway)`,
  };
}

/** The same backend with `note` added to its engine note, so every report made on it says it. */
function noted(backend: GeometryBackend, note: string): GeometryBackend {
  const info = { ...backend.info, note: backend.info.note ? `${backend.info.note}; ${note}` : note };
  // a view of the backend with its own info: the kernels, tiles and dispose are the backend's
  return Object.create(backend, { info: { value: info, enumerable: true } }) as GeometryBackend;
}

/**
 * Multiply-adds of a job's pairwise passes up to which the 'auto' engine computes in-process in
 * WebAssembly (src/engine/wasmBackend.ts) in a process that computes once, such as the CLI.
 * Measured on the dev VM (2 cores, loaded; bench/small-file.ts --kernels): onnxruntime's start
 * (its library, environment and sessions) takes about 0.15 s of CPU before the first number; warm,
 * its 2 threads use 0.55-0.6x the wasm kernels' CPU on a tile (2000 x 2000 x 64: dispersive 15 vs
 * 26 ms, retrieval 13 vs 21 ms; at 4096 rows 31 / 44 vs 84 / 83 ms). The two cost the same CPU at
 * about 2^32 multiply-adds; below 2^31 the in-process kernels finish first in CPU and, with the
 * start-up, in wall time. A long-lived process (the compute process) keeps onnxruntime's
 * sessions warm, so there 'auto' is always onnxruntime.
 */
export const SMALL_JOB_WORK = 2 ** 31;

/**
 * The 'auto' engine for a job of `work` multiply-adds that computes on `device`: 'wasm' with the
 * sentence the report gives for it, or nothing (onnxruntime). Only where the work is known, small,
 * on the CPU, and the process computes once.
 */
export function engineForSize(
  engine: InspectRequest['engine'],
  device: EngineDevice | undefined,
  work: number | undefined,
): { engine?: 'wasm'; note?: string } {
  if ((engine ?? 'auto') !== 'auto' || work === undefined || work > SMALL_JOB_WORK || device !== 'cpu' || sessionPolicy.keepWarm) return {};
  return {
    engine: 'wasm',
    note: `in-process for a small job (${fmtInt(work / 1e6)} M multiply-adds): starting onnxruntime or a GPU would take longer than the arithmetic (--engine onnxruntime or --device to choose)`,
  };
}

/**
 * withBackend on the device deviceForSize picks for `rows` pairwise rows, and on the engine
 * engineForSize picks for `work`: when 'auto' stays on the CPU or in-process for the size, every
 * report made on the backend gives the reason in engine.note.
 */
export async function withSizedBackend<T>(
  req: EngineAsk,
  rows: number,
  fn: (b: GeometryBackend) => Promise<T>,
  /** multiply-adds of the pairwise passes, where the caller knows them (engineForSize) */
  work?: number,
): Promise<T> {
  const sized = deviceForSize(req.device, rows, req.engine);
  const device = sized.device ?? req.device;
  const small = engineForSize(req.engine, device, work);
  const note = small.note ?? sized.note;
  const { device: _asked, ...rest } = req;
  const ask = small.engine ? { ...rest, engine: small.engine, device: 'cpu' as const } : device ? { ...rest, device } : rest;
  return withBackend(ask, async (b) => {
    if (!note) return fn(b);
    const out = await fn(noted(b, note));
    keepNote(out, note);
    return out;
  });
}

/**
 * A report whose engine is not the backend's (--engine tfjs names its own, with onnxruntime's
 * device for the other metrics) gets the sentence too: it still says why those ran on the CPU.
 */
function keepNote(out: unknown, note: string): void {
  const report = out as { engine?: { note?: string } } | null;
  const engine = typeof report === 'object' && report !== null ? report.engine : undefined;
  if (!engine || typeof engine !== 'object' || engine.note?.includes(note)) return;
  (report as { engine: object }).engine = { ...engine, note: engine.note ? `${engine.note}; ${note}` : note };
}

/**
 * withBackend for work that is all float64 (deviceForFloat64): where 'auto' ends on the CPU, every
 * report made on the backend says that WebGPU was left out and why (CUDA's reason is the engine's).
 */
export async function withFloat64Backend<T>(req: EngineAsk, what: string, fn: (b: GeometryBackend) => Promise<T>): Promise<T> {
  const placed = deviceForFloat64(req.device, what, req.engine);
  const { device: _asked, ...rest } = req;
  return withBackend(placed.device ? { ...rest, device: placed.device } : rest, (b) =>
    fn(placed.note && b.info.name === 'onnxruntime' && b.info.device === 'cpu' ? noted(b, placed.note) : b),
  );
}

/**
 * withSizedBackend for a job that meets its inputs one at a time (`dagr watch` sees a run's
 * checkpoints only as they appear): fn gets `backendFor(rows)`, which makes the backend on its
 * first call, sized by those rows (a run's checkpoints share one shape), and returns it after.
 */
export async function withLazySizedBackend<T>(
  req: EngineAsk,
  fn: (backendFor: (rows: number) => Promise<GeometryBackend>) => Promise<T>,
): Promise<T> {
  let made: Promise<GeometryBackend> | undefined;
  const { device: _asked, ...rest } = req;
  const first = (rows: number): Promise<GeometryBackend> => {
    const sized = deviceForSize(req.device, rows, req.engine);
    return backendFor(sized.device ? { ...rest, device: sized.device } : rest).then((b) => (sized.note ? noted(b, sized.note) : b));
  };
  try {
    return await fn((rows) => (made ??= first(rows)));
  } finally {
    // a backend that failed to be made has nothing to release
    const b = await made?.catch(() => undefined);
    await b?.dispose();
  }
}
