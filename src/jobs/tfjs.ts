/**
 * `--engine tfjs`: the trainer's own loss code (src/train tfjsGeometry) recomputes the losses and
 * effective ranks, so a user can check that training and diagnostics agree. src/train pulls in
 * TensorFlow.js, which is slow to load, so it is imported only here and only when asked for.
 */
import type { Matrix } from '../io/types';
import type { GeometryReport } from '../protocol/report';
import { EngineError } from '../engine';
import { getOwn, recordOf } from '../protocol/keys';

export async function applyTfjsGeometry(report: GeometryReport, matrices: Matrix[]): Promise<GeometryReport> {
  let train: typeof import('../train');
  try {
    train = await import('../train');
  } catch (e) {
    throw new EngineError(`engine tfjs is not available: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  // only the pairs the report computed (a report of many modalities computes a chosen few)
  const g = await train.tfjsGeometry(
    matrices,
    report.options,
    report.pairs.map((p): [string, string] => [p.a, p.b]),
  );
  const modalities = recordOf(
    Object.entries(report.modalities).map(([name, m]) => {
      const disp = getOwn(g.dispersiveLoss, name);
      const rank = getOwn(g.effectiveRank, name);
      return [
        name,
        {
          ...m,
          ...(disp !== undefined ? { dispersiveLoss: disp } : {}),
          ...(rank !== undefined ? { effectiveRank: rank } : {}),
        },
      ] as const;
    }),
  );
  const pairs = report.pairs.map((p) => {
    const anc = getOwn(g.anchoringLoss, `${p.a}/${p.b}`);
    return anc !== undefined ? { ...p, anchoringLoss: anc } : p;
  });
  // Only three metrics come from tfjs; say what produced the rest, so no number loses its source.
  const others = `dispersive loss, anchoring loss and effective rank from ${g.engine.name}; other metrics from ${report.engine.name} (${report.engine.device})`;
  const engine = { ...g.engine, note: g.engine.note ? `${g.engine.note}; ${others}` : others };
  return { ...report, engine, modalities, pairs };
}
