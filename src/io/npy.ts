/**
 * .npy reader (versions 1.0-3.0, either byte order, C or Fortran order). Only the header is
 * read up front; rows are read when asked for.
 */
import { ArrayEntry, ByteSource, Checkpoint, DType, ReaderError } from './types';
import { ITEMSIZE, decode, formatShape, isFloatDType, shapeProduct } from './dtype';
import { parseDescr, parseNpyDict, parseNpyPreamble } from './npyHeader';
import { checkRows, rowGeometry } from './rows';

/** Columns of a Fortran-order array read at once; bounds the number of concurrent reads. */
const COLUMN_BATCH = 256;
const TRANSPOSE_BLOCK = 64;

export interface NpyArrayInfo {
  dtype: DType;
  shape: number[];
  littleEndian: boolean;
  fortranOrder: boolean;
  dataOffset: number;
}

export async function readNpyInfo(src: ByteSource): Promise<NpyArrayInfo> {
  const file = src.name;
  const head = await src.read(0, Math.min(12, src.size));
  const pre = parseNpyPreamble(file, head, src.size);
  const raw = await src.read(pre.headerStart, pre.headerLength);
  let text: string;
  try {
    text = new TextDecoder(pre.major >= 3 ? 'utf-8' : 'latin1', { fatal: true }).decode(raw);
  } catch {
    throw new ReaderError(file, 'header is not valid text');
  }
  const dict = parseNpyDict(file, text);
  const { dtype, littleEndian } = parseDescr(file, dict.descr);
  const dataOffset = pre.headerStart + pre.headerLength;
  // parseNpyDict already refused element counts past 2^53; the byte count can still pass it.
  const count = shapeProduct(dict.shape);
  const have = src.size - dataOffset;
  const need = count === null ? null : count * ITEMSIZE[dtype];
  if (need === null || !Number.isSafeInteger(need)) {
    throw new ReaderError(
      file,
      `shape ${formatShape(dict.shape)} of ${dtype} needs more bytes of data than can be represented (over 2^53)`,
    );
  }
  if (need > have) {
    throw new ReaderError(
      file,
      `truncated file: shape ${formatShape(dict.shape)} of ${dtype} needs ${need} bytes of data but the file has ${have}`,
    );
  }
  if (need !== have) {
    throw new ReaderError(
      file,
      `shape/byte-count mismatch: shape ${formatShape(dict.shape)} of ${dtype} needs ${need} bytes of data but the file has ${have}`,
    );
  }
  return { dtype, shape: dict.shape, littleEndian, fortranOrder: dict.fortranOrder, dataOffset };
}

/**
 * For a Fortran-order array of shape [n, ...rest]: for each C-order position within a row, the
 * Fortran-order index of its column (the values of one column are contiguous over all n rows).
 */
function fortranColumns(shape: number[], rowSize: number): Float64Array {
  const rest = shape.slice(1);
  const out = new Float64Array(rowSize);
  const idx = new Array<number>(rest.length).fill(0);
  for (let c = 0; c < rowSize; c++) {
    let f = 0;
    let stride = 1;
    for (let k = 0; k < rest.length; k++) {
      f += (idx[k] as number) * stride;
      stride *= rest[k] as number;
    }
    out[c] = f;
    for (let k = rest.length - 1; k >= 0; k--) {
      idx[k] = (idx[k] as number) + 1;
      if ((idx[k] as number) < (rest[k] as number)) break;
      idx[k] = 0;
    }
  }
  return out;
}

export function npyEntry(src: ByteSource, name: string, info: NpyArrayInfo): ArrayEntry {
  const { dtype, shape, littleEndian, fortranOrder, dataOffset } = info;
  const item = ITEMSIZE[dtype];
  const { rows, rowSize } = rowGeometry(shape);
  const file = src.name;

  /** Rows [s, e) of a Fortran-order array, decoded, in C order. */
  async function readFortran(s: number, e: number): Promise<Float32Array | Float64Array | Int32Array> {
    const cols = fortranColumns(shape, rowSize);
    const take = e - s;
    let out: Float32Array | Float64Array | Int32Array;
    try {
      out =
        dtype === 'float64'
          ? new Float64Array(take * rowSize)
          : isFloatDType(dtype)
            ? new Float32Array(take * rowSize)
            : new Int32Array(take * rowSize);
    } catch {
      throw new ReaderError(file, `"${name}": ${take * rowSize} values cannot be held in memory at once; read fewer rows at a time`);
    }
    const place = (values: Float32Array | Float64Array | Int32Array, c: number, from: number): void => {
      for (let r = 0; r < take; r++) out[r * rowSize + c] = values[from + r] as number;
    };
    if (s === 0 && e === rows) {
      const all = decode(await src.read(dataOffset, rows * rowSize * item), dtype, littleEndian, file, name);
      // Blocks of rows keep the written rows in cache while every column visits them.
      for (let r0 = 0; r0 < rows; r0 += TRANSPOSE_BLOCK) {
        const r1 = Math.min(rows, r0 + TRANSPOSE_BLOCK);
        for (let c = 0; c < rowSize; c++) {
          const from = (cols[c] as number) * rows;
          for (let r = r0; r < r1; r++) out[r * rowSize + c] = all[from + r] as number;
        }
      }
      return out;
    }
    for (let c0 = 0; c0 < rowSize; c0 += COLUMN_BATCH) {
      const batch: Promise<void>[] = [];
      for (let c = c0; c < Math.min(rowSize, c0 + COLUMN_BATCH); c++) {
        const f = cols[c] as number;
        batch.push(
          src.read(dataOffset + (f * rows + s) * item, take * item).then((b) => place(decode(b, dtype, littleEndian, file, name), c, 0)),
        );
      }
      await Promise.all(batch);
    }
    return out;
  }

  return {
    name,
    dtype,
    shape,
    file,
    async readRows(start?: number, end?: number): Promise<Float32Array | Float64Array | Int32Array> {
      const [s, e] = checkRows(file, name, rows, start, end);
      if (fortranOrder && shape.length >= 2 && rowSize > 0 && e > s) return readFortran(s, e);
      const bytes = await src.read(dataOffset + s * rowSize * item, (e - s) * rowSize * item);
      return decode(bytes, dtype, littleEndian, file, name);
    },
  };
}

/** The value of a 0-d array as a JS number (int64 too, where readRows would insist on int32). */
export async function readScalar(src: ByteSource, info: NpyArrayInfo): Promise<number> {
  const item = ITEMSIZE[info.dtype];
  const b = await src.read(info.dataOffset, item);
  if (info.dtype === 'int64' || info.dtype === 'uint64') {
    const dv = new DataView(b.buffer, b.byteOffset, 8);
    return Number(info.dtype === 'int64' ? dv.getBigInt64(0, info.littleEndian) : dv.getBigUint64(0, info.littleEndian));
  }
  return decode(b, info.dtype, info.littleEndian, src.name, 'scalar')[0] as number;
}

export async function readNpyArray(src: ByteSource, name: string): Promise<ArrayEntry> {
  return npyEntry(src, name, await readNpyInfo(src));
}

/** The array name of a .npy file: its file name without folder and extension. */
export function npyStem(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  return base.toLowerCase().endsWith('.npy') ? base.slice(0, -4) : base;
}

/** A single .npy file as a checkpoint with one array. */
export async function readNpy(src: ByteSource): Promise<Checkpoint> {
  const entry = await readNpyArray(src, npyStem(src.name));
  return { path: src.name, format: 'npy', entries: [entry], metadata: {} };
}
