/**
 * The .npy preamble and header. The header is a Python dict literal; numpy reads it with
 * ast.literal_eval, we read it with a small parser that accepts the literals numpy writes
 * (strings, ints, True/False/None, tuples, lists, dicts) and rejects everything else.
 */
import { DType, ReaderError } from './types';

export const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const MAX_HEADER = 100 * 1024 * 1024;
const MAX_DEPTH = 16;

export interface NpyPreamble {
  major: number;
  minor: number;
  /** offset of the header text */
  headerStart: number;
  headerLength: number;
}

export function hasNpyMagic(b: Uint8Array): boolean {
  return NPY_MAGIC.every((m, i) => b[i] === m);
}

/** Parses the fixed bytes before the header; `head` holds the first min(12, size) bytes. */
export function parseNpyPreamble(file: string, head: Uint8Array, size: number): NpyPreamble {
  if (head.length >= 6 && !hasNpyMagic(head)) throw new ReaderError(file, 'wrong magic: not a .npy file (expected "\\x93NUMPY")');
  if (head.length < 10) throw new ReaderError(file, `truncated file: ${size} bytes, too short for a .npy preamble`);
  if (!hasNpyMagic(head)) throw new ReaderError(file, 'wrong magic: not a .npy file (expected "\\x93NUMPY")');
  const major = head[6] as number;
  const minor = head[7] as number;
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) {
    throw new ReaderError(file, `unsupported .npy version ${major}.${minor}`);
  }
  const dv = new DataView(head.buffer, head.byteOffset, head.length);
  let headerStart: number;
  let headerLength: number;
  if (major === 1) {
    headerStart = 10;
    headerLength = dv.getUint16(8, true);
  } else {
    if (head.length < 12) throw new ReaderError(file, `truncated file: ${size} bytes, too short for a .npy ${major}.0 preamble`);
    headerStart = 12;
    headerLength = dv.getUint32(8, true);
  }
  if (headerLength > MAX_HEADER) throw new ReaderError(file, `header length ${headerLength} is over the 100 MB limit`);
  if (headerStart + headerLength > size) {
    throw new ReaderError(file, `header length ${headerLength} runs past the end of the file (${size} bytes)`);
  }
  return { major, minor, headerStart, headerLength };
}

/** An integer literal past 2^53 - 1 stays a bigint, so the shape check can say what is wrong with it. */
type PyValue = string | number | bigint | boolean | null | PyValue[] | { tuple: PyValue[] } | Map<string, PyValue>;

class PyLiteralParser {
  private i = 0;
  constructor(
    private readonly s: string,
    private readonly file: string,
  ) {}

