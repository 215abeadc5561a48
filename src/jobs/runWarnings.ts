/**
 * A run's warnings belong to the run: the per-checkpoint warnings grouped into one entry per code
 * and modality/pair, with the epoch where each first fired, whether the newest checkpoint still
 * has it, and a suggestion that fits how the run was trained. Pure (no fs, no vscode): the CLI,
 * the compute process and the extension host all call it on a RunReport.
 */
import type { GeometryReport, GeometryWarning, PairReport, RunOrigin, RunReport, RunWarning, WarningCode } from '../protocol/report';
import { fmtInt } from '../protocol/format';

type Checkpoint = Pick<RunReport['checkpoints'][number], 'epoch' | 'step' | 'report'>;

/**
 * R@1 "at chance": with G gallery rows, a random ranking gets about one hit in G queries
 * (Poisson with mean 1). Five hits or fewer is what chance gives 99.9% of the time.
 */
export const CHANCE_HITS = 5;
/** a rise of the mean drift (squared distance, range [0, 4]) over the run that counts as a trend */
export const DRIFT_TREND = 0.1;

const pct = (x: number): string => `${(100 * x).toFixed(x < 0.01 ? 2 : 1)}%`;
const fmtParam = (x: number): string => String(Number(x.toPrecision(3)));

function r1AtChance(p: PairReport | undefined): boolean | null {
  const r = p?.retrieval;
  if (!r || r.galleryRows <= 0) return null;
  const limit = CHANCE_HITS / r.galleryRows;
  return r.aToB.r1 <= limit && r.bToA.r1 <= limit;
}

const pairOf = (r: GeometryReport, key: string): PairReport | undefined => r.pairs.find((p) => `${p.a}/${p.b}` === key);

/** The pairs whose R@1 is at chance in every checkpoint that measured it (at least one did). */
function notSharedPairs(cps: Checkpoint[]): Set<string> {
  const keys = new Set(cps.flatMap((c) => c.report.pairs.map((p) => `${p.a}/${p.b}`)));
  const out = new Set<string>();
  for (const key of keys) {
    const verdicts = cps.map((c) => r1AtChance(pairOf(c.report, key))).filter((v): v is boolean => v !== null);
    if (verdicts.length > 0 && verdicts.every((v) => v)) out.add(key);
  }
  return out;
}

/** The mean drift of a pair rose by DRIFT_TREND or more from its first to its newest checkpoint. */
function driftRises(cps: Checkpoint[], key: string): boolean {
  const means = cps.map((c) => pairOf(c.report, key)?.drift?.mean).filter((m): m is number => typeof m === 'number');
  const first = means[0];
  const last = means[means.length - 1];
  return first !== undefined && last !== undefined && last - first >= DRIFT_TREND;
}

const where = (c: Checkpoint): number | null => c.epoch ?? c.step;

/** "epoch 4", "step 900", "checkpoint 3": how the run's x axis names checkpoint i. */
export function checkpointLabel(cps: Pick<Checkpoint, 'epoch' | 'step'>[], i: number): string {
  const c = cps[i];
  if (cps.length > 0 && cps.every((x) => x.epoch !== null)) return `epoch ${c?.epoch ?? i}`;
  if (cps.length > 0 && cps.every((x) => x.step !== null)) return `step ${c?.step ?? i}`;
  return `checkpoint ${i + 1}`;
}

/** What to change, for a warning of a run trained as `origin` says (undefined origin: not known). */
export function suggestionFor(code: RunWarning['code'], origin: RunOrigin | undefined): string | undefined {
  const d = origin?.dagr;
  const best = origin?.sweepBest;
  const sweep = best
    ? ` The sweep (${best.file}) has ${Object.entries(best.params)
        .map(([k, v]) => `${k} = ${fmtParam(v)}`)
        .join(', ')} on its Pareto front with ${pct(best.fusionAccuracy)} fusion accuracy.`
    : '';
  if (code === 'not-shared-space') {
    return d
      ? undefined
      : 'If the two encoders are meant to share a space, train them with an anchoring term (DAGR, lambda_anc > 0) or a contrastive loss.';
  }
  if (!d) {
    if (origin && origin.dagr === null) return `This run was trained without DAGR (${origin.from}): fine-tune with DAGR on.`;
    return code === 'excess-drift' || code === 'modality-gap'
      ? 'Fine-tune with DAGR: its anchoring term keeps paired rows within tau.'
      : 'Fine-tune with DAGR: its dispersive term spreads the embeddings over more directions.';
  }
  const now = `lambda_anc = ${fmtParam(d.lambdaAnc)}, lambda_disp = ${fmtParam(d.lambdaDisp)}, tau = ${fmtParam(d.tau)}`;
  switch (code) {
    case 'excess-drift':
      return `Trained with DAGR (${now}): the anchoring term did not pull pairs within tau. Raise lambda_anc (e.g. to ${fmtParam(d.lambdaAnc * 3)}), or raise tau (e.g. to ${fmtParam(Math.min(4, d.tau + 0.25))}) if this much drift is acceptable.${sweep}`;
    case 'modality-gap':
      return `Trained with DAGR (${now}): raise lambda_anc (e.g. to ${fmtParam(d.lambdaAnc * 3)}) to close the gap.${sweep}`;
    case 'dimensional-collapse':
    case 'complete-collapse':
    case 'dead-dimensions':
    case 'class-collapse':
      return `Trained with DAGR (${now}): raise lambda_disp (e.g. to ${fmtParam(d.lambdaDisp * 3)}) to spread the embeddings, or lower lambda_anc if anchoring pulls them together.${sweep}`;
  }
  return undefined;
}

