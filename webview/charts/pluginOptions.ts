/**
 * Options of our three Chart.js plugins (band.ts, markers.ts, pairLines.ts), declared in one
 * place and merged into Chart.js's plugin options, so a chart config is type-checked against
 * them like any built-in plugin's.
 */
import type { ChartType } from 'chart.js';

/** dagrBand: an x-range shaded, with an optional label (the drift beyond τ). */
export interface BandOptions {
  from?: number;
  to?: number;
  color?: string;
  edgeColor?: string;
  label?: string;
  labelColor?: string;
}

/** dagrMarkers: labelled vertical lines (the epoch where a warning first fires). */
export interface Marker {
  x: number;
  label: string;
}

export interface MarkerOptions {
  markers?: Marker[];
  color?: string;
}

/** dagrPairLines: thin segments joining paired points. */
export interface PairLinesOptions {
  /** flat x0, y0, x1, y1 per segment, in data units */
  segments?: number[];
  color?: string;
  width?: number;
}

declare module 'chart.js' {
  // merged declarations must repeat Chart.js's type parameter name, used or not
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface PluginOptionsByType<TType extends ChartType> {
    dagrBand?: BandOptions | false;
    dagrMarkers?: MarkerOptions | false;
    dagrPairLines?: PairLinesOptions | false;
  }
}
