/**
 * The kernels as ONNX graphs run by onnxruntime-node, on its CUDA provider where installed and
 * usable, else its WebGPU provider where an adapter exists, else its CPU provider (./ortDevice
 * decides). Sessions are created once per backend and reused for every tile (all dimensions are
 * symbolic). The float32 kernels do the O(N^2 d) work; gram/cross run in float64 because spectra
 * need it and they are O(N d^2): on WebGPU, which has no float64, those two stay on the CPU.
 */
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import {
  crossColumnsGraph,
  crossGraph,
  dispersiveRowsGraph,
  dispersiveSumsGraph,
  gramColumnsGraph,
  gramGraph,
  retrievalCountsGraph,
  UNSHIFTED_MAX_T,
} from './onnx/graphs';
import { placeSessions, providerFor, sessionPolicy, type CudaProbe, type Placed, type Provider, type WebGpuProbe } from './ortDevice';
import { probeWebGpuOnce, realProbeDeps, vulkanDriverPlaces } from './webgpuProbe';
import { disableOrtTelemetry } from './ortTelemetry';
import { keepsFreedMemory } from '../shared/mallocTunables';
import type { BackendOptions, DispersiveRows, GeometryBackend } from './types';
import { smallProduct, wasmCross } from './linalg/crossWasm';
import { sameRows } from './rows';

type OrtModule = typeof Ort;

/** The parts of onnxruntime-node used here, so a test can hand in a fake one. */
export type OrtLike = Pick<OrtModule, 'InferenceSession' | 'Tensor' | 'env'> & {
  listSupportedBackends?: OrtModule['listSupportedBackends'];
};

export interface OrtDeps {
  ort: OrtLike;
  /** whether the CUDA provider library was installed; undefined when that cannot be told */
  cudaInstalled(): boolean | undefined;
  /** whether an NVIDIA GPU is visible; omitted (unknown) in tests that fake the module */
  gpuPresent?(): boolean | undefined;
  /** looks for a WebGPU adapter; omitted in tests that fake the module (then: none, with that reason) */
  webgpu?(): Promise<WebGpuProbe>;
}

function loadOrt(): OrtModule {
  disableOrtTelemetry();
  // plain require keeps the native module out of any bundle and out of the load path of 'js'
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('onnxruntime-node') as OrtModule;
}

/**
 * The CUDA provider is a separate download (ONNXRUNTIME_NODE_INSTALL=cuda12 and its install script) into the folder of
 * the native binding. Looking for it avoids trying a CUDA session on every CPU-only install,
 * which fails, but only after onnxruntime logs a red error line to stderr.
 */
