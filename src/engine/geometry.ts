/**
 * computeGeometry: the whole GeometryCore of one checkpoint from its modality matrices. All
 * tiling, sampling and float64 combination lives here and in the metric files, so the two
 * backends differ only inside a kernel call.
 */
import type { Matrix } from '../io/types';
import type { ModalityReport, PairReport, PairSelection, ReportOptions, WarningThresholds } from '../protocol/report';
import { DEFAULT_MAX_PAIRS } from '../protocol/report';
import { dispersiveLoss, type SampleSums } from './dispersive';
import { anchoringLoss, driftPerRow, driftStats, linearCka, meanCosine, modalityGap, normalizedRowSum } from './pairs';
import { projection } from './linalg/projection';
import {
  DEFAULT_PROJECTION_ROWS,
  finishCore,
  modalityReport,
  noteProjected,
  Progress,
  progressTotal,
  projectedModalities,
  quoteNames,
  sameSpacePair,
  widthsDifferPair,
} from './reportParts';
import { retrievalRanks } from './retrieval';
import { normalizedEveryRow, normalizedSample } from './rows';
import { smallRows } from './linalg/rowsWasm';
import { PAIRWISE_SEED, sampleRows } from './sample';
import { spectrumOf, type SpectrumResult } from './spectrum';
import type { GeometryBackend, GeometryControl, GeometryCore } from './types';
import { EngineError, pairKey, throwIfAborted } from './types';
import { validateModalities } from './validate';
import { dispersiveStdErr } from './stream/stdErr';

/**
 * Which modality pairs get pair metrics. Every pair while there are at most options.maxPairs
 * (default 28, all pairs of 8 modalities); beyond that every modality paired with the first
 * ('withFirst', M - 1 pairs, so the cost stays linear in M); or exactly options.pairsOf, where
 * [a, b] names one pair and [a] alone the pairs of a with every other modality.
 */
export function selectPairs(
  names: readonly string[],
  options: Pick<ReportOptions, 'maxPairs' | 'pairsOf'>,
): { pairs: [number, number][]; selection: PairSelection } {
  const m = names.length;
  const possible = (m * (m - 1)) / 2;
  const maxPairs = options.maxPairs ?? DEFAULT_MAX_PAIRS;
  const index = new Map<string, number>();
  names.forEach((n, i) => index.set(n, i));
  const find = (name: string): number => {
    const i = index.get(name);
    if (i === undefined) throw new EngineError(`pairsOf names '${name}', which is not a modality; modalities: ${quoteNames(names)}`);
    return i;
  };
  const hubPairs = (hub: number): [number, number][] => names.flatMap((_, j) => (j === hub ? [] : [[hub, j] as [number, number]]));
  const named = options.pairsOf ?? [];
  if (named.length > 0) {
    const out: [number, number][] = [];
    const seen = new Set<string>();
    const add = (a: number, b: number): void => {
      const key = a < b ? `${a},${b}` : `${b},${a}`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push([a, b]);
      }
    };
    for (const item of named) {
      if (item.length === 1) {
        for (const [a, b] of hubPairs(find(item[0] as string))) add(a, b);
      } else if (item.length === 2) {
        const a = find(item[0] as string);
        const b = find(item[1] as string);
        if (a === b) throw new EngineError(`pairsOf pairs '${item[0] as string}' with itself`);
        add(a, b);
      } else {
        throw new EngineError(`pairsOf items are one modality or a pair of two, got ${item.length} names`);
      }
    }
    const only = named.length === 1 && named[0]?.length === 1 ? named[0][0] : undefined;
    const selection: PairSelection =
      only !== undefined
        ? {
            mode: 'withFirst',
            computed: out.length,
            possible,
            maxPairs,
            hub: only,
            note: `pairs of '${only}' with each other modality, as named (pairsOf): ${out.length} of ${possible} pairs`,
          }
        : {
            mode: 'named',
            computed: out.length,
            possible,
            maxPairs,
            note: `the ${out.length} pair${out.length === 1 ? '' : 's'} named (pairsOf), of ${possible}`,
          };
    return { pairs: out, selection };
  }
  if (possible <= maxPairs) {
    const out: [number, number][] = [];
    for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) out.push([i, j]);
    return { pairs: out, selection: { mode: 'all', computed: possible, possible, maxPairs, note: '' } };
  }
  const hub = names[0] as string;
  const out = hubPairs(0);
  return {
    pairs: out,
    selection: {
      mode: 'withFirst',
      computed: out.length,
      possible,
      maxPairs,
      hub,
      note:
        `${m} modalities make ${possible} pairs, more than maxPairs = ${maxPairs}: computed the ${out.length} pairs of the first modality, '${hub}', with each other one. ` +
        'Name the pairs wanted with pairsOf (dagr --pairs-of a,b;c,d, or --pairs-of a for the pairs of a), or raise maxPairs (--max-pairs, setting dagr.maxPairs).',
    },
  };
}

