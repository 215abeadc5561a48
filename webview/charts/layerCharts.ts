/**
 * Weight metrics against depth: one chart per metric, x = the layer index parsed from the tensor
 * name, one series per matrix role (q, k, v, o, up, down, ...). Pure data shaping here; the
 * drawing is the curves chart (curves.ts), so theme and high-contrast handling are shared.
 */
import type { ChartConfiguration } from 'chart.js';
import type { WeightTensor } from '../../src/protocol/weights';
import type { Palette } from '../theme';
import type { Series, XY } from './common';
import { curvesConfig } from './curves';

export interface LayerMetric {
  /** chart id (canvas data-chart) */
  id: string;
  title: string;
  yTitle: string;
  value(t: WeightTensor): number | null;
  /** a note shown under the title (α is a fragile fit) */
  note?: string;
}

export const LAYER_METRICS: LayerMetric[] = [
  { id: 'layer-effective-rank', title: 'Effective rank by layer', yTitle: 'effective rank', value: (t) => t.effectiveRank },
  {
    id: 'layer-effective-rank-share',
    title: 'Effective rank / min(m, n) by layer',
    yTitle: 'share of the full rank',
    value: (t) => (t.effectiveRank !== null && t.matrix ? t.effectiveRank / Math.min(t.matrix[0], t.matrix[1]) : null),
  },
  { id: 'layer-stable-rank', title: 'Stable rank by layer', yTitle: 'stable rank ‖M‖²_F / σ²_max', value: (t) => t.stableRank },
  { id: 'layer-spectral-norm', title: 'Spectral norm by layer', yTitle: 'σ_max', value: (t) => t.spectralNorm },
  {
    id: 'layer-alpha',
    title: 'Power-law α by layer (experimental)',
    yTitle: 'α of the eigenvalue tail',
    value: (t) => t.alpha?.value ?? null,
    note: 'Experimental: a power-law fit of the largest eigenvalues is fragile (few tail points, a tail that is not a power law). WeightWatcher reads 2 ≤ α ≤ 6 as typical of trained layers.',
  },
];

/** The order roles are listed in: a transformer block's own order, then the rest by name. */
const ROLE_ORDER = ['q', 'k', 'v', 'qkv', 'o', 'gate', 'up', 'down', 'fc'];

export function compareRoles(a: string, b: string): number {
  const ia = ROLE_ORDER.indexOf(a);
  const ib = ROLE_ORDER.indexOf(b);
  if (ia >= 0 || ib >= 0) return (ia < 0 ? ROLE_ORDER.length : ia) - (ib < 0 ? ROLE_ORDER.length : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Per role, the (layer, value) points of the analysed matrices that sit in a numbered layer, by layer. */
export function layerSeries(tensors: readonly WeightTensor[], metric: LayerMetric): Map<string, XY[]> {
  const out = new Map<string, XY[]>();
  for (const t of tensors) {
    if (!t.analysed || t.layer === null || !t.matrix) continue;
    const y = metric.value(t);
    if (y === null || !Number.isFinite(y)) continue;
    const pts = out.get(t.role) ?? [];
    pts.push({ x: t.layer, y });
    out.set(t.role, pts);
  }
  for (const pts of out.values()) pts.sort((a, b) => a.x - b.x);
  return new Map([...out].sort((a, b) => compareRoles(a[0], b[0])));
}

/** Tensors that can appear on a depth chart at all (matrices in a numbered layer). */
export function hasDepth(rows: readonly { layer: number | null; matrix: [number, number] | null }[]): boolean {
  return rows.some((t) => t.layer !== null && t.matrix !== null);
}

/** The chart of one metric; `style` gives a role its color and dash (the view's series assigner). */
export function layerChartConfig(
  p: Palette,
  tensors: readonly WeightTensor[],
  metric: LayerMetric,
  style: (role: string, p: Palette) => { color: string; pattern: number[] },
): ChartConfiguration {
  const series: Series[] = [...layerSeries(tensors, metric)].map(([role, points]) => ({ label: role, points, ...style(role, p) }));
  return curvesConfig(p, { xTitle: 'layer', yTitle: metric.yTitle, series });
}