function cudaLibraryPresent(): boolean | undefined {
  try {
    const bin = join(dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
    if (!existsSync(bin)) return undefined; // another package layout: let a session attempt tell
    return existsSync(join(bin, process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so'));
  } catch {
    return undefined;
  }
}

/** The NVIDIA driver's device nodes; only Linux can be told this cheaply. */
function nvidiaGpuPresent(): boolean | undefined {
  if (process.platform !== 'linux') return undefined;
  return existsSync('/dev/nvidiactl') || existsSync('/proc/driver/nvidia/version');
}

/**
 * Whether any of the Vulkan loader's manifest places (see vulkanDriverPlaces) names a driver: a
 * .json file there, or a named .json file that exists. Without one the WebGPU probe answers at
 * once instead of starting its child process (about a second, on every CLI run).
 */
export function vulkanDriverListed(places: readonly string[]): boolean {
  return places.some((p) => {
    try {
      if (p.endsWith('.json')) return existsSync(p);
      return readdirSync(p).some((f) => f.endsWith('.json'));
    } catch {
      return false;
    }
  });
}

function probeCuda(deps: OrtDeps): CudaProbe {
  const listed = (deps.ort.listSupportedBackends?.() ?? []).some((b) => b.name === 'cuda');
  const gpuPresent = deps.gpuPresent?.();
  const probe: CudaProbe = listed ? { listed, installed: deps.cudaInstalled() } : { listed };
  return gpuPresent === undefined ? probe : { ...probe, gpuPresent };
}

/** The kernel graphs by index, [build, is float64]; built on first use (bytes, then kept). */
const GRAPHS: [() => Uint8Array, boolean][] = [
  [() => dispersiveRowsGraph(true), false],
  [() => retrievalCountsGraph(false), false],
  [() => retrievalCountsGraph(true), false],
  [gramGraph, true],
  [crossGraph, true],
  [() => dispersiveRowsGraph(false), false],
  [() => dispersiveSumsGraph(), false],
  [() => dispersiveRowsGraph(true, true), false],
  [() => dispersiveRowsGraph(false, true), false],
  [() => dispersiveSumsGraph(true), false],
  [() => dispersiveSumsGraph(false, true), false],
  [gramColumnsGraph, true],
  [crossColumnsGraph, true],
];
/** the sessions by graph; the *Diagonal ones leave out the i = i pairs of a square tile themselves */
const enum G {
  Dispersive,
  Retrieval,
  Masked,
  Gram,
  Cross,
  Shifted,
  Unshifted,
  DispersiveDiagonal,
  ShiftedDiagonal,
  UnshiftedDiagonal,
  /** unshifted row sums and column sums (the mirror tile's row sums) */
  UnshiftedColumns,
  /** the float64 products from tiles given column by column */
  GramColumns,
  CrossColumns,
}
/** how many kernel sessions a full set holds (a GPU placement makes them all at once) */
export const KERNEL_GRAPH_COUNT = GRAPHS.length;
const graphBytes: (Uint8Array | undefined)[] = [];
const graphOf = (i: number): Uint8Array => (graphBytes[i] ??= (GRAPHS[i] as [() => Uint8Array, boolean])[0]());

/** The sessions of one backend: every graph's, made when first run on the CPU (a small file needs few). */
interface SessionSet {
  get(i: G): Promise<Ort.InferenceSession>;
  release(): Promise<void>;
}

type Placement = Placed<SessionSet>;

/**
 * In a long-lived process (the compute process, which sets sessionPolicy.keepWarm), sessions outlive
 * a backend: the next request reuses them (session creation and onnxruntime's start are most of
 * a small file's time). There all of them are made at once, so the process's threads (one pool
 * per session) do not grow from job to job; kept while in use and for IDLE_RELEASE_MS after,
 * then released (their memory arenas may hold a big job's buffers); the timer does not keep the
 * process alive. Elsewhere (the CLI) each backend makes the sessions it needs and releases them.
 */
const IDLE_RELEASE_MS = 60_000;
const shared = new Map<string, { placement: Promise<Placement>; users: number; timer?: NodeJS.Timeout }>();

export async function createOrtBackend(opts: BackendOptions = {}, deps?: OrtDeps): Promise<GeometryBackend> {
  const threads = Math.max(1, Math.floor(opts.threads ?? availableParallelism()));
  if (deps) return backendOn(await placeFor(opts, threads, deps), deps.ort, threads, (p) => p.sessions.release());
  const realDeps = (): OrtDeps => ({
    ort: loadOrt(),
    cudaInstalled: cudaLibraryPresent,
    gpuPresent: nvidiaGpuPresent,
    webgpu: () =>
      probeWebGpuOnce(dispersiveSumsGraph(), { ...realProbeDeps, vulkanDrivers: () => vulkanDriverListed(vulkanDriverPlaces().places) }),
  });
  if (!sessionPolicy.keepWarm) return backendOn(await placeFor(opts, threads, realDeps()), loadOrt(), threads, (p) => p.sessions.release());
  const key = `${opts.device ?? 'auto'}|${threads}`;
  let entry = shared.get(key);
  if (!entry) {
    entry = { placement: placeFor(opts, threads, realDeps(), true), users: 0 };
    shared.set(key, entry);
  }
  const e = entry;
  clearTimeout(e.timer);
  e.users++;
  let placement: Placement;
  try {
    placement = await e.placement;
  } catch (err) {
    e.users--;
    shared.delete(key);
    throw err;
  }
  return backendOn(placement, loadOrt(), threads, async () => {
    if (--e.users > 0) return;
    e.timer = setTimeout(() => {
      if (e.users > 0) return;
      shared.delete(key);
      void placement.sessions.release();
    }, IDLE_RELEASE_MS);
    e.timer.unref();
  });
}

/** The device choice with its sessions (see ./ortDevice). */
async function placeFor(opts: BackendOptions, threads: number, deps: OrtDeps, allAtOnce = false): Promise<Placement> {
  const { ort } = deps;
  const webgpuProbe = deps.webgpu ?? ((): Promise<WebGpuProbe> => Promise.resolve({ reason: 'not probed' }));
  // no arena per session where malloc keeps freed blocks (../shared/mallocTunables: the compute
  // process, a relaunched CLI): each graph would grow its own arena (the retrieval one to 90 MB
  // at 8192 x 768) and keep it; freed to malloc, one graph's blocks serve the next. Peak RSS
  // 495 -> 415 MB at 8192 x 768. Elsewhere a freed block would go back to the kernel: arenas.
  const arenas = !keepsFreedMemory();
  const sessionOptions = (p: Provider): Ort.InferenceSession.SessionOptions => ({
    executionProviders: [p],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    enableCpuMemArena: arenas,
    // errors only: on a GPU every session warns that shape ops stay on the CPU (by design), which
    // a user would read as a fault in every report
    logSeverityLevel: 3,
    // idle pool threads sleep instead of spinning: a spinning thread burns a core between the
    // many small runs of a tile loop, and on a shared machine it takes that core from others
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  });
  const make = (i: number, provider: Provider): Promise<Ort.InferenceSession> =>
    ort.InferenceSession.create(graphOf(i), sessionOptions(providerFor((GRAPHS[i] as [unknown, boolean])[1], provider)));

  /**
   * On the CPU, sessions made as needed (unless kept warm: then all at once); on a GPU all of
   * them or none (a half-made set would hold GPU memory, and a failure must show now).
   */
  async function open(provider: Provider): Promise<SessionSet> {
    if (provider === 'cpu' && !allAtOnce) {
      const made = new Map<number, Promise<Ort.InferenceSession>>();
      return {
        get(i) {
          let s = made.get(i);
          if (!s) made.set(i, (s = make(i, 'cpu')));
          return s;
        },
        async release() {
          const all = await Promise.allSettled([...made.values()]);
          await Promise.all(all.flatMap((r) => (r.status === 'fulfilled' ? [r.value.release()] : [])));
        },
      };
    }
    const made = await Promise.allSettled(GRAPHS.map((_, i) => make(i, provider)));
    const failed = made.find((m): m is PromiseRejectedResult => m.status === 'rejected');
    const ok = made.flatMap((m) => (m.status === 'fulfilled' ? [m.value] : []));
    if (failed) {
      await Promise.allSettled(ok.map((s) => s.release()));
      throw failed.reason;
    }
    return {
      get: (i) => Promise.resolve(ok[i] as Ort.InferenceSession),
      release: async () => {
        await Promise.all(ok.map((s) => s.release()));
      },
    };
  }

  const listed = (ort.listSupportedBackends?.() ?? []).some((b) => b.name === 'webgpu');
  return placeSessions(opts.device ?? 'auto', { cuda: probeCuda(deps), webgpuListed: listed, webgpu: webgpuProbe }, open);
}

/**
 * Rows per kernel run for a pairwise tile of ra x rb over rows of width d. Narrow rows (d <= 256)
 * make the kernels memory-bound: one run over a whole 2000 x 2000 tile makes several ra x rb
 * intermediates (16 MB each), and first touching them (twice: as the arena grows, then for its
 * planned block) costs 10-20 times the arithmetic, which is most of a small file's time. Blocks of
 * about 256K elements (at least 64 rows) stay in cache and keep the arena small. Wide rows keep
 * one run per tile: their arithmetic outweighs the memory, and smaller blocks cost Gemm speed.
 * On the CPU only: a GPU's tiles stay whole (see gpuTileElements).
 */
const NARROW_WIDTH = 256;
const BLOCK_ELEMENTS = 1 << 18;
const MIN_BLOCK_ROWS = 64;
/**
 * Kernel values per tile on a GPU: 64M float32 (256 MB per intermediate), 4096 x 16384 tiles, so
 * a pass over N rows uploads each row N / 4096 times instead of N / 256. DAGR_GPU_TILE_ELEMENTS
 * overrides it (a power of two from 2^20 to 2^28) for a smaller GPU or for measuring.
 */
export function gpuTileElements(env: Record<string, string | undefined> = process.env): number {
  const asked = Number(env.DAGR_GPU_TILE_ELEMENTS);
  const ok = Number.isInteger(asked) && asked >= 1 << 20 && asked <= 1 << 28 && (asked & (asked - 1)) === 0;
  return ok ? asked : 1 << 26;
}

export function rowsPerRun(ra: number, rb: number, d: number): number {
  if (d > NARROW_WIDTH || ra * rb <= BLOCK_ELEMENTS) return ra;
  return Math.min(ra, Math.max(MIN_BLOCK_ROWS, Math.floor(BLOCK_ELEMENTS / rb)));
}

function backendOn(placed: Placement, ort: OrtLike, threads: number, done: (p: Placement) => Promise<void>): GeometryBackend {
  const session = (i: G): Promise<Ort.InferenceSession> => placed.sessions.get(i);
  // row blocks are for the CPU's caches; on a GPU every run uploads its rows, and big tiles are the point (gpuTileElements)
  const onCpu = placed.device === 'cpu';
  const negT = new Float32Array(1);
  const tIn = new Float32Array(1);
  const noSkip = new Uint8Array(1);

  async function runOne(session: Ort.InferenceSession, feeds: Record<string, Ort.Tensor>, output: string): Promise<Ort.Tensor> {
    const result = await session.run(feeds);
    const t = result[output];
    if (!t) throw new Error(`onnxruntime returned no '${output}'`);
    return t;
  }

  const version = (ort.env as { versions?: { node?: string } }).versions?.node;
  const provider =
    placed.device === 'cpu' ? 'CPU' : placed.device === 'webgpu' ? `WebGPU provider on ${placed.adapter ?? 'an adapter'}, and CPU` : 'CUDA';
  const grams = placed.device === 'webgpu' ? 'float64 Gram matrices on the CPU (WebGPU has no float64)' : 'float64 Gram matrices';
  const what =
    `onnxruntime-node ${version ?? ''} ${provider} provider; float32 pairwise kernels with float64 combination, ${grams}`.replace(
      '  ',
      ' ',
    );
  /** one kernel run over a whole tile (see dispersiveRows) */
  async function dispersiveRun(
    ...[a, na, ra, b, nb, rb, d, t, skip, deviations]: Parameters<GeometryBackend['dispersiveRows']>
  ): Promise<DispersiveRows> {
    tIn[0] = t;
    // a square tile whose left-out pairs are its diagonal (the usual one: a sample's diagonal
    // block) leaves them out inside the graph; any other skip gets Gemm's C term as na in full
    // rows with +inf at that pair, and the same pairs as a bool mask for the expm1 sums
    // (a tile no taller than wide: EyeLike marks (i, i) in each row, which is still skip 0)
    const onDiagonal = skip === 0 && ra <= rb;
    let c = na;
    let mask = noSkip;
    let shape = [1, 1];
    if (skip !== undefined && !onDiagonal) {
      c = new Float32Array(ra * rb);
      if (deviations) {
        mask = new Uint8Array(ra * rb);
        shape = [ra, rb];
      }
      for (let i = 0; i < ra; i++) c.fill(na[i] as number, i * rb, (i + 1) * rb);
      for (let i = Math.max(0, -skip); i < ra && i + skip < rb; i++) {
        c[i * rb + i + skip] = Infinity;
        if (deviations) mask[i * rb + i + skip] = 1;
      }
    }
    const feeds: Record<string, Ort.Tensor> = {
      a: new ort.Tensor('float32', a, [ra, d]),
      b: new ort.Tensor('float32', b, [rb, d]),
      c: new ort.Tensor('float32', c, [ra, skip === undefined || onDiagonal ? 1 : rb]),
      nb: new ort.Tensor('float32', nb, [1, rb]),
    };
    if (!deviations && t <= UNSHIFTED_MAX_T) {
      // no term can underflow: the row minimum is not needed as a shift (min = 0 is returned)
      negT[0] = -t;
      feeds.negt = new ort.Tensor('float32', negT, [1]);
      const out = (await (await session(onDiagonal ? G.UnshiftedDiagonal : G.Unshifted)).run(feeds)).rowsum;
      if (!out) throw new Error("onnxruntime returned no 'rowsum'");
      return { min: new Float64Array(ra), sum: Float64Array.from(out.data as Float32Array), sumExpm1: null };
    }
    feeds.t = new ort.Tensor('float32', tIn, [1]);
    if (deviations && !onDiagonal) feeds.skip = new ort.Tensor('bool', mask, shape);
    const which = deviations ? (onDiagonal ? G.DispersiveDiagonal : G.Dispersive) : onDiagonal ? G.ShiftedDiagonal : G.Shifted;
    const result = await (await session(which)).run(feeds);
    const { rowmin, rowsum, rowexpm1 } = result;
    if (!rowmin || !rowsum || (deviations && !rowexpm1)) throw new Error("onnxruntime returned no 'rowmin', 'rowsum' or 'rowexpm1'");
    return {
      min: Float64Array.from(rowmin.data as Float32Array),
      sum: Float64Array.from(rowsum.data as Float32Array),
      sumExpm1: rowexpm1 ? Float64Array.from(rowexpm1.data as Float32Array) : null,
    };
  }

  /** one kernel run over a whole tile (see retrievalCounts) */
  async function retrievalRun(
    ...[a, ra, b, rb, d, posA, posB, aIdx, bIdx]: Parameters<GeometryBackend['retrievalCounts']>
  ): ReturnType<GeometryBackend['retrievalCounts']> {
    const feeds: Record<string, Ort.Tensor> = {
      a: new ort.Tensor('float32', a, [ra, d]),
      b: new ort.Tensor('float32', b, [rb, d]),
      pa: new ort.Tensor('float32', posA, [ra, 1]),
      pb: new ort.Tensor('float32', posB, [1, rb]),
    };
    if (aIdx && bIdx) {
      feeds.ai = new ort.Tensor('int32', aIdx, [ra, 1]);
      feeds.bi = new ort.Tensor('int32', bIdx, [1, rb]);
    }
    const result = await (await session(aIdx && bIdx ? G.Masked : G.Retrieval)).run(feeds);
    const rows = result.rows;
    const cols = result.cols;
    if (!rows || !cols) throw new Error("onnxruntime returned no 'rows' or 'cols'");
    return { rows: Float64Array.from(rows.data as Float32Array), cols: Float64Array.from(cols.data as Float32Array) };
  }

  /**
   * The unshifted row sums of a sample's diagonal tile against itself from its upper half: per
   * row block, its own square (rows only, diagonal left out) and the rectangle right of it, whose
   * column sums are the row sums of its mirror below the diagonal (dist is symmetric). Half the
   * products and exps of the whole square; the parts add up in float64.
   */
  async function upperHalf(z: Float32Array, sq: Float32Array, s: number, d: number, t: number, step: number): Promise<DispersiveRows> {
    negT[0] = -t;
    const sum = new Float64Array(s);
    for (let i0 = 0; i0 < s; i0 += step) {
      const i1 = Math.min(s, i0 + step);
      const rowsA = new ort.Tensor('float32', z.subarray(i0 * d, i1 * d), [i1 - i0, d]);
      const normsA = new ort.Tensor('float32', sq.subarray(i0, i1), [i1 - i0, 1]);
      const own = (
        await (
          await session(G.UnshiftedDiagonal)
        ).run({
          a: rowsA,
          b: rowsA,
          c: normsA,
          nb: new ort.Tensor('float32', sq.subarray(i0, i1), [1, i1 - i0]),
          negt: new ort.Tensor('float32', negT, [1]),
        })
      ).rowsum;
      if (!own) throw new Error("onnxruntime returned no 'rowsum'");
      const ownSums = own.data as Float32Array;
      for (let i = 0; i < i1 - i0; i++) sum[i0 + i] = (sum[i0 + i] as number) + (ownSums[i] as number);
      if (i1 >= s) continue;
      const right = await (
        await session(G.UnshiftedColumns)
      ).run({
        a: rowsA,
        b: new ort.Tensor('float32', z.subarray(i1 * d, s * d), [s - i1, d]),
        c: normsA,
        nb: new ort.Tensor('float32', sq.subarray(i1, s), [1, s - i1]),
        negt: new ort.Tensor('float32', negT, [1]),
      });
      const { rowsum, colsum } = right;
      if (!rowsum || !colsum) throw new Error("onnxruntime returned no 'rowsum' or 'colsum'");
      const rs = rowsum.data as Float32Array;
      const cs = colsum.data as Float32Array;
      for (let i = 0; i < i1 - i0; i++) sum[i0 + i] = (sum[i0 + i] as number) + (rs[i] as number);
      for (let j = 0; j < s - i1; j++) sum[i1 + j] = (sum[i1 + j] as number) + (cs[j] as number);
    }
    return { min: new Float64Array(s), sum, sumExpm1: null };
  }

  return {
    info: {
      name: 'onnxruntime',
      device: placed.device,
      threads,
      note: placed.gpuNote ? `${placed.gpuNote}. ${what}` : what,
    },
    // CPU: 4M float32 kernel values (16 MB) per tile, big enough for BLAS speed, small at any N.
    // GPU: every run uploads its tile's rows (no resident gallery), so small tiles spend the run
    // in transfers: 256 x 16384 tiles made WebGPU 2.4x slower than 16 CPU threads on an H200
    // (bench/RESULTS.md); see gpuTileElements
    maxTileElements: placed.device === 'cpu' ? 1 << 22 : gpuTileElements(),

    async dispersiveRows(a, na, ra, b, nb, rb, d, t, skip, deviations) {
      const step = onCpu ? rowsPerRun(ra, rb, d) : ra;
      if (step >= ra) return dispersiveRun(a, na, ra, b, nb, rb, d, t, skip, deviations);
      // row blocks are independent rows of the same tile, so their results line up end to end;
      // the pair left out of a block's row i is still (i0 + i, i0 + i + skip): skip + i0 in the block.
      // On the diagonal the block sees b's rows rotated to start at i0 (a view into b twice over),
      // so its left-out pairs are its own diagonal again and the graph leaves them out itself
      // (a row's sums do not depend on the order of its columns)
      const rotate = skip === 0 && ra === rb;
      if (rotate && !deviations && t <= UNSHIFTED_MAX_T && sameRows(a, b) && sameRows(na, nb)) return upperHalf(a, na, ra, d, t, step);
      const bTwice = rotate ? new Float32Array(2 * rb * d) : b;
      const nbTwice = rotate ? new Float32Array(2 * rb) : nb;
      if (rotate) {
        bTwice.set(b);
        bTwice.set(b, rb * d);
        nbTwice.set(nb);
        nbTwice.set(nb, rb);
      }
      const min = new Float64Array(ra);
      const sum = new Float64Array(ra);
      const sumExpm1 = deviations ? new Float64Array(ra) : null;
      for (let i0 = 0; i0 < ra; i0 += step) {
        const i1 = Math.min(ra, i0 + step);
        const from = rotate ? i0 : 0;
        const part = await dispersiveRun(
          a.subarray(i0 * d, i1 * d),
          na.subarray(i0, i1),
          i1 - i0,
          bTwice.subarray(from * d, (from + rb) * d),
          nbTwice.subarray(from, from + rb),
          rb,
          d,
          t,
          skip === undefined ? undefined : rotate ? 0 : skip + i0,
          deviations,
        );
        min.set(part.min, i0);
        sum.set(part.sum, i0);
        if (sumExpm1 && part.sumExpm1) sumExpm1.set(part.sumExpm1, i0);
      }
      return { min, sum, sumExpm1 };
    },

    async retrievalCounts(a, ra, b, rb, d, posA, posB, aIdx, bIdx) {
      const step = onCpu ? rowsPerRun(ra, rb, d) : ra;
      if (step >= ra) return retrievalRun(a, ra, b, rb, d, posA, posB, aIdx, bIdx);
      // a block's rows are its own; a column's count adds up over the blocks (whole numbers)
      const rows = new Float64Array(ra);
      const cols = new Float64Array(rb);
      for (let i0 = 0; i0 < ra; i0 += step) {
        const i1 = Math.min(ra, i0 + step);
        const part = await retrievalRun(
          a.subarray(i0 * d, i1 * d),
          i1 - i0,
          b,
          rb,
          d,
          posA.subarray(i0, i1),
          posB,
          aIdx?.subarray(i0, i1),
          bIdx,
        );
        rows.set(part.rows, i0);
        for (let j = 0; j < rb; j++) cols[j] = (cols[j] as number) + (part.cols[j] as number);
      }
      return { rows, cols };
    },

    async gram(a, rows, d) {
      if (smallProduct(rows, d, d)) return wasmCross(a, undefined, rows, d, d);
      const out = await runOne(await session(G.Gram), { a: new ort.Tensor('float64', a, [rows, d]) }, 'gram');
      return out.data as Float64Array; // a fresh buffer per run: no copy needed
    },

    async gramOfColumns(at, rows, d) {
      const out = await runOne(await session(G.GramColumns), { at: new ort.Tensor('float64', at, [d, rows]) }, 'gram');
      return out.data as Float64Array;
    },

    async crossOfColumns(at, bt, rows, da, db) {
      const feeds = { at: new ort.Tensor('float64', at, [da, rows]), bt: new ort.Tensor('float64', bt, [db, rows]) };
      const out = await runOne(await session(G.CrossColumns), feeds, 'cross');
      return out.data as Float64Array;
    },

    async cross(a, b, rows, da, db) {
      if (smallProduct(rows, da, db)) return wasmCross(a, b, rows, da, db);
      const out = await runOne(
        await session(G.Cross),
        {
          a: new ort.Tensor('float64', a, [rows, da]),
          b: new ort.Tensor('float64', b, [rows, db]),
        },
        'cross',
      );
      return out.data as Float64Array;
    },

    async dispose() {
      await done(placed);
    },
  };
}