  fail(what: string): never {
    throw new ReaderError(this.file, `header is not a valid .npy header: ${what} at character ${this.i}`);
  }

  ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i] as string)) this.i++;
  }

  eat(c: string): boolean {
    this.ws();
    if (this.s[this.i] === c) {
      this.i++;
      return true;
    }
    return false;
  }

  parseTop(): PyValue {
    const v = this.value(0);
    this.ws();
    if (this.i !== this.s.length) this.fail('unexpected text after the dict');
    return v;
  }

  /** Items up to `close`, allowing a trailing comma as Python does; says whether there was one. */
  items(close: string, item: () => void): { n: number; trailing: boolean } {
    let n = 0;
    if (this.eat(close)) return { n, trailing: false };
    for (;;) {
      item();
      n++;
      if (this.eat(close)) return { n, trailing: false };
      if (!this.eat(',')) this.fail(`expected "," or "${close}"`);
      if (this.eat(close)) return { n, trailing: true };
    }
  }

  value(depth: number): PyValue {
    if (depth > MAX_DEPTH) this.fail('nested too deeply');
    this.ws();
    const c = this.s[this.i];
    if (c === undefined) this.fail('unexpected end');
    if (c === '{') {
      this.i++;
      const m = new Map<string, PyValue>();
      this.items('}', () => {
        const k = this.value(depth + 1);
        if (typeof k !== 'string') this.fail('dict key is not a string');
        if (!this.eat(':')) this.fail('expected ":"');
        if (m.has(k)) this.fail(`duplicate key "${k}"`);
        m.set(k, this.value(depth + 1));
      });
      return m;
    }
    if (c === '(' || c === '[') {
      this.i++;
      const close = c === '(' ? ')' : ']';
      const arr: PyValue[] = [];
      const { n, trailing } = this.items(close, () => {
        arr.push(this.value(depth + 1));
      });
      // "(3)" is just 3 in Python; only "(3,)" is a one-element tuple.
      if (c === '(' && n === 1 && !trailing) return arr[0] as PyValue;
      return c === '(' ? { tuple: arr } : arr;
    }
    if (c === "'" || c === '"') return this.str(c);
    const m = /^(-?\d+)L?|^(True|False|None)\b/.exec(this.s.slice(this.i, this.i + 40));
    if (!m) this.fail('unexpected character');
    this.i += m[0].length;
    if (m[2] === 'True') return true;
    if (m[2] === 'False') return false;
    if (m[2] === 'None') return null;
    const n = Number(m[1]);
    return Number.isSafeInteger(n) ? n : BigInt(m[1] as string);
  }

  str(q: string): string {
    this.i++;
    let out = '';
    for (;;) {
      const c = this.s[this.i++];
      if (c === undefined) this.fail('unterminated string');
      if (c === q) return out;
      if (c === '\n') this.fail('newline in string');
      if (c === '\\') {
        const e = this.s[this.i++];
        const map: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t' };
        const r = e === undefined ? undefined : map[e];
        if (r === undefined) this.fail('unsupported escape in string');
        out += r;
      } else {
        out += c;
      }
    }
  }
}

export interface NpyDict {
  /** a type string such as "<f4"; anything else (a structured list, a number) is refused by parseDescr */
  descr: PyValue;
  fortranOrder: boolean;
  shape: number[];
}

/** A header value as Python would print it (for messages), cut to a readable length. */
function pyRepr(v: PyValue, max = 80): string {
  const r = (x: PyValue): string => {
    if (typeof x === 'string') return `'${x}'`;
    if (typeof x === 'bigint' || typeof x === 'number') return String(x);
    if (x === null) return 'None';
    if (typeof x === 'boolean') return x ? 'True' : 'False';
    if (Array.isArray(x)) return `[${x.map(r).join(', ')}]`;
    if (x instanceof Map) return `{${[...x].map(([k, val]) => `'${k}': ${r(val)}`).join(', ')}}`;
    return x.tuple.length === 1 ? `(${r(x.tuple[0] as PyValue)},)` : `(${x.tuple.map(r).join(', ')})`;
  };
  const s = r(v);
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}

/** 2^53: above it a float64 no longer counts every integer, so element and byte counts stop being exact. */
const TWO_53 = 2n ** 53n;

/**
 * The shape tuple as numbers, with the rule broken when it cannot be one: a non-integer, a
 * negative dimension, a dimension or an element count past 2^53 (not representable exactly).
 */
function parseShape(file: string, shape: PyValue): number[] {
  const bad: (why: string) => never = (why) => {
    throw new ReaderError(file, `header is not a valid .npy header: shape ${why}`);
  };
  if (!(shape && typeof shape === 'object' && 'tuple' in shape)) bad(`is not a tuple: ${pyRepr(shape)}`);
  const dims: number[] = [];
  let product = 1n;
  for (const d of (shape as { tuple: PyValue[] }).tuple) {
    if (typeof d !== 'number' && typeof d !== 'bigint')
      bad(`${pyRepr(shape)} holds ${pyRepr(d, 30)}: dimensions must be non-negative integers`);
    if (d < 0) bad(`${pyRepr(shape)} holds ${String(d)}: dimensions must be non-negative integers`);
    if (typeof d === 'bigint') bad(`${pyRepr(shape)} has dimension ${d}, more than can be represented (over 2^53 - 1)`);
    dims.push(d as number);
    product *= BigInt(d as number);
  }
  if (product > TWO_53) bad(`${pyRepr(shape)} has ${product} elements, more than can be represented (over 2^53)`);
  return dims;
}

