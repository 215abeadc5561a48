/** Input checks: every problem is one EngineError line naming the array (DESIGN.md section 2). */
import type { Matrix } from '../io/types';
import { EngineError } from './types';

export function validateModalities(modalities: Matrix[]): void {
  if (modalities.length === 0) throw new EngineError('no modality arrays to analyse');
  const seen = new Set<string>();
  const first = modalities[0] as Matrix;
  for (const m of modalities) {
    if (seen.has(m.name)) throw new EngineError(`two modality arrays are named '${m.name}'`);
    seen.add(m.name);
    if (m.data.length !== m.rows * m.cols) {
      throw new EngineError(`'${m.name}' has ${m.data.length} values, expected ${m.rows} x ${m.cols}`);
    }
    if (m.rows !== first.rows) {
      throw new EngineError(`'${first.name}' has ${first.rows} rows but '${m.name}' has ${m.rows}; modalities must be paired row by row`);
    }
    if (m.rows < 2) throw new EngineError(`'${m.name}' has ${m.rows} row(s); at least 2 are needed`);
    if (m.cols < 2) throw new EngineError(`'${m.name}' has width ${m.cols}; at least 2 dimensions are needed`);
    checkFinite(m);
  }
}

function checkFinite(m: Matrix): void {
  // the reader measured it while narrowing: no NaN or Inf, and all zeros exactly when it is 0
  if (m.largestMagnitude !== undefined && m.largestMagnitude > 0) return;
  const { data, cols } = m;
  let anyNonZero = false;
  for (let k = 0; k < data.length; k++) {
    const v = data[k] as number;
    // v - v is NaN exactly for NaN and +-Inf: one comparison per value in the common case
    if (v - v !== 0) {
      const row = Math.floor(k / cols);
      const what = Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : '-Inf';
      throw new EngineError(`'${m.name}' has ${what} at row ${row}`);
    }
    if (v !== 0) anyNonZero = true;
  }
  if (!anyNonZero) throw new EngineError(`'${m.name}' is all zeros: every row is the zero vector`);
}
