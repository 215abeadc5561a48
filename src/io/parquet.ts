/**
 * Parquet reader (embedding datasets: one list or fixed-size-list column per modality), over the
 * kept library hyparquet (pure JS; hyparquet-compressors adds gzip, zstd, brotli, lz4; snappy is
 * built in). hyparquet reads through an AsyncBuffer made over our ByteSource, so it asks only for
 * the byte ranges it needs: the footer when the file is opened, then, for `readRows(start, end)`,
 * the column chunks of the row groups that hold those rows (its own row-range reading).
 *
 * What each top-level column becomes:
 * - a list (or fixed-size list, which Arrow writes as a Parquet LIST) of float32, float64 or
 *   float16 with the same length d on every row: a 2-D entry N x d, a modality. d and the
 *   regularity are read from the footer (the values each row group holds, its null count), so
 *   listing reads no data; a row that still turns out to differ in length when read is a
 *   one-line ReaderError naming the row;
 * - a list column whose rows differ in length: skipped, with the first row that differs (found by
 *   reading the row groups whose counts do not add up, only for such a column);
 * - nulls in a modality column (a null row, or a null value inside a row): the entry is listed
 *   and reading the rows that hold one is a one-line ReaderError naming the column and the row;
 * - a numeric scalar column (integers, bool, floats): a 1-D entry, so `labels`/`y`/`split` and
 *   scores are there for whoever wants them. A column named `label` (integers) is listed as
 *   `labels` when no `labels` or `y` column exists, since that is the name labels are found by;
 * - everything else (strings, binary, timestamps, dates, decimals, structs, maps, lists of
 *   non-floats, lists of lists): in `Checkpoint.skipped` with what it is.
 *
 * Errors: hyparquet throws plain Errors (or worse) on a damaged file; each becomes a one-line
 * ReaderError naming the file. A folder of epoch_*.parquet files is not a run yet (src/io/run.ts
 * lists the other formats only).
 */
import type { AsyncBuffer, ColumnData, FileMetaData, SchemaElement, SchemaTree } from 'hyparquet';

/**
 * hyparquet and its decompressors, loaded with the first Parquet file: setting up the decompressors
 * (brotli's dictionary, the Huffman tables) took 9-13 ms of every CLI start, Parquet or not.
 */
let library: Promise<{ hp: typeof import('hyparquet'); compressors: typeof import('hyparquet-compressors').compressors }> | undefined;
const parquetLibrary = (): NonNullable<typeof library> =>
  (library ??= Promise.all([import('hyparquet'), import('hyparquet-compressors')]).then(([hp, c]) => ({ hp, compressors: c.compressors })));
import { ArrayEntry, ByteSource, Checkpoint, DType, ReaderError, SkippedEntry } from './types';
import { isFresh } from './byteSource';
import { checkRows } from './rows';
import { brief, normalizeMetadata } from './metadata';

const MAGIC = [0x50, 0x41, 0x52, 0x31]; // "PAR1"
const ENCRYPTED_MAGIC = [0x50, 0x41, 0x52, 0x45]; // "PARE"
/** Footer bytes fetched first: one read covers the metadata of most files. */
const INITIAL_FETCH = 1 << 16;
/** Key-value metadata not copied into Checkpoint.metadata: schemas the writers embed (large, not about the data). */
const SCHEMA_KEYS = new Set(['ARROW:schema', 'pandas', 'huggingface', 'org.apache.spark.sql.parquet.row.metadata']);

const q = (s: string): string => JSON.stringify(s);

export function hasParquetMagic(head: Uint8Array): boolean {
  return head.length >= 4 && MAGIC.every((b, i) => head[i] === b);
}

/** hyparquet's file interface over a ByteSource: each slice is one ranged read. */
export function asyncBufferOf(src: ByteSource): AsyncBuffer {
  const read = async (start: number, end?: number): Promise<ArrayBuffer> => {
    const e = Math.max(0, Math.min(end ?? src.size, src.size));
    const s = Math.max(0, Math.min(start, e));
    const b = await src.read(s, e - s);
    return isFresh(b) ? (b.buffer as ArrayBuffer) : b.slice().buffer;
  };
  return {
    byteLength: src.size,
    slice(start: number, end?: number): Promise<ArrayBuffer> {
      const p = read(start, end);
      // hyparquet prefetches slices it may never await when another part of the read fails
      // first: a failed prefetch must not become an unhandled rejection (which ends the process);
      // whoever awaits it still gets the error
      p.catch(() => undefined);
      return p;
    },
  };
}

