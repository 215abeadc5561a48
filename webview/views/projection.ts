/** The 2-D PCA scatter of both modalities with pair lines, capped at maxPointsPlotted. */
import type { GeometryReport } from '../../src/protocol/report';
import { planScatter, scatterConfig } from '../charts/scatter';
import { card, chartBox, h } from '../dom';
import { fmtInt, plural } from '../format';
import type { ViewContext } from './context';

export function projectionCard(ctx: ViewContext, r: GeometryReport, maxPoints: number): HTMLElement {
  const proj = r.projection;
  if (!proj || proj.rows.length === 0) {
    return card(
      '2-D projection',
      { id: 'projection', className: 'card-projection' },
      h('p', { class: 'caption' }, 'No projection in this report.'),
    );
  }
  const plan = planScatter(proj, Object.keys(r.modalities), maxPoints);
  const box = chartBox('projection', '2-D PCA projection of the modalities with lines joining paired rows', 'lg');
  ctx.charts.add(box.canvas, (p) => scatterConfig(p, proj, plan, (m) => ctx.color(m, p)));
  const [a, b] = plan.modalities;
  const sampled = proj.rows.length;
  const rowsText =
    sampled < r.n
      ? `${fmtInt(plan.drawn.length)} of a seeded sample of ${fmtInt(sampled)} of the ${plural(r.n, 'row')}`
      : `${fmtInt(plan.drawn.length)} of the ${plural(r.n, 'row')}`;
  const caption =
    `${plural(plan.drawn.length * plan.modalities.length, 'point')} drawn: ${rowsText} per modality (cap ${fmtInt(maxPoints)} points)` +
    (a && b ? `; thin lines join ${plural(plan.linked.length, `${a}–${b} pair`)}.` : '.');
  const fitted =
    proj.fit === 'joint'
      ? `One PCA fitted on the L2-normalized, centred rows of ${plan.modalities.join(' and ')} stacked together, so paired points share the axes.`
      : proj.fit === 'per-modality'
        ? `One PCA per modality on its L2-normalized, centred rows (the widths differ): positions of different modalities are not comparable.`
        : 'PCA of the L2-normalized rows.';
  return card(
    '2-D projection (PCA)',
    { id: 'projection', className: 'card-projection' },
    box.box,
    h(
      'p',
      {
        class: 'caption',
        id: 'projection-caption',
        'data-points': plan.drawn.length * plan.modalities.length,
        'data-sampled': sampled,
        'data-n': r.n,
      },
      caption,
    ),
    h('p', { class: 'caption', id: 'projection-fit' }, `${fitted} Both axes use the same scale.`),
  );
}