export function validateOptions(o: ReportOptions): void {
  if (!(Number.isFinite(o.t) && o.t > 0)) throw new EngineError(`option t must be a positive number, got ${o.t}`);
  if (!Number.isFinite(o.tau)) throw new EngineError(`option tau must be a finite number, got ${o.tau}`);
  if (o.pairs !== 'offdiag' && o.pairs !== 'all')
    throw new EngineError(`option pairs must be 'offdiag' or 'all', got '${String(o.pairs)}'`);
  if (o.hinge !== 'linear' && o.hinge !== 'squared')
    throw new EngineError(`option hinge must be 'linear' or 'squared', got '${String(o.hinge)}'`);
  if (!(Number.isInteger(o.maxPairwiseRows) && (o.maxPairwiseRows === 0 || o.maxPairwiseRows >= 2))) {
    throw new EngineError(`option maxPairwiseRows must be 0 (all rows) or an integer >= 2, got ${o.maxPairwiseRows}`);
  }
  if (o.maxPairs !== undefined && !(Number.isInteger(o.maxPairs) && o.maxPairs >= 0)) {
    throw new EngineError(`option maxPairs must be an integer >= 0, got ${o.maxPairs}`);
  }
  if (
    o.pairsOf !== undefined &&
    !(Array.isArray(o.pairsOf) && o.pairsOf.every((p) => Array.isArray(p) && p.every((x) => typeof x === 'string')))
  ) {
    throw new EngineError('option pairsOf must be a list of modality names or name pairs');
  }
}

/**
 * A modality's normalized rows: their sum over all rows (mean cosine, gap), the pairwise sample
 * and its squared norms, and, for a big modality sampled whole, each row's inverse norm (drift),
 * its column means (spectrum) and the sample's sums (dispersive loss) from the same pass.
 */
function normalizedRows(
  mat: Matrix,
  sample: Int32Array,
  sampled: boolean,
): {
  sum: Float64Array;
  sumSq: number;
  z: Float32Array;
  sq: Float32Array;
  inv?: Float64Array;
  mean?: Float64Array;
  zSums?: SampleSums;
} {
  // one pass where the sample is every row; a small modality's two passes run in WebAssembly
  if (!sampled && !smallRows(mat.data.length)) return normalizedEveryRow(mat);
  return { ...normalizedRowSum(mat), ...normalizedSample(mat, sample) };
}