/** Anything hyparquet (or a decompressor) throws, as one line naming the file; our own errors pass. */
function wrap(file: string, what: string, e: unknown): ReaderError {
  if (e instanceof ReaderError) return e;
  if (e instanceof RangeError && /allocat|Array buffer|Invalid typed array length|Invalid array length/i.test(e.message)) {
    return new ReaderError(file, `${what}: the file declares more data than can be held in memory (damaged file?)`);
  }
  return new ReaderError(file, `${what}: ${brief(e)}`);
}

// ---------------------------------------------------------------------------------------------
// schema: what each top-level column is

type Kind =
  | { kind: 'list'; leaf: SchemaTree; dtype: 'float32' | 'float64' | 'float16' }
  | { kind: 'scalar'; leaf: SchemaTree; dtype: DType }
  | { kind: 'skip'; reason: string };

function logicalName(el: SchemaElement): string | undefined {
  return el.logical_type?.type ?? el.converted_type;
}

/** A primitive's dtype, or what it is when it is not a number this reader returns. */
function primitiveType(el: SchemaElement): { dtype: DType } | { what: string } {
  const lt = el.logical_type;
  const ct = el.converted_type;
  switch (el.type) {
    case 'BOOLEAN':
      return { dtype: 'bool' };
    case 'FLOAT':
      return { dtype: 'float32' };
    case 'DOUBLE':
      return { dtype: 'float64' };
    case 'INT32':
    case 'INT64': {
      const wide = el.type === 'INT64';
      if (lt?.type === 'INTEGER') {
        const bits = lt.bitWidth;
        const signed = lt.isSigned;
        const d = `${signed ? 'int' : 'uint'}${bits}`;
        if (['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'].includes(d)) return { dtype: d as DType };
        return { what: `${bits}-bit integer` };
      }
      if (lt || (ct && !/^U?INT_/.test(ct))) return { what: `${(logicalName(el) ?? '').toLowerCase()} (${el.type})` };
      if (ct) return { dtype: ct.replace(/^U?INT_/, (m) => (m === 'UINT_' ? 'uint' : 'int')) as DType };
      return { dtype: wide ? 'int64' : 'int32' };
    }
    case 'FIXED_LEN_BYTE_ARRAY':
      if (lt?.type === 'FLOAT16' && el.type_length === 2) return { dtype: 'float16' };
      return { what: `fixed-length binary${logicalName(el) ? ` (${logicalName(el)?.toLowerCase()})` : ''}` };
    case 'BYTE_ARRAY': {
      const n = logicalName(el);
      if (n === 'STRING' || n === 'UTF8' || n === 'ENUM') return { what: 'string' };
      return { what: n ? n.toLowerCase() : 'binary' };
    }
    case 'INT96':
      return { what: 'INT96 timestamp' };
    default:
      return { what: `physical type ${String(el.type)}` };
  }
}

function leaves(t: SchemaTree): SchemaTree[] {
  return t.children.length === 0 ? [t] : t.children.flatMap(leaves);
}

function classify(t: SchemaTree): Kind {
  const el = t.element;
  if (t.children.length === 0) {
    const p = primitiveType(el);
    if (el.repetition_type === 'REPEATED') {
      // a bare repeated field is a one-level list
      if ('dtype' in p && (p.dtype === 'float32' || p.dtype === 'float64' || p.dtype === 'float16'))
        return { kind: 'list', leaf: t, dtype: p.dtype };
      return {
        kind: 'skip',
        reason: `list of ${'dtype' in p ? p.dtype : p.what} values: only lists of float32, float64 or float16 are modalities`,
      };
    }
    if ('dtype' in p) return { kind: 'scalar', leaf: t, dtype: p.dtype };
    return { kind: 'skip', reason: `${p.what} column: not a numeric array` };
  }
  const name = logicalName(el);
  if (name === 'MAP' || name === 'MAP_KEY_VALUE') return { kind: 'skip', reason: 'map column: not a numeric array' };
  const ls = leaves(t);
  if (ls.length !== 1) {
    const isList = name === 'LIST';
    const fields = ls
      .slice(0, 4)
      .map((l) => l.path.slice(1).join('.'))
      .join(', ');
    return {
      kind: 'skip',
      reason: `${isList ? 'list of structs' : 'struct column'} (fields ${fields}${ls.length > 4 ? ', ...' : ''}): not a numeric array`,
    };
  }
  const leaf = ls[0] as SchemaTree;
  // how many repeated levels lie between the column and its value: 1 is a list, 0 a struct
  let repeated = 0;
  let node: SchemaTree = t;
  for (;;) {
    if (node.element.repetition_type === 'REPEATED') repeated++;
    if (node.children.length === 0) break;
    node = node.children[0] as SchemaTree;
  }
  if (repeated === 0) return { kind: 'skip', reason: `struct column (field ${leaf.path.slice(1).join('.')}): not a numeric array` };
  if (repeated > 1) return { kind: 'skip', reason: 'nested list (a list of lists): not an N x d array' };
  const p = primitiveType(leaf.element);
  if ('dtype' in p && (p.dtype === 'float32' || p.dtype === 'float64' || p.dtype === 'float16'))
    return { kind: 'list', leaf, dtype: p.dtype };
  return {
    kind: 'skip',
    reason: `list of ${'dtype' in p ? p.dtype : p.what} values: only lists of float32, float64 or float16 are modalities`,
  };
}

