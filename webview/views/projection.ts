/** The 2-D PCA scatter of both modalities with pair lines, capped at maxPointsPlotted. */
import type { GeometryReport } from '../../src/protocol/report';
import { planScatter, scatterConfig } from '../charts/scatter';
import { card, chartBox, h } from '../dom';
import { fmtInt, plural } from '../format';
import type { ViewContext } from './context';

export function projectionCard(ctx: ViewContext, r: GeometryReport, maxPoints: number): HTMLElement {
  const proj = r.projection;
  if (!proj || proj.rows.length === 0) {
    return card('2-D projection', { id: 'projection', className: 'card-projection' }, h('p', { class: 'caption' }, 'No projection in this report.'));
  }
  const plan = planScatter(proj, Object.keys(r.modalities), maxPoints);
  const box = chartBox('projection', '2-D PCA projection of the modalities with lines joining paired rows', 'lg');
  ctx.charts.add(box.canvas, (p) => scatterConfig(p, proj, plan, (m) => ctx.color(m, p)));
  const [a, b] = plan.modalities;
  const caption = `${plural(plan.drawn.length * plan.modalities.length, 'point')} drawn (${fmtInt(plan.drawn.length)} of ${plural(proj.rows.length, 'sampled row')} per modality, cap ${fmtInt(maxPoints)})` +
    (a && b ? `; thin lines join ${plural(plan.linked.length, `${a}–${b} pair`)}.` : '.');
  return card('2-D projection (PCA)', { id: 'projection', className: 'card-projection' },
    box.box,
    h('p', { class: 'caption', id: 'projection-caption', 'data-points': plan.drawn.length * plan.modalities.length }, caption));
}