export async function computeGeometry(
  modalities: Matrix[],
  options: ReportOptions,
  thresholds: WarningThresholds,
  backend: GeometryBackend,
  ctl: GeometryControl = {},
): Promise<GeometryCore & { pairSelection?: PairSelection }> {
  const signal = ctl.signal;
  throwIfAborted(signal);
  validateModalities(modalities);
  validateOptions(options);
  const n = (modalities[0] as Matrix).rows;
  const m = modalities.length;
  const { pairs: chosen, selection } = selectPairs(
    modalities.map((x) => x.name),
    options,
  );
  const npairs = chosen.length;

  const sampleSize = options.maxPairwiseRows > 0 && n > options.maxPairwiseRows ? options.maxPairwiseRows : n;
  const sample = sampleRows(n, sampleSize, PAIRWISE_SEED);
  const sampled = sampleSize < n;

  const progress = new Progress(progressTotal(m, npairs), ctl.onProgress);

  // user names are keys: a Map, turned into own properties at the end ("__proto__" is a name too)
  const reports = new Map<string, ModalityReport>();
  const spectra = new Map<string, SpectrumResult>();
  const sums = new Map<string, Float64Array>();
  const samples = new Map<string, Float32Array>();
  const inverseNorms = new Map<string, Float64Array>();
  for (const mat of modalities) {
    progress.step(2, `spectrum of '${mat.name}'`, 0);
    // first: its one pass over the rows also makes the spectrum's column means
    const { sum, sumSq, z, sq, inv, mean, zSums } = normalizedRows(mat, sample, sampled);
    sums.set(mat.name, sum);
    samples.set(mat.name, z);
    if (inv) inverseNorms.set(mat.name, inv);
    const spec = await spectrumOf(mat, backend, signal, mean);
    spectra.set(mat.name, spec);
    progress.step(2, `spectrum of '${mat.name}'`);

    const disp = await dispersiveLoss(
      z,
      sq,
      sampleSize,
      mat.cols,
      options.t,
      options.pairs,
      backend,
      signal,
      (f) => progress.step(3, `dispersive loss of '${mat.name}'`, f),
      zSums,
    );
    const se = sampled
      ? await dispersiveStdErr(z, sq, sampleSize, mat.cols, options.t, options.pairs, disp, n, backend, signal)
      : undefined;
    reports.set(
      mat.name,
      modalityReport(mat.cols, spec, { dispersiveLoss: disp, stdErr: se, rows: sampleSize }, meanCosine(sum, sumSq, n), thresholds),
    );
  }

  const pairs: PairReport[] = [];
  for (const [i, j] of chosen) {
    const a = modalities[i] as Matrix;
    const b = modalities[j] as Matrix;
    const label = `'${a.name}'/'${b.name}'`;
    const sa = spectra.get(a.name) as SpectrumResult;
    const sb = spectra.get(b.name) as SpectrumResult;
    const cka = await linearCka(a, sa.mean, sa.centeredEigen, b, sb.mean, sb.centeredEigen, backend, signal);
    progress.step(1, `pair ${label}`);
    if (a.cols !== b.cols) {
      pairs.push(widthsDifferPair(a.name, b.name, a.cols, b.cols, cka));
      progress.step(3, `retrieval ${label}`);
      continue;
    }
    const drift = driftPerRow(a, b, inverseNorms.get(a.name), inverseNorms.get(b.name));
    const za = samples.get(a.name) as Float32Array;
    const zb = samples.get(b.name) as Float32Array;
    // the last tile reports fraction 1, which completes the stage's weight
    const { aToB, bToA } = await retrievalRanks(za, zb, sampleSize, a.cols, backend, signal, (f) =>
      progress.step(3, `retrieval ${label}`, f),
    );
    ctl.keptRanks?.set(pairKey(a.name, b.name), { sample, aToB, bToA });
    pairs.push(
      sameSpacePair(
        {
          a: a.name,
          b: b.name,
          linearCka: cka,
          anchoringLoss: anchoringLoss(drift, options.tau, options.hinge),
          drift: driftStats(drift, options.tau),
          modalityGap: modalityGap(sums.get(a.name) as Float64Array, sums.get(b.name) as Float64Array, n),
        },
        { aToB, bToA },
        sampleSize,
        n,
      ),
    );
  }

  throwIfAborted(signal);
  progress.step(1, 'projection', 0);
  const projected = projectedModalities(chosen).map((k) => modalities[k] as Matrix);
  const proj = await projection(projected, ctl.projectionRows ?? DEFAULT_PROJECTION_ROWS, backend);
  noteProjected(proj, projected, m);
  progress.step(1, 'projection');
  return finishCore(backend, n, options, thresholds, { modalities: reports, pairs, projection: proj, selection });
}
