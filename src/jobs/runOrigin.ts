/**
 * How a run was trained, from what its folder says: `dagr train` writes config.json (with the
 * DAGR terms) beside checkpoints/, a sweep writes sweep.json one level up; a PyTorch script can
 * say it in checkpoint metadata (dagr_lambda_anc, dagr_lambda_disp, dagr_tau, dagr_t). Used to
 * fit a warning's suggestion: a run trained with DAGR is not told to "fine-tune with DAGR".
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { GeometryReport, RunOrigin } from '../protocol/report';

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

const num = (x: unknown): number | undefined =>
  typeof x === 'number' && Number.isFinite(x)
    ? x
    : typeof x === 'string' && x.trim() !== '' && Number.isFinite(Number(x))
      ? Number(x)
      : undefined;

/** config.json of `dagr train`: { dagr: { enabled, lambdaDisp, lambdaAnc, tau, t } } */
function fromConfig(cfg: unknown, file: string): RunOrigin | undefined {
  const d = (cfg as { dagr?: Record<string, unknown> } | undefined)?.dagr;
  if (typeof d !== 'object' || d === null) return undefined;
  if (d.enabled === false) return { dagr: null, from: file };
  const lambdaDisp = num(d.lambdaDisp);
  const lambdaAnc = num(d.lambdaAnc);
  const tau = num(d.tau);
  const t = num(d.t);
  if (lambdaDisp === undefined || lambdaAnc === undefined || tau === undefined) return undefined;
  return { dagr: { lambdaDisp, lambdaAnc, tau, t: t ?? 2 }, from: file };
}

/** Checkpoint metadata a training script wrote: dagr_lambda_anc (and _disp, dagr_tau, dagr_t), or dagr = "off". */
export function originFromMetadata(meta: GeometryReport['metadata'] | undefined, file: string): RunOrigin | undefined {
  if (!meta) return undefined;
  if (meta.dagr === 'off' || meta.dagr === 'false' || meta.dagr === false) return { dagr: null, from: `${file} metadata` };
  const lambdaAnc = num(meta.dagr_lambda_anc);
  const lambdaDisp = num(meta.dagr_lambda_disp);
  if (lambdaAnc === undefined && lambdaDisp === undefined) return undefined;
  return {
    dagr: { lambdaAnc: lambdaAnc ?? 0, lambdaDisp: lambdaDisp ?? 0, tau: num(meta.dagr_tau) ?? 0.5, t: num(meta.dagr_t) ?? 2 },
    from: `${file} metadata`,
  };
}

interface SweepFile {
  points?: { params?: Record<string, number>; runDir?: string; fusionAccuracy?: number; meanUnimodalAccuracy?: number; pareto?: boolean }[];
}

/** The sweep one level up that lists this run: its Pareto point with the best fusion accuracy. */
async function sweepBest(runDir: string): Promise<RunOrigin['sweepBest']> {
  const file = join(dirname(runDir), 'sweep.json');
  const s = (await readJson(file)) as SweepFile | undefined;
  const points = Array.isArray(s?.points) ? s.points : [];
  if (!points.some((p) => typeof p.runDir === 'string' && resolve(p.runDir) === resolve(runDir))) return undefined;
  const front = points.filter((p) => p.pareto === true && typeof p.fusionAccuracy === 'number' && p.params);
  const best = front.sort((a, b) => (b.fusionAccuracy ?? 0) - (a.fusionAccuracy ?? 0))[0];
  if (!best?.params) return undefined;
  return { params: best.params, fusionAccuracy: best.fusionAccuracy ?? NaN, meanUnimodalAccuracy: best.meanUnimodalAccuracy ?? NaN, file };
}

/**
 * What the run folder (or its parent, when the folder is a run's checkpoints/) says about its
 * training; `newestMetadata` is the newest checkpoint's metadata, read when no config.json says it.
 */
export async function readRunOrigin(
  folder: string,
  newestMetadata?: GeometryReport['metadata'],
  newestFile = '',
): Promise<RunOrigin | undefined> {
  const runDir = basename(folder) === 'checkpoints' ? dirname(folder) : folder;
  const cfgFile = join(runDir, 'config.json');
  const origin = fromConfig(await readJson(cfgFile), cfgFile) ?? originFromMetadata(newestMetadata, basename(newestFile));
  if (!origin) return undefined;
  const best = origin.dagr ? await sweepBest(runDir) : undefined;
  return best ? { ...origin, sweepBest: best } : origin;
}
