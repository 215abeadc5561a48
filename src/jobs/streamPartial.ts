/**
 * The partial summary file of `dagr inspect INPUT --partial OUT` and its reading by `dagr merge`
 * (DESIGN.md section 2c). JSON with a format name and version; every float64 array (means,
 * co-moments, cross co-moments, normalized sums, the fine drift histogram) and the sampled rows
 * (float32) are stored as little-endian base64, so a round trip is bit-exact; scalar sums are JSON
 * numbers, which JavaScript writes with enough digits to read back the same double.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { ReaderError } from '../io/types';
import { FINE_BINS } from '../engine/stream/drift';
import type { DriftSummary } from '../engine/stream/drift';
import { HISTOGRAM_BINS } from '../engine/pairs';
import type { StreamSummary } from '../engine/stream/summary';
import type { EngineInfo, ReportOptions, WarningThresholds } from '../protocol/report';

export const PARTIAL_FORMAT = 'dagr-partial';
export const PARTIAL_VERSION = 1;

export interface PartialFile {
  format: typeof PARTIAL_FORMAT;
  version: typeof PARTIAL_VERSION;
  /** the dataset the part is of (as given on the command line) */
  source: string;
  part: { index: number; count: number };
  totalRows: number;
  ranges: [number, number][];
  options: ReportOptions;
  thresholds: WarningThresholds;
  engine: EngineInfo;
  metadata: Record<string, unknown>;
  modalities: { name: string; dim: number; n: number; mean: string; comoment: string; normSum: string; normSumSq: number }[];
  pairs: {
    a: number;
    b: number;
    cross: string;
    drift: null | {
      count: number;
      sum: number;
      sumSq: number;
      max: number | null;
      beyond: number;
      hingeSum: number;
      coarse: number[];
      fine: string;
    };
  }[];
  sample: { seed: number; size: number; rows: string; z: string[] };
}

function b64(a: Float64Array | Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function fromB64<T extends Float64Array | Float32Array>(
  file: string,
  what: string,
  s: unknown,
  ctor: { new (n: number): T; BYTES_PER_ELEMENT: number },
  length: number,
): T {
  if (typeof s !== 'string') throw new ReaderError(file, `${what} is missing or not a base64 string`);
  const bytes = Buffer.from(s, 'base64');
  if (bytes.length !== length * ctor.BYTES_PER_ELEMENT) {
    throw new ReaderError(file, `${what} holds ${bytes.length} bytes, expected ${length * ctor.BYTES_PER_ELEMENT}`);
  }
  const out = new ctor(length);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export function partialOf(
  summary: StreamSummary,
  source: string,
  part: { index: number; count: number },
  thresholds: WarningThresholds,
  engine: EngineInfo,
  metadata: Record<string, unknown>,
): PartialFile {
  return {
    format: PARTIAL_FORMAT,
    version: PARTIAL_VERSION,
    source,
    part,
    totalRows: summary.totalRows,
    ranges: summary.ranges,
    options: summary.options,
    thresholds,
    engine,
    metadata,
    modalities: summary.modalities.map((m) => ({
      name: m.name,
      dim: m.dim,
      n: m.moments.n,
      mean: b64(m.moments.mean),
      comoment: b64(m.moments.comoment),
      normSum: b64(m.normSum),
      normSumSq: m.normSumSq,
    })),
    pairs: summary.pairs.map((p) => ({
      a: p.a,
      b: p.b,
      cross: b64(p.cross),
      drift: p.drift && {
        count: p.drift.count,
        sum: p.drift.sum,
        sumSq: p.drift.sumSq,
        max: p.drift.count > 0 ? p.drift.max : null,
        beyond: p.drift.beyond,
        hingeSum: p.drift.hingeSum,
        coarse: Array.from(p.drift.coarse),
        fine: b64(p.drift.fine),
      },
    })),
    sample: { seed: summary.sample.seed, size: summary.sample.size, rows: b64(summary.sample.rows), z: summary.sample.z.map(b64) },
  };
}

export async function writePartial(path: string, p: PartialFile): Promise<void> {
  await writeFile(path, JSON.stringify(p));
}

function num(file: string, what: string, v: unknown, integer = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !(Number.isSafeInteger(v) && v >= 0))) {
    throw new ReaderError(file, `${what} is not ${integer ? 'a count' : 'a finite number'}`);
  }
  return v;
}