// ---------------------------------------------------------------------------------------------
// reading rows

interface Ctx {
  src: ByteSource;
  file: string;
  buffer: AsyncBuffer;
  metadata: FileMetaData;
  rows: number;
}

/** Calls back with every chunk of one column overlapping rows [s, e); throws after the read if the read failed. */
async function readColumn(ctx: Ctx, column: string, s: number, e: number, each: (chunk: ColumnData) => void): Promise<void> {
  // onChunk runs inside hyparquet's promise handlers, where a throw would be lost: keep the first
  // problem and throw it once the read has finished
  let problem: unknown;
  const { hp, compressors } = await parquetLibrary();
  try {
    await hp.parquetRead({
      file: ctx.buffer,
      metadata: ctx.metadata,
      columns: [column],
      rowStart: s,
      rowEnd: e,
      compressors,
      utf8: false,
      onChunk(chunk) {
        if (problem !== undefined || chunk.columnName !== column) return;
        try {
          each(chunk);
        } catch (err) {
          problem = err;
        }
      },
    });
  } catch (err) {
    throw wrap(ctx.file, `column ${q(column)}: cannot read rows ${s}..${e}`, err);
  }
  if (problem !== undefined) throw wrap(ctx.file, `column ${q(column)}: cannot read rows ${s}..${e}`, problem);
}

/** Rows [s, e) of a list column as a row-major typed array, every row checked: no null, d values. */
async function readListRows(
  ctx: Ctx,
  column: string,
  dtype: 'float32' | 'float64' | 'float16',
  d: number,
  s: number,
  e: number,
): Promise<Float32Array | Float64Array> {
  const n = e - s;
  let out: Float32Array | Float64Array;
  try {
    out = dtype === 'float64' ? new Float64Array(n * d) : new Float32Array(n * d);
  } catch {
    throw new ReaderError(ctx.file, `column ${q(column)}: cannot hold ${n} x ${d} values in memory at once; read fewer rows at a time`);
  }
  if (n === 0) return out;
  let filled = 0;
  await readColumn(ctx, column, s, e, (chunk) => {
    const data = chunk.columnData as ArrayLike<unknown>;
    const from = Math.max(s, chunk.rowStart);
    const to = Math.min(e, chunk.rowEnd);
    for (let r = from; r < to; r++) {
      const row = data[r - chunk.rowStart] as ArrayLike<unknown> | null | undefined;
      if (row === null || row === undefined) {
        throw new ReaderError(ctx.file, `column ${q(column)}: row ${r} is null; every row of a modality column needs ${d} values`);
      }
      if (row.length !== d) {
        throw new ReaderError(
          ctx.file,
          `column ${q(column)}: row ${r} has ${row.length} values, not ${d} like the others (the list column is ragged)`,
        );
      }
      const base = (r - s) * d;
      for (let k = 0; k < d; k++) {
        const v = row[k];
        if (typeof v !== 'number') {
          throw new ReaderError(
            ctx.file,
            `column ${q(column)}: row ${r} has a null value (at position ${k}); a modality column needs a number in every place`,
          );
        }
        out[base + k] = v;
      }
      filled++;
    }
  });
  if (filled !== n)
    throw new ReaderError(ctx.file, `column ${q(column)}: the row groups gave ${filled} of rows ${s}..${e} (damaged file?)`);
  return out;
}

