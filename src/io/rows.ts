/** Row-range checks shared by every ArrayEntry. */
import { ReaderError } from './types';

/** Number of rows along axis 0 and values per row; a 0-d array is one row of one value. */
export function rowGeometry(shape: number[]): { rows: number; rowSize: number } {
  if (shape.length === 0) return { rows: 1, rowSize: 1 };
  let rowSize = 1;
  for (let k = 1; k < shape.length; k++) rowSize *= shape[k] as number;
  return { rows: shape[0] as number, rowSize };
}

export function checkRows(file: string, array: string, rows: number, start?: number, end?: number): [number, number] {
  const s = start ?? 0;
  const e = end ?? rows;
  if (!Number.isSafeInteger(s) || !Number.isSafeInteger(e) || s < 0 || e < s || e > rows) {
    throw new ReaderError(file, `"${array}": row range ${String(start)}..${String(end)} is outside 0..${rows}`);
  }
  return [s, e];
}
