/**
 * A tensor as an ArrayEntry: (storage, offset, shape, stride) read in C order by rows. A
 * contiguous tensor is one range of its storage; any other view (a transposed weight, a column
 * slice, an expanded tensor with stride 0) reads the span its rows cover and gathers the elements.
 */
import { ArrayEntry, ByteSource, ReaderError, SkippedEntry } from '../types';
import { allocate } from '../byteSource';
import { decode, formatShape, shapeProduct } from '../dtype';
import { checkRows, rowGeometry } from '../rows';
import { Found } from './walk';
import { ElemType, StorageRef, TensorRef } from './rebuild';

/** Where a storage's bytes are: a source holding exactly them (or more), opened when first read. */
export interface StorageBytes {
  /** bytes available for this storage */
  size: number;
  open(): Promise<ByteSource>;
}

const q = (s: string): string => JSON.stringify(s);

/** Elements a storage holds, in units of `elem`. */
function storageElems(s: StorageRef, elem: ElemType): number {
  return s.elem ? s.numel : Math.floor(s.numel / elem.itemsize);
}

function isContiguous(shape: number[], stride: number[]): boolean {
  let expect = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    const n = shape[k] as number;
    if (n !== 1 && stride[k] !== expect) return false;
    expect *= n;
  }
  return true;
}

/**
 * Checks a tensor against its storage (a view past it is the file's problem, so it throws) and
 * returns its entry, or a skipped entry when it cannot be read as an array.
 */
export function tensorEntry(
  file: string,
  found: Found,
  bytes: (s: StorageRef) => StorageBytes,
  littleEndian: boolean,
): ArrayEntry | SkippedEntry {
  const { name, tensor: t } = found;
  const { elem, shape, stride, offset } = t;
  const dtype = elem.dtype;
  if (!dtype) return { name, reason: elem.skip ?? `dtype ${elem.torch} is not supported` };
  const count = shapeProduct(shape);
  if (count === null || !Number.isSafeInteger(count * elem.itemsize)) {
    throw new ReaderError(file, `tensor ${q(name)}: shape ${formatShape(shape)} has more elements than can be represented`);
  }
  const have = storageElems(t.storage, elem);
  if (count > 0) {
    let last = offset;
    for (let k = 0; k < shape.length; k++) last += ((shape[k] as number) - 1) * (stride[k] as number);
    if (!Number.isSafeInteger(last) || last >= have) {
      throw new ReaderError(
        file,
        `tensor ${q(name)}: its view (offset ${offset}, shape ${formatShape(shape)}, stride ${formatShape(stride)}) reaches element ${last} of storage ${q(t.storage.key)}, which holds ${have} ${elem.torch} elements`,
      );
    }
  }
  const where = bytes(t.storage);
  const storageBytes = t.storage.elem ? t.storage.numel * elem.itemsize : t.storage.numel;
  if (!Number.isSafeInteger(storageBytes) || storageBytes > where.size) {
    throw new ReaderError(
      file,
      `tensor ${q(name)}: storage ${q(t.storage.key)} declares ${t.storage.numel} ${t.storage.elem ? `${elem.torch} elements` : 'bytes'} but the file holds ${where.size} bytes for it: it points past the archive`,
    );
  }
  return makeEntry(file, name, t, dtype, where, littleEndian);
}

function makeEntry(
  file: string,
  name: string,
  t: TensorRef,
  dtype: NonNullable<ElemType['dtype']>,
  where: StorageBytes,
  le: boolean,
): ArrayEntry {
  const { shape, stride, offset } = t;
  const size = t.elem.itemsize;
  const { rows, rowSize } = rowGeometry(shape);
  const contiguous = isContiguous(shape, stride);
  let src: Promise<ByteSource> | null = null;
  const source = (): Promise<ByteSource> =>
    (src ??= where.open().catch((e: unknown) => {
      src = null;
      throw e;
    }));
  return {
    name,
    dtype,
    shape: [...shape],
    file,
    async readRows(start?: number, stop?: number): Promise<Float32Array | Float64Array | Int32Array> {
      const [s, e] = checkRows(file, name, rows, start, stop);
      const n = (e - s) * rowSize;
      const storage = await source();
      if (n === 0) return decode(new Uint8Array(0), dtype, le, file, name);
      if (contiguous) {
        const first = shape.length === 0 ? offset : offset + s * (stride[0] as number);
        const bytes = await storage.read(first * size, n * size);
        return decode(bytes, dtype, le, file, name);
      }
      // the span of storage rows [s, e) touch, then an odometer over the view in C order
      let lo = offset + s * (stride[0] as number);
      let hi = offset + (e - 1) * (stride[0] as number);
      for (let k = 1; k < shape.length; k++) hi += ((shape[k] as number) - 1) * (stride[k] as number);
      if (lo > hi) [lo, hi] = [hi, lo];
      const raw = await storage.read(lo * size, (hi - lo + 1) * size);
      const span = new Uint8Array(raw.length);
      span.set(raw);
      const out = allocate(file, n * size);
      gather(span, out, size, [e - s, ...shape.slice(1)], stride, offset + s * (stride[0] as number) - lo);
      return decode(out, dtype, le, file, name);
    },
  };
}

/** Copies the view's elements (shape, stride, in elements; `base` the first one) from `span` into `out` in C order. */
function gather(span: Uint8Array, out: Uint8Array, size: number, shape: number[], stride: number[], base: number): void {
  const nd = shape.length;
  const words = size === 8 ? 2 : 1;
  const unit = size === 8 ? 4 : size;
  const mk = (b: Uint8Array): Uint8Array | Uint16Array | Uint32Array =>
    unit === 1
      ? b
      : unit === 2
        ? new Uint16Array(b.buffer, b.byteOffset, b.byteLength / 2)
        : new Uint32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  const from = mk(span);
  const to = mk(out);
  const idx = new Array<number>(nd).fill(0);
  const inner = shape[nd - 1] as number;
  const innerStride = (stride[nd - 1] as number) * words;
  let at = 0;
  let pos = base;
  for (;;) {
    let p = pos * words;
    for (let j = 0; j < inner; j++) {
      to[at++] = from[p] as number;
      if (words === 2) to[at++] = from[p + 1] as number;
      p += innerStride;
    }
    // advance the odometer over the outer dimensions
    let k = nd - 2;
    for (; k >= 0; k--) {
      idx[k] = (idx[k] as number) + 1;
      pos += stride[k] as number;
      if ((idx[k] as number) < (shape[k] as number)) break;
      pos -= (idx[k] as number) * (stride[k] as number);
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}