export function parseNpyDict(file: string, text: string): NpyDict {
  const v = new PyLiteralParser(text, file).parseTop();
  if (!(v instanceof Map)) throw new ReaderError(file, 'header is not a valid .npy header: not a dict');
  const keys = [...v.keys()].sort().join(',');
  if (keys !== 'descr,fortran_order,shape') {
    throw new ReaderError(
      file,
      `header is not a valid .npy header: keys are {${[...v.keys()].join(', ')}}, expected descr, fortran_order, shape`,
    );
  }
  const fortran = v.get('fortran_order');
  if (typeof fortran !== 'boolean') throw new ReaderError(file, 'header is not a valid .npy header: fortran_order is not True or False');
  return { descr: v.get('descr') as PyValue, fortranOrder: fortran, shape: parseShape(file, v.get('shape') as PyValue) };
}

const DESCR_TYPES: Record<string, DType> = {
  f2: 'float16',
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  i2: 'int16',
  i4: 'int32',
  i8: 'int64',
  u1: 'uint8',
  u2: 'uint16',
  u4: 'uint32',
  u8: 'uint64',
  b1: 'bool',
};

/** What a numpy type character means, for the kinds we cannot read. */
const UNREADABLE_KINDS: Record<string, string> = {
  U: 'Unicode strings, not a numeric array',
  S: 'byte strings, not a numeric array',
  a: 'byte strings, not a numeric array',
  O: 'pickled Python objects, which are never unpickled',
  V: 'raw bytes (numpy void), not a numeric array',
  c: 'complex numbers are not supported',
  M: 'datetime64 values are not supported',
  m: 'timedelta64 values are not supported',
};

/** Why a type string is not one we read: the rule it breaks, in words. */
function descrProblem(descr: string): string {
  const m = /^([<>|=]?)([a-zA-Z?])(\d*)(\[\w+\])?$/.exec(descr);
  if (!m) return 'not a numpy type string (byte order, kind, item size, e.g. "<f4")';
  const [, order, kind, size] = m as unknown as [string, string, string, string];
  const why = UNREADABLE_KINDS[kind];
  if (why) return why;
  if (kind === 'f' && size === '16') return 'float128 (long double) is not supported';
  if (kind === 'f' || kind === 'i' || kind === 'u' || kind === 'b' || kind === '?') {
    if (order === '') return 'no byte-order character; numpy writes "<", ">" or "|"';
    if (order === '=') return 'native byte order "=" is ambiguous in a file; numpy writes "<" or ">"';
    if (order === '|') return 'a multi-byte type without a byte order ("|" is for one-byte types)';
    return `item size ${size || '(none)'} is not supported for kind "${kind}"`;
  }
  return `type kind "${kind}" is not a numeric type`;
}

/** A descr that is not a plain type string: a structured dtype (a list of fields) or anything else. */
function nonStringDescr(descr: PyValue): string {
  if (Array.isArray(descr)) {
    const names = descr.map((f) => (f && typeof f === 'object' && 'tuple' in f && typeof f.tuple[0] === 'string' ? f.tuple[0] : '?'));
    return `a structured dtype with fields ${pyRepr(names, 60)}, not a plain numeric array`;
  }
  return `descr ${pyRepr(descr, 60)} is not a numpy type string`;
}

export function parseDescr(file: string, descr: PyValue): { dtype: DType; littleEndian: boolean } {
  if (typeof descr !== 'string') throw new ReaderError(file, `unsupported dtype: ${nonStringDescr(descr)}`);
  const m = /^([<>|])([a-z]\d+)$/.exec(descr);
  const dtype = m ? DESCR_TYPES[m[2] as string] : undefined;
  if (!m || !dtype) throw new ReaderError(file, `unsupported dtype "${descr}": ${descrProblem(descr)}`);
  const order = m[1];
  const oneByte = dtype === 'int8' || dtype === 'uint8' || dtype === 'bool';
  if (order === '|' && !oneByte) throw new ReaderError(file, `unsupported dtype "${descr}": ${descrProblem(descr)}`);
  return { dtype, littleEndian: order !== '>' };
}
