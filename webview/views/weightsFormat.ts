/** Sizes in the weights view: parameter counts ("109M") and bytes in binary units ("418 MiB"). Pure. */
import { fmtInt } from '../format';

/** 1,234,567 parameters as "1.23M". */
export function fmtCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [u, s] of units) if (Math.abs(n) >= u) return `${String(Number((n / u).toPrecision(3)))}${s}`;
  return fmtInt(n);
}

/** Bytes in binary units: "418 MiB". */
export function fmtBytes(n: number): string {
  if (!Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${fmtInt(v)} B` : `${String(Number(v.toPrecision(3)))} ${units[i] ?? ''}`;
}
