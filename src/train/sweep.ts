/**
 * sweep(): one training run per grid point over (lambdaAnc, tau) or (lambdaDisp, t), all inside
 * one sweep folder, then mean unimodal vs fusion validation accuracy with Pareto flags.
 */
import * as path from 'node:path';
import type { SweepConfig, SweepPoint, TrainConfig } from '../protocol/train';
import { validateSweepConfig } from './config';
import { createRunDir, writeJson } from './runfolder';
import { train } from './trainer';

export interface SweepControl {
  onPoint?(p: SweepPoint): void;
  onProgress?(fraction: number, message: string): void;
  signal?: AbortSignal;
}

type Axis = 'lambdaAnc' | 'tau' | 'lambdaDisp' | 't';

/** Cartesian product of the grid's axes, in the order the axes are listed. */
export function gridPoints(grid: SweepConfig['grid']): Record<string, number>[] {
  let points: Record<string, number>[] = [{}];
  for (const axis of ['lambdaAnc', 'tau', 'lambdaDisp', 't'] as Axis[]) {
    const values = grid[axis];
    if (!values) continue;
    points = points.flatMap((p) => values.map((v) => ({ ...p, [axis]: v })));
  }
  return points;
}

/** A point is on the front when no other point is at least as good on both axes and better on one. */
export function paretoFlags(points: { meanUnimodalAccuracy: number; fusionAccuracy: number }[]): boolean[] {
  return points.map(
    (p) =>
      !points.some(
        (q) =>
          q.meanUnimodalAccuracy >= p.meanUnimodalAccuracy &&
          q.fusionAccuracy >= p.fusionAccuracy &&
          (q.meanUnimodalAccuracy > p.meanUnimodalAccuracy || q.fusionAccuracy > p.fusionAccuracy),
      ),
  );
}

function pointName(params: Record<string, number>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join('_');
}

export async function sweep(config: SweepConfig, ctl: SweepControl = {}): Promise<SweepPoint[]> {
  const cfg = validateSweepConfig(config, config.name ?? 'sweep config');
  const sweepDir = await createRunDir(
    cfg.outDir,
    cfg.name ?? `sweep-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}`,
    false,
  );
  const grid = gridPoints(cfg.grid);
  const points: SweepPoint[] = [];
  const { grid: _grid, ...base } = cfg;
  const write = async (status: string) => writeJson(path.join(sweepDir, 'sweep.json'), { status, config: cfg, points });
  await write('running');
  for (let k = 0; k < grid.length; k++) {
    if (ctl.signal?.aborted) break;
    const params = grid[k]!;
    const runCfg: TrainConfig = { ...base, outDir: sweepDir, name: pointName(params), dagr: { ...base.dagr, enabled: true, ...params } };
    const s = await train(runCfg, {
      ...(ctl.signal ? { signal: ctl.signal } : {}),
      onProgress: (f, msg) => ctl.onProgress?.((k + f) / grid.length, `point ${k + 1}/${grid.length} (${pointName(params)}): ${msg}`),
    });
    if (s.status !== 'completed' || !s.final) break;
    const acc = s.final.valAccuracy;
    const uni = Object.keys(acc)
      .filter((n) => n !== 'fusion')
      .map((n) => acc[n] as number);
    points.push({
      params,
      runDir: s.runDir,
      meanUnimodalAccuracy: uni.reduce((a, b) => a + b, 0) / Math.max(1, uni.length),
      fusionAccuracy: acc.fusion ?? NaN,
      pareto: false,
    });
    paretoFlags(points).forEach((f, i) => (points[i]!.pareto = f));
    ctl.onPoint?.({ ...points[points.length - 1]! });
    await write('running');
  }
  await write(points.length === grid.length ? 'completed' : 'cancelled');
  return points;
}
