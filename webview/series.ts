/**
 * Which color and dash pattern a named series (modality, pair, head) gets: the first name seen
 * takes the first palette color, and so on, stable within a view and across theme changes. Pure
 * (no DOM) for unit tests; the palette comes from theme.ts.
 */

/** The part of the palette this needs (theme.ts's Palette has it). */
export interface SeriesPalette {
  series: string[];
  fg: string;
}

export interface SeriesStyle {
  color: string;
  pattern: number[];
}

export function seriesColor(p: SeriesPalette, i: number): string {
  return p.series[i % p.series.length] ?? p.fg;
}

/**
 * VS Code themes define six chart colors, so series 7 and on repeat them; each further round of
 * six gets its own dash pattern so no two series of a view look alike (solid, dotted, dash-dot).
 */
const ROUND_DASH: number[][] = [[], [2, 3], [8, 3, 2, 3], [12, 4]];

export function seriesDash(p: SeriesPalette, i: number): number[] {
  const round = Math.floor(i / Math.max(1, p.series.length));
  return ROUND_DASH[round % ROUND_DASH.length] ?? [];
}

export interface SeriesAssigner {
  /** the series color of a name */
  color(name: string, p: SeriesPalette): string;
  /** the index behind color(): CSS mirrors it as .series-<i % 6> for swatches */
  seriesIndex(name: string): number;
  /** color and dash pattern of a line series: past six names the colors repeat, the patterns do not */
  series(name: string, p: SeriesPalette): SeriesStyle;
}

export function seriesAssigner(): SeriesAssigner {
  const index = new Map<string, number>();
  const seriesIndex = (name: string): number => {
    let i = index.get(name);
    if (i === undefined) {
      i = index.size;
      index.set(name, i);
    }
    return i;
  };
  return {
    seriesIndex,
    color: (name, p) => seriesColor(p, seriesIndex(name)),
    series: (name, p) => ({ color: seriesColor(p, seriesIndex(name)), pattern: seriesDash(p, seriesIndex(name)) }),
  };
}
