/**
 * dtype facts and the one decoder every reader uses: raw bytes (either byte order) to the typed
 * arrays ArrayEntry.readRows promises (Float32Array for floats, Int32Array for integers and bool).
 */
import { endianness } from 'node:os';
import { DType, ReaderError } from './types';
import { isFresh } from './byteSource';

export const ITEMSIZE: Record<DType, number> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint64: 8,
  uint32: 4,
  uint16: 2,
  uint8: 1,
  bool: 1,
};

export function isFloatDType(d: DType): boolean {
  return d === 'float64' || d === 'float32' || d === 'float16' || d === 'bfloat16';
}

export function isIntDType(d: DType): boolean {
  return !isFloatDType(d);
}

const HOST_LE = endianness() === 'LE';

let halfTable: Float32Array | null = null;

/** All 65536 half-precision values, built once: a lookup beats bit fiddling per element. */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  halfTable = t;
  return t;
}

/** Reverses the bytes of every item, a word at a time (a byte loop is ~10x slower on big arrays). */
function swapInPlace(buf: ArrayBuffer, itemsize: number): void {
  if (itemsize === 2) {
    const u = new Uint16Array(buf);
    for (let i = 0; i < u.length; i++) {
      const v = u[i] as number;
      u[i] = ((v & 0xff) << 8) | (v >>> 8);
    }
    return;
  }
  const u = new Uint32Array(buf);
  const bswap = (v: number): number => (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
  if (itemsize === 4) {
    for (let i = 0; i < u.length; i++) u[i] = bswap(u[i] as number);
    return;
  }
  for (let i = 0; i < u.length; i += 2) {
    const a = u[i] as number;
    u[i] = bswap(u[i + 1] as number);
    u[i + 1] = bswap(a);
  }
}

/**
 * The bytes in host byte order in an aligned buffer nobody else holds: the source's own buffer
 * when it was made for this read (no copy), else a copy.
 */
function hostOrder(bytes: Uint8Array, itemsize: number, littleEndian: boolean): ArrayBuffer {
  let out: Uint8Array;
  if (isFresh(bytes)) {
    out = bytes;
  } else {
    out = new Uint8Array(bytes.length);
    out.set(bytes);
  }
  if (itemsize > 1 && littleEndian !== HOST_LE) swapInPlace(out.buffer as ArrayBuffer, itemsize);
  return out.buffer as ArrayBuffer;
}

function outOfRange(file: string, array: string, value: bigint | number, index: number): ReaderError {
  return new ReaderError(file, `"${array}" holds ${String(value)} at element ${index}, outside the int32 range`);
}

/**
 * Decodes `bytes` (a whole number of items of `dtype`) in the given byte order.
 * `file` and `array` only name things in error messages.
 */
export function decode(
  bytes: Uint8Array,
  dtype: DType,
  littleEndian: boolean,
  file: string,
  array: string,
): Float32Array | Float64Array | Int32Array {
  const size = ITEMSIZE[dtype];
  if (bytes.length % size !== 0) {
    throw new ReaderError(file, `"${array}": ${bytes.length} bytes is not a whole number of ${dtype} items`);
  }
  try {
    return decodeHostOrder(hostOrder(bytes, size, littleEndian), dtype, file, array);
  } catch (e) {
    if (e instanceof RangeError) {
      throw new ReaderError(
        file,
        `"${array}": ${bytes.length} bytes of ${dtype} cannot be held in memory at once; read fewer rows at a time`,
      );
    }
    throw e;
  }
}

function decodeHostOrder(buf: ArrayBuffer, dtype: DType, file: string, array: string): Float32Array | Float64Array | Int32Array {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      // kept as float64: narrowing happens in loadMatrix, after the range is checked and scaled
      return new Float64Array(buf);
    case 'float16': {
      const t = halfToFloatTable();
      const h = new Uint16Array(buf);
      const out = new Float32Array(h.length);
      for (let i = 0; i < h.length; i++) out[i] = t[h[i] as number] as number;
      return out;
    }
    case 'bfloat16': {
      // bfloat16 is the top half of a float32.
      const h = new Uint16Array(buf);
      const out = new Float32Array(h.length);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < h.length; i++) bits[i] = (h[i] as number) << 16;
      return out;
    }
    case 'int8':
      return new Int32Array(new Int8Array(buf));
    case 'uint8':
      return new Int32Array(new Uint8Array(buf));
    case 'bool': {
      const b = new Uint8Array(buf);
      const out = new Int32Array(b.length);
      for (let i = 0; i < b.length; i++) out[i] = b[i] ? 1 : 0;
      return out;
    }
    case 'int16':
      return new Int32Array(new Int16Array(buf));
    case 'uint16':
      return new Int32Array(new Uint16Array(buf));
    case 'int32':
      return new Int32Array(buf);
    case 'uint32': {
      const u = new Uint32Array(buf);
      const out = new Int32Array(u.length);
      for (let i = 0; i < u.length; i++) {
        const v = u[i] as number;
        if (v > 0x7fffffff) throw outOfRange(file, array, v, i);
        out[i] = v;
      }
      return out;
    }
    case 'int64':
    case 'uint64': {
      const w = dtype === 'int64' ? new BigInt64Array(buf) : new BigUint64Array(buf);
      const out = new Int32Array(w.length);
      for (let i = 0; i < w.length; i++) {
        const v = w[i] as bigint;
        if (v > 2147483647n || v < -2147483648n) throw outOfRange(file, array, v, i);
        out[i] = Number(v);
      }
      return out;
    }
  }
}

/** Product of a shape, or null when it is not a safe integer. */
export function shapeProduct(shape: number[]): number | null {
  let n = 1;
  for (const s of shape) {
    n *= s;
    if (!Number.isSafeInteger(n)) return null;
  }
  return n;
}

export function formatShape(shape: number[]): string {
  return `[${shape.join(', ')}]`;
}