/**
 * Groups the warnings of a run (checkpoints in run order). A pair whose R@1 is at chance from the
 * first checkpoint on gets one 'not-shared-space' entry (information) instead of excess-drift and
 * modality-gap, unless its drift rises over the run (a trend is still a warning).
 */
export function groupRunWarnings(cps: Checkpoint[], origin?: RunOrigin): RunWarning[] {
  const notShared = notSharedPairs(cps);
  // trained with an anchoring term: the spaces are meant to be one, so their drift stays a warning
  const meantToShare = (origin?.dagr?.lambdaAnc ?? 0) > 0;
  const groups = new Map<string, RunWarning>();
  const newest = cps.length - 1;
  cps.forEach((c, i) => {
    for (const w of c.report.warnings) {
      const pairSilenced =
        !meantToShare &&
        w.pair !== undefined &&
        notShared.has(w.pair) &&
        (w.code === 'modality-gap' || (w.code === 'excess-drift' && !driftRises(cps, w.pair)));
      if (pairSilenced) continue;
      const key = `${w.code}|${w.modality ?? ''}|${w.pair ?? ''}`;
      const g = groups.get(key);
      if (g)
        Object.assign(g, {
          latest: i,
          active: i === newest,
          value: w.value,
          threshold: w.threshold,
          message: w.message,
          severity: w.severity,
        });
      else {
        groups.set(key, {
          code: w.code,
          severity: w.severity,
          ...(w.modality !== undefined ? { modality: w.modality } : {}),
          ...(w.pair !== undefined ? { pair: w.pair } : {}),
          onset: i,
          onsetEpoch: where(c),
          latest: i,
          active: i === newest,
          value: w.value,
          threshold: w.threshold,
          message: w.message,
        });
      }
    }
  });
  const out = [...groups.values()];
  for (const key of notShared) {
    const first = cps.findIndex((c) => pairOf(c.report, key)?.retrieval);
    const lastIdx = cps.length - 1 - [...cps].reverse().findIndex((c) => pairOf(c.report, key)?.retrieval);
    const p = cps[lastIdx] ? pairOf((cps[lastIdx] as Checkpoint).report, key) : undefined;
    const r = p?.retrieval;
    if (!p || !r || first < 0) continue;
    const r1 = Math.max(r.aToB.r1, r.bToA.r1);
    const beyond = meantToShare
      ? `, although the run was trained with anchoring (lambda_anc = ${fmtParam(origin?.dagr?.lambdaAnc ?? 0)})`
      : p.drift
        ? `, so their drift (${pct(p.drift.fractionBeyondTau)} of pairs beyond tau) does not mean they drift apart`
        : '';
    out.push({
      code: 'not-shared-space',
      severity: 'info',
      pair: key,
      onset: first,
      onsetEpoch: where(cps[first] as Checkpoint),
      latest: lastIdx,
      active: lastIdx === newest,
      value: r1,
      threshold: CHANCE_HITS / r.galleryRows,
      message: `'${p.a}' and '${p.b}' are not in a shared space: R@1 ${pct(r1)} is at chance (1 in ${fmtInt(r.galleryRows)} rows) since the first ${checkpointLabel(cps, first).split(' ')[0] ?? 'checkpoint'}${beyond}.`,
    });
  }
  for (const w of out) {
    const s = suggestionFor(w.code, origin);
    if (s) w.suggestion = s;
  }
  const rank = { error: 0, warning: 1, info: 2 } as const;
  return out.sort((a, b) => Number(b.active) - Number(a.active) || rank[a.severity] - rank[b.severity] || a.onset - b.onset);
}

/** For each warning code, the index of the first report in which it fires (the run timeline's marks). */
export function firstWarnings(reports: Pick<GeometryReport, 'warnings'>[]): Partial<Record<WarningCode, number>> {
  const first: Partial<Record<WarningCode, number>> = {};
  reports.forEach((r, i) => {
    for (const w of r.warnings) if (first[w.code] === undefined) first[w.code] = i;
  });
  return first;
}

/** A RunReport with runWarnings filled in from its checkpoints (and its origin, when known). */
export function withRunWarnings(run: RunReport): RunReport {
  return { ...run, runWarnings: groupRunWarnings(run.checkpoints, run.origin) };
}

/** A warning of one checkpoint of a run, as the run judges it, with the epoch it first fired at. */
export type CheckpointRunWarning = Omit<GeometryWarning, 'code'> & { code: RunWarning['code']; onsetEpoch: number | null };

/**
 * The warnings of checkpoint `index` after the run's grouping: its own warnings (without those a
 * pair "not in a shared space" silences) plus that information, each with its onset epoch.
 */
export function warningsAt(run: Pick<RunReport, 'checkpoints' | 'runWarnings' | 'origin'>, index: number): CheckpointRunWarning[] {
  const cp = run.checkpoints[index];
  if (!cp) return [];
  const groups = run.runWarnings ?? groupRunWarnings(run.checkpoints, run.origin);
  const out: CheckpointRunWarning[] = [];
  for (const w of cp.report.warnings) {
    const g = groups.find((x) => x.code === w.code && x.modality === w.modality && x.pair === w.pair);
    if (g) out.push({ ...w, onsetEpoch: g.onsetEpoch });
  }
  for (const g of groups) {
    if (g.code !== 'not-shared-space' || g.onset > index || g.latest < index) continue;
    out.push({
      code: g.code,
      severity: g.severity,
      ...(g.pair !== undefined ? { pair: g.pair } : {}),
      value: g.value,
      threshold: g.threshold,
      message: g.message,
      onsetEpoch: g.onsetEpoch,
    });
  }
  return out;
}