/** Reads a partial file back into a summary; every problem is one line naming the file. */
export async function readPartial(file: string): Promise<{ file: string; partial: PartialFile; summary: StreamSummary }> {
  let doc: PartialFile;
  try {
    doc = JSON.parse(await readFile(file, 'utf8')) as PartialFile;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ReaderError(
      file,
      code ? `cannot read (${code})` : `not a partial summary (not JSON: ${e instanceof Error ? e.message : String(e)})`,
    );
  }
  if (typeof doc !== 'object' || doc === null || doc.format !== PARTIAL_FORMAT) {
    throw new ReaderError(
      file,
      `not a partial summary (no "format": "${PARTIAL_FORMAT}"); write one with dagr inspect INPUT --partial OUT`,
    );
  }
  if (doc.version !== PARTIAL_VERSION)
    throw new ReaderError(file, `partial summary version ${String(doc.version)}; this dagr reads version ${PARTIAL_VERSION}`);
  const totalRows = num(file, 'totalRows', doc.totalRows, true);
  if (
    !Array.isArray(doc.ranges) ||
    !Array.isArray(doc.modalities) ||
    !Array.isArray(doc.pairs) ||
    typeof doc.sample !== 'object' ||
    doc.sample === null
  ) {
    throw new ReaderError(file, 'partial summary is missing ranges, modalities, pairs or sample');
  }
  const ranges = doc.ranges.map((r, k): [number, number] => {
    if (!Array.isArray(r) || r.length !== 2) throw new ReaderError(file, `ranges[${k}] is not [start, end]`);
    const s = num(file, `ranges[${k}]`, r[0], true);
    const e = num(file, `ranges[${k}]`, r[1], true);
    if (e < s || e > totalRows) throw new ReaderError(file, `ranges[${k}] = ${s}..${e} is outside 0..${totalRows}`);
    return [s, e];
  });
  const modalities = doc.modalities.map((m, k) => {
    const dim = num(file, `modalities[${k}].dim`, m.dim, true);
    return {
      name: String(m.name),
      dim,
      moments: {
        n: num(file, `modalities[${k}].n`, m.n, true),
        mean: fromB64(file, `modalities[${k}].mean`, m.mean, Float64Array, dim),
        comoment: fromB64(file, `modalities[${k}].comoment`, m.comoment, Float64Array, dim * dim),
      },
      normSum: fromB64(file, `modalities[${k}].normSum`, m.normSum, Float64Array, dim),
      normSumSq: num(file, `modalities[${k}].normSumSq`, m.normSumSq),
    };
  });
  const pairs = doc.pairs.map((p, k) => {
    const a = modalities[num(file, `pairs[${k}].a`, p.a, true)];
    const b = modalities[num(file, `pairs[${k}].b`, p.b, true)];
    if (!a || !b) throw new ReaderError(file, `pairs[${k}] names a modality that is not listed`);
    let drift: DriftSummary | null = null;
    if (p.drift) {
      const dr = p.drift;
      if (!Array.isArray(dr.coarse) || dr.coarse.length !== HISTOGRAM_BINS)
        throw new ReaderError(file, `pairs[${k}].drift.coarse is not ${HISTOGRAM_BINS} counts`);
      drift = {
        count: num(file, `pairs[${k}].drift.count`, dr.count, true),
        sum: num(file, `pairs[${k}].drift.sum`, dr.sum),
        sumSq: num(file, `pairs[${k}].drift.sumSq`, dr.sumSq),
        max: dr.max === null ? -Infinity : num(file, `pairs[${k}].drift.max`, dr.max),
        beyond: num(file, `pairs[${k}].drift.beyond`, dr.beyond, true),
        hingeSum: num(file, `pairs[${k}].drift.hingeSum`, dr.hingeSum),
        coarse: Float64Array.from(dr.coarse.map((c, j) => num(file, `pairs[${k}].drift.coarse[${j}]`, c, true))),
        fine: fromB64(file, `pairs[${k}].drift.fine`, dr.fine, Float64Array, FINE_BINS),
      };
    }
    return { a: p.a, b: p.b, cross: fromB64(file, `pairs[${k}].cross`, p.cross, Float64Array, a.dim * b.dim), drift };
  });
  const rowsB64 = doc.sample.rows;
  const count = typeof rowsB64 === 'string' ? Buffer.from(rowsB64, 'base64').length / 8 : -1;
  if (!Number.isInteger(count) || count < 0) throw new ReaderError(file, 'sample.rows is not a base64 list of row indices');
  const sampleRows = fromB64(file, 'sample.rows', rowsB64, Float64Array, count);
  if (!Array.isArray(doc.sample.z) || doc.sample.z.length !== modalities.length)
    throw new ReaderError(file, 'sample.z does not hold one array per modality');
  const summary: StreamSummary = {
    totalRows,
    ranges,
    options: doc.options,
    modalities,
    pairs,
    sample: {
      seed: num(file, 'sample.seed', doc.sample.seed, true),
      size: num(file, 'sample.size', doc.sample.size, true),
      rows: sampleRows,
      z: modalities.map((m, k) => fromB64(file, `sample.z[${k}]`, doc.sample.z[k], Float32Array, count * m.dim)),
    },
  };
  return { file, partial: doc, summary };
}
