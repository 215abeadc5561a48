/**
 * Shared engine types: the kernel interface both backends implement, the result shape, and the
 * one error class for bad numbers. computeGeometry does all tiling, sampling and float64
 * combination on top of these kernels, so the two backends can only differ inside a tile.
 */
import type { EngineInfo, GeometryReport } from '../protocol/report';
import { abortError as abortErrorOf } from '../protocol/abort';

export type EngineName = 'onnxruntime' | 'js' | 'wasm';

export type GeometryCore = Pick<
  GeometryReport,
  'engine' | 'n' | 'options' | 'thresholds' | 'modalities' | 'pairs' | 'warnings' | 'projection'
>;

export interface GeometryControl {
  onProgress?(fraction: number, stage: string): void;
  signal?: AbortSignal;
  /** rows in the 2-D projection sample (default 2000) */
  projectionRows?: number;
  /**
   * Filled with each same-width pair's retrieval ranks over the pairwise sample (keyed by
   * pairKey), so per-class geometry reuses them instead of a second pass over every pair.
   */
  keptRanks?: KeptRanks;
}

/** retrieval ranks of the pairwise sample's rows (1 = the true match first), per pair */
export type KeptRanks = Map<string, { sample: Int32Array; aToB: Float64Array; bToA: Float64Array }>;

/** the KeptRanks key of the pair (a, b): modality names are the user's, so a separator could collide */
export function pairKey(a: string, b: string): string {
  return JSON.stringify([a, b]);
}

/** Where onnxruntime runs the metric graphs: 'auto' is CUDA when usable, else WebGPU where an adapter exists, else the CPU. */
export type EngineDevice = 'auto' | 'cpu' | 'cuda' | 'webgpu';

/**
 * EngineDevice plus 'cuda-or-cpu', which jobs ask for when all their backend work is float64 (a
 * weights report's Grams, a streamed part's co-moments): 'auto' without WebGPU, which has no
 * float64 and would run that work on the CPU anyway, so its adapter is not looked for.
 */
export type PlacementDevice = EngineDevice | 'cuda-or-cpu';

export interface BackendOptions {
  threads?: number;
  /** onnxruntime only (the js backend is always on the CPU); default 'auto' */
  device?: PlacementDevice;
}

/**
 * Per row i of a tile, over the pairs j it counts: m_i = min_j dist_ij, and the terms shifted by it,
 * x_ij = -t (dist_ij - m_i) <= 0, so exp(-t dist_ij) = exp(-t m_i) exp(x_ij) and no t underflows.
 * A row that counts no pair has min = Infinity (its sums are then meaningless).
 */
export interface DispersiveRows {
  /**
   * the shift m_i of row i: its smallest distance, or 0 where a backend knows no term can
   * underflow without it (x_ij = t (m_i - dist_ij) either way)
   */
  min: Float64Array;
  /** sum_j exp(x_ij): in [1, count] when shifted by the minimum */
  sum: Float64Array;
  /**
   * sum_j expm1(x_ij) = sum - count, computed without that cancellation (a small t needs it);
   * null when the caller did not ask for it (it costs the float32 kernel half its time)
   */
  sumExpm1: Float64Array | null;
}

/**
 * Tile kernels. Inputs are row-major; every call handles one tile, so a caller bounds memory by
 * choosing the tile sizes (see maxTileElements). Reductions happen per row inside the kernel and
 * are combined across tiles in float64 by the caller (DESIGN.md section 2: a single float32
 * reduction over N^2 values drifts).
 */
export interface GeometryBackend {
  readonly info: EngineInfo;
  /** largest ra*rb (or d*d) a caller should ask of one kernel call */
  readonly maxTileElements: number;
  /**
   * The dispersive-loss terms of one tile (see DispersiveRows), per row i of a over the rows j of
   * b, with dist_ij = max(0, na_i + nb_j - 2 a_i.b_j). na/nb are the squared row norms (computed by
   * the caller in float64), length ra / rb. With `skip` = k, the pair (i, j = i + k) is left out
   * of row i (the i = j pair of the sample when a and b are tiles of it); it is masked, never
   * added and subtracted. `deviations` asks for sumExpm1 as well.
   */
  dispersiveRows(
    a: Float32Array,
    na: Float32Array,
    ra: number,
    b: Float32Array,
    nb: Float32Array,
    rb: number,
    d: number,
    t: number,
    skip: number | undefined,
    deviations: boolean,
  ): Promise<DispersiveRows>;
  /**
   * One tile of similarities S = a b^T, counted in both retrieval directions from the one
   * product: rows[i] = #{ j : S_ij > posA_i } (row i of a as the query, the rows of b as the
   * gallery) and cols[j] = #{ i : S_ij > posB_j } (row j of b as the query against the rows of
   * a), skipping every (i, j) with aIdx_i == bIdx_j when the index arrays are given. Strictly
   * greater, so a tie counts in favour of the true match (rank = 1 + count over all tiles). The
   * true match itself is excluded by index rather than by value: its dot product computed in
   * float32 may exceed pos (computed in float64) by rounding, which would shift ranks by 1.
   * Callers pass indices only for the tiles that hold true matches.
   */
  retrievalCounts(
    a: Float32Array,
    ra: number,
    b: Float32Array,
    rb: number,
    d: number,
    posA: Float32Array,
    posB: Float32Array,
    aIdx?: Int32Array,
    bIdx?: Int32Array,
  ): Promise<{ rows: Float64Array; cols: Float64Array }>;
  /** a^T a for a (rows x d), d x d row-major, float64 throughout (spectra need it) */
  gram(a: Float64Array, rows: number, d: number): Promise<Float64Array>;
  /** a^T b for a (rows x da), b (rows x db): da x db row-major, float64 */
  cross(a: Float64Array, b: Float64Array, rows: number, da: number, db: number): Promise<Float64Array>;
  /**
   * gram and cross from tiles given column by column (at is a's transpose, d x rows row-major),
   * for a backend whose product runs faster that way round (onnxruntime's float64 Gemm: 1.3-1.4x).
   * Callers that can write either layout ask for these first (rows.ts columnsAsFloat64).
   */
  gramOfColumns?(at: Float64Array, rows: number, d: number): Promise<Float64Array>;
  crossOfColumns?(at: Float64Array, bt: Float64Array, rows: number, da: number, db: number): Promise<Float64Array>;
  dispose(): Promise<void>;
}

/** Bad numbers in the input: one line naming the array and the problem. */
export class EngineError extends Error {
  constructor(readonly problem: string) {
    super(problem);
    this.name = 'EngineError';
  }
}

/** The engine's cancel error (src/protocol/abort.ts), saying that the geometry computation stopped. */
export function abortError(): Error {
  return abortErrorOf('The geometry computation was cancelled');
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError();
}