/** Rows [s, e) of a scalar numeric column: floats in their width, integers and bool as int32 (checked). */
async function readScalarRows(
  ctx: Ctx,
  column: string,
  dtype: DType,
  s: number,
  e: number,
): Promise<Float32Array | Float64Array | Int32Array> {
  const n = e - s;
  const out =
    dtype === 'float64' ? new Float64Array(n) : dtype === 'float32' || dtype === 'float16' ? new Float32Array(n) : new Int32Array(n);
  if (n === 0) return out;
  const isInt = out instanceof Int32Array;
  let filled = 0;
  await readColumn(ctx, column, s, e, (chunk) => {
    const data = chunk.columnData as ArrayLike<unknown>;
    const from = Math.max(s, chunk.rowStart);
    const to = Math.min(e, chunk.rowEnd);
    for (let r = from; r < to; r++) {
      const v = data[r - chunk.rowStart];
      let x: number;
      if (typeof v === 'number') x = v;
      else if (typeof v === 'bigint') x = Number(v);
      else if (typeof v === 'boolean') x = v ? 1 : 0;
      else if (v === null || v === undefined) throw new ReaderError(ctx.file, `column ${q(column)}: row ${r} is null`);
      else throw new ReaderError(ctx.file, `column ${q(column)}: row ${r} is not a number`);
      if (isInt && (!Number.isInteger(x) || x < -2147483648 || x > 2147483647)) {
        throw new ReaderError(
          ctx.file,
          `column ${q(column)}: row ${r} is ${String(v)}, outside the int32 range that labels and splits are read in`,
        );
      }
      out[r - s] = x;
      filled++;
    }
  });
  if (filled !== n)
    throw new ReaderError(ctx.file, `column ${q(column)}: the row groups gave ${filled} of rows ${s}..${e} (damaged file?)`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// list columns: the row length d and its regularity, from the footer

function samePath(a: string[] | undefined, b: string[]): boolean {
  return !!a && a.length === b.length && a.every((x, i) => x === b[i]);
}

type ListShape = { d: number } | { skip: string };

/**
 * d from the footer: every row group must hold rows x d values and no null or empty slot. When it
 * does not, the row groups that do not add up are read to tell a ragged column (skipped) from one
 * with nulls (listed; reading a null is an error naming its row).
 */
async function listShape(ctx: Ctx, column: string, leaf: SchemaTree): Promise<ListShape> {
  const groups = ctx.metadata.row_groups.map((rg, i) => {
    const chunk = rg.columns.find((c) => samePath(c.meta_data?.path_in_schema, leaf.path));
    if (!chunk?.meta_data)
      throw new ReaderError(ctx.file, `row group ${i} has no column chunk for ${q(leaf.path.join('.'))} (damaged file?)`);
    const nulls = chunk.meta_data.statistics?.null_count;
    return {
      rows: Number(rg.num_rows),
      values: Number(chunk.meta_data.num_values),
      nulls: nulls === undefined ? undefined : Number(nulls),
    };
  });
  const first = groups.find((g) => g.rows > 0);
  if (!first) return { d: 0 };
  // a file without statistics: the counts alone (a null element inside a row is found when read)
  const fits = (g: { rows: number; values: number; nulls?: number }, d: number): boolean => g.values === g.rows * d && !g.nulls;
  const d = first.values / first.rows;
  const wholeD = Number.isSafeInteger(d) && d > 0 && Number.isSafeInteger(ctx.rows * d);
  if (wholeD && groups.every((g) => g.rows === 0 || fits(g, d))) return { d };
  // read what does not add up: the first non-null row gives d, then the first row that differs
  let ref: { row: number; d: number } | undefined =
    wholeD && fits(first, d) ? { row: groups.slice(0, groups.indexOf(first)).reduce((a, g) => a + g.rows, 0), d } : undefined;
  let ragged: string | undefined;
  let start = 0;
  for (const g of groups) {
    const s = start;
    start += g.rows;
    if (g.rows === 0 || (ref && fits(g, ref.d))) continue;
    await readColumn(ctx, column, s, s + g.rows, (chunk) => {
      const data = chunk.columnData as ArrayLike<unknown>;
      for (let r = Math.max(s, chunk.rowStart); r < Math.min(s + g.rows, chunk.rowEnd) && !ragged; r++) {
        const row = data[r - chunk.rowStart] as ArrayLike<unknown> | null | undefined;
        if (row === null || row === undefined) continue;
        if (!ref) ref = { row: r, d: row.length };
        else if (row.length !== ref.d)
          ragged = `rows differ in length (row ${r} has ${row.length} values, row ${ref.row} has ${ref.d}): not an N x d array`;
      }
    });
    if (ragged) return { skip: ragged };
  }
  if (!ref) return { skip: 'every row is null' };
  if (ref.d === 0) return { skip: 'every row is an empty list' };
  if (!Number.isSafeInteger(ctx.rows * ref.d)) return { skip: `${ctx.rows} rows of ${ref.d} values are more than can be addressed` };
  return { d: ref.d };
}

// ---------------------------------------------------------------------------------------------

async function readFooter(src: ByteSource): Promise<{ buffer: AsyncBuffer; metadata: FileMetaData }> {
  const file = src.name;
  if (src.size < 12)
    throw new ReaderError(file, `truncated file: ${src.size} bytes, too short for Parquet (magic, footer length and magic take 12)`);
  const head = await src.read(0, 4);
  if (!hasParquetMagic(head)) throw new ReaderError(file, 'wrong magic: not a Parquet file (expected "PAR1")');
  const tail = await src.read(src.size - 4, 4);
  if (ENCRYPTED_MAGIC.every((b, i) => tail[i] === b))
    throw new ReaderError(file, 'encrypted Parquet footer ("PARE"): encrypted files are not supported');
  if (!hasParquetMagic(tail)) throw new ReaderError(file, 'truncated or damaged Parquet file: it does not end with "PAR1"');
  const buffer = asyncBufferOf(src);
  let metadata: FileMetaData;
  try {
    metadata = await (await parquetLibrary()).hp.parquetMetadataAsync(buffer, { initialFetchSize: INITIAL_FETCH, geoparquet: false });
  } catch (e) {
    throw wrap(file, 'cannot read the Parquet footer', e);
  }
  return { buffer, metadata };
}

export async function readParquet(src: ByteSource): Promise<Checkpoint> {
  const file = src.name;
  const { buffer, metadata } = await readFooter(src);
  let total = 0;
  for (const [i, rg] of metadata.row_groups.entries()) {
    const n = Number(rg.num_rows);
    if (!Number.isSafeInteger(n) || n < 0) throw new ReaderError(file, `row group ${i} declares ${String(rg.num_rows)} rows`);
    total += n;
  }
  if (!Number.isSafeInteger(total) || BigInt(total) !== BigInt(metadata.num_rows)) {
    throw new ReaderError(file, `the footer says ${String(metadata.num_rows)} rows but its row groups hold ${total} (damaged file?)`);
  }
  const ctx: Ctx = { src, file, buffer, metadata, rows: total };
  let schema: SchemaTree;
  const { hp } = await parquetLibrary();
  try {
    schema = hp.parquetSchema(metadata);
  } catch (e) {
    throw wrap(file, 'cannot read the Parquet schema', e);
  }

  const entries: ArrayEntry[] = [];
  const skipped: SkippedEntry[] = [];
  const names = new Set(schema.children.map((c) => c.element.name));
  const labelAlias = !names.has('labels') && !names.has('y');
  for (const col of schema.children) {
    const column = col.element.name;
    let kind: Kind;
    try {
      kind = classify(col);
    } catch (e) {
      throw wrap(file, `column ${q(column)}: cannot read its schema`, e);
    }
    if (kind.kind === 'skip') {
      skipped.push({ name: column, reason: kind.reason });
      continue;
    }
    if (kind.kind === 'scalar') {
      const dtype = kind.dtype;
      const isInt = !dtype.startsWith('float');
      const name = column === 'label' && isInt && labelAlias ? 'labels' : column;
      entries.push({
        name,
        dtype,
        shape: [total],
        file,
        async readRows(start?: number, end?: number) {
          const [s, e] = checkRows(file, name, total, start, end);
          return readScalarRows(ctx, column, dtype, s, e);
        },
      });
      continue;
    }
    const shape = await listShape(ctx, column, kind.leaf);
    if ('skip' in shape) {
      skipped.push({ name: column, reason: shape.skip });
      continue;
    }
    const { d } = shape;
    const dtype = kind.dtype;
    entries.push({
      name: column,
      dtype,
      shape: [total, d],
      file,
      async readRows(start?: number, end?: number) {
        const [s, e] = checkRows(file, column, total, start, end);
        return readListRows(ctx, column, dtype, d, s, e);
      },
    });
  }

  const raw: Record<string, unknown> = {};
  for (const kv of metadata.key_value_metadata ?? []) {
    if (!SCHEMA_KEYS.has(kv.key) && kv.value !== undefined) raw[kv.key] = kv.value;
  }
  const cp: Checkpoint = { path: file, format: 'parquet', entries, metadata: normalizeMetadata(raw) };
  if (skipped.length) cp.skipped = skipped;
  return cp;
}
