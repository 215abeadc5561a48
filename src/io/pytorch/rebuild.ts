/**
 * What the unpickled object means: PyTorch's allowed rebuild functions interpreted by name
 * (torch/_utils.py `_rebuild_tensor_v2` and friends), and a walk that finds every tensor in
 * nested dicts, OrderedDicts, lists and tuples and names it by its path.
 *
 * Nothing here calls anything: a rebuild is read as (storage, offset, size, stride[, dtype]);
 * any other global is a record that is listed as skipped, never resolved.
 */
import { DType } from '../types';
import { PickleError, PyCall, PyDict, PyGlobal, PyList, PyPersistent, PyTuple, PyValue } from './pickle';

/** A storage element type: what torch calls it, its size, and the DType it decodes to (or why not). */
export interface ElemType {
  torch: string;
  itemsize: number;
  dtype?: DType;
  skip?: string;
}

const e = (torch: string, itemsize: number, dtype?: DType, skip?: string): ElemType => ({ torch, itemsize, dtype, skip });

/** Legacy typed storage classes (torch.FloatStorage, ...). */
export const STORAGE_TYPES: Record<string, ElemType> = {
  DoubleStorage: e('float64', 8, 'float64'),
  FloatStorage: e('float32', 4, 'float32'),
  HalfStorage: e('float16', 2, 'float16'),
  BFloat16Storage: e('bfloat16', 2, 'bfloat16'),
  LongStorage: e('int64', 8, 'int64'),
  IntStorage: e('int32', 4, 'int32'),
  ShortStorage: e('int16', 2, 'int16'),
  CharStorage: e('int8', 1, 'int8'),
  ByteStorage: e('uint8', 1, 'uint8'),
  BoolStorage: e('bool', 1, 'bool'),
  ComplexFloatStorage: e('complex64', 8, undefined, 'complex64 tensors are not supported'),
  ComplexDoubleStorage: e('complex128', 16, undefined, 'complex128 tensors are not supported'),
  QInt8Storage: e('qint8', 1, undefined, 'quantized tensors (qint8) are not supported'),
  QUInt8Storage: e('quint8', 1, undefined, 'quantized tensors (quint8) are not supported'),
  QInt32Storage: e('qint32', 4, undefined, 'quantized tensors (qint32) are not supported'),
  QUInt4x2Storage: e('quint4x2', 1, undefined, 'quantized tensors (quint4x2) are not supported'),
  QUInt2x4Storage: e('quint2x4', 1, undefined, 'quantized tensors (quint2x4) are not supported'),
};

/** torch dtypes (as pickled: GLOBAL torch <name>), for _rebuild_tensor_v3 over an UntypedStorage. */
const DTYPES: Record<string, ElemType> = {
  float64: e('float64', 8, 'float64'),
  double: e('float64', 8, 'float64'),
  float32: e('float32', 4, 'float32'),
  float: e('float32', 4, 'float32'),
  float16: e('float16', 2, 'float16'),
  half: e('float16', 2, 'float16'),
  bfloat16: e('bfloat16', 2, 'bfloat16'),
  int64: e('int64', 8, 'int64'),
  long: e('int64', 8, 'int64'),
  int32: e('int32', 4, 'int32'),
  int: e('int32', 4, 'int32'),
  int16: e('int16', 2, 'int16'),
  short: e('int16', 2, 'int16'),
  int8: e('int8', 1, 'int8'),
  uint8: e('uint8', 1, 'uint8'),
  bool: e('bool', 1, 'bool'),
  uint16: e('uint16', 2, 'uint16'),
  uint32: e('uint32', 4, 'uint32'),
  uint64: e('uint64', 8, 'uint64'),
  complex32: e('complex32', 4, undefined, 'complex32 tensors are not supported'),
  complex64: e('complex64', 8, undefined, 'complex64 tensors are not supported'),
  cfloat: e('complex64', 8, undefined, 'complex64 tensors are not supported'),
  complex128: e('complex128', 16, undefined, 'complex128 tensors are not supported'),
  cdouble: e('complex128', 16, undefined, 'complex128 tensors are not supported'),
};
for (const f8 of ['float8_e4m3fn', 'float8_e5m2', 'float8_e4m3fnuz', 'float8_e5m2fnuz', 'float8_e8m0fnu']) {
  DTYPES[f8] = e(f8, 1, undefined, `dtype ${f8} is not supported (float8)`);
}
DTYPES.float4_e2m1fn_x2 = e('float4_e2m1fn_x2', 1, undefined, 'dtype float4_e2m1fn_x2 is not supported (4-bit float)');
for (const q of ['qint8', 'quint8', 'quint4x2', 'quint2x4']) DTYPES[q] = e(q, 1, undefined, `quantized tensors (${q}) are not supported`);
DTYPES.qint32 = e('qint32', 4, undefined, 'quantized tensors (qint32) are not supported');

/** A storage as the pickle names it; the layout (zip or legacy) says where its bytes are. */
export interface StorageRef {
  key: string;
  /** null for an UntypedStorage (bytes): the tensor's dtype says how to read it */
  elem: ElemType | null;
  /** elements of `elem` (bytes when untyped) */
  numel: number;
  location: string;
  /** legacy format only: (view key, offset, size) of a storage view */
  view?: { key: string; offset: number; size: number };
}

export interface TensorRef {
  storage: StorageRef;
  elem: ElemType;
  /** in elements of `elem` */
  offset: number;
  shape: number[];
  stride: number[];
}

export type Interpreted = { tensor: TensorRef } | { skip: string } | null;

export type StorageResolver = (pid: PyValue) => StorageRef;

const q = (s: string): string => JSON.stringify(s);

function int(v: PyValue | undefined, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw new PickleError(`tensor ${what} is ${describe(v)}, not an integer`);
}

function ints(v: PyValue | undefined, what: string): number[] {
  if (!(v instanceof PyTuple || v instanceof PyList)) throw new PickleError(`tensor ${what} is ${describe(v)}, not a tuple of integers`);
  if (v.items.length > 64) throw new PickleError(`tensor ${what} has ${v.items.length} dimensions (at most 64)`);
  return v.items.map((x, k) => {
    const n = int(x, `${what}[${k}]`);
    if (n < 0) throw new PickleError(`tensor ${what}[${k}] is ${n}, negative`);
    return n;
  });
}

export function describe(v: PyValue | undefined): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'None';
  if (typeof v === 'string') return `the string ${q(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (v instanceof PyTuple) return `a tuple of ${v.items.length}`;
  if (v instanceof PyList) return `a list of ${v.items.length}`;
  if (v instanceof PyDict) return `a ${v.type}`;
  if (v instanceof PyGlobal) return v.full;
  if (v instanceof PyCall) return `a call of ${describe(v.callee)}`;
  if (v instanceof PyPersistent) return 'a persistent id';
  return 'a set';
}

/** Parses a zip or legacy storage pid: ('storage', type, key, location, numel[, view metadata]). */
export function storagePid(value: PyValue): StorageRef {
  if (!(value instanceof PyPersistent)) throw new PickleError(`tensor storage is ${describe(value)}, not a persistent storage id`);
  const pid = value.pid;
  if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage' || pid.items.length < 5) {
    throw new PickleError(`refused: a persistent id that is not a storage (${describe(pid)})`);
  }
  const [, type, key, location, numel, view] = pid.items;
  if (!(type instanceof PyGlobal)) throw new PickleError(`storage type is ${describe(type)}, not a torch storage class`);
  let elem: ElemType | null;
  if (type.name === 'UntypedStorage' && (type.module === 'torch' || type.module === 'torch.storage')) elem = null;
  else if (type.module === 'torch' && STORAGE_TYPES[type.name]) elem = STORAGE_TYPES[type.name] as ElemType;
  else throw new PickleError(`storage type ${type.full} is not a torch storage class`);
  if (typeof key !== 'string' || key.length === 0 || key.length > 256)
    throw new PickleError(`storage key is ${describe(key)}, not a short string`);
  const ref: StorageRef = { key, elem, numel: int(numel, 'storage size'), location: typeof location === 'string' ? location : '?' };
  if (ref.numel < 0) throw new PickleError(`storage ${q(key)} has a negative size ${ref.numel}`);
  if (view instanceof PyTuple && view.items.length === 3) {
    const [vk, off, size] = view.items;
    if (typeof vk !== 'string') throw new PickleError('storage view key is not a string');
    ref.view = { key: vk, offset: int(off, 'storage view offset'), size: int(size, 'storage view size') };
  }
  return ref;
}

const REBUILD = 'torch._utils.';

/**
 * Reads a value as a tensor when it is one: the allowed rebuild functions by name, nn.Parameter.
 * Anything that is a tensor but cannot be read (sparse, quantized, meta, complex, float8) is a skip.
 */
export function interpret(v: PyValue, storage: StorageResolver, depth = 0): Interpreted {
  if (!(v instanceof PyCall) || !(v.callee instanceof PyGlobal)) return null;
  if (v.result !== undefined) return v.result as Interpreted;
  if (depth > 8) throw new PickleError('tensor rebuild calls nested more than 8 deep');
  const f = v.callee.full;
  const a = v.args;
  let out: Interpreted = null;
  const inner = (x: PyValue | undefined): Interpreted => (x === undefined ? null : interpret(x, storage, depth + 1));
  switch (f) {
    case `${REBUILD}_rebuild_tensor`:
    case `${REBUILD}_rebuild_tensor_v2`:
    case `${REBUILD}_rebuild_tensor_v3`: {
      const ref = storage(a[0] as PyValue);
      let elem = ref.elem;
      if (f.endsWith('_v3')) {
        const dt = a[6];
        if (!(dt instanceof PyGlobal) || dt.module !== 'torch' || !DTYPES[dt.name]) {
          throw new PickleError(`tensor dtype is ${describe(dt)}, not a torch dtype`);
        }
        elem = DTYPES[dt.name] as ElemType;
      }
      if (!elem) throw new PickleError('a tensor over an untyped storage without a dtype');
      if (elem.skip) {
        out = { skip: elem.skip };
        break;
      }
      const shape = ints(a[2], 'size');
      const stride = ints(a[3], 'stride');
      if (stride.length !== shape.length)
        throw new PickleError(`tensor size has ${shape.length} dimensions but its stride has ${stride.length}`);
      out = { tensor: { storage: ref, elem, offset: int(a[1], 'storage offset'), shape, stride } };
      if (out.tensor.offset < 0) throw new PickleError(`tensor storage offset ${out.tensor.offset} is negative`);
      break;
    }
    case `${REBUILD}_rebuild_parameter`:
    case `${REBUILD}_rebuild_parameter_with_state`:
    case `${REBUILD}_rebuild_device_tensor_from_cpu_tensor`:
      out = inner(a[0]);
      break;
    case 'torch.nn.parameter.Parameter':
      out = v.how === 'NEWOBJ' || v.how === 'REDUCE' ? inner(a[0]) : null;
      break;
    case 'torch._tensor._rebuild_from_type_v2': {
      // (func, new_type, args, state): the tensor is func(*args)
      const fn = a[0];
      const args = a[2];
      if (fn instanceof PyGlobal && args instanceof PyTuple) out = inner(new PyCall(fn, args.items, 'REDUCE'));
      break;
    }
    case `${REBUILD}_rebuild_qtensor`:
      out = { skip: 'quantized tensors are not supported' };
      break;
    case `${REBUILD}_rebuild_sparse_tensor`: {
      const layout = a[0];
      const name =
        layout instanceof PyCall && typeof layout.args[0] === 'string'
          ? layout.args[0]
          : layout instanceof PyGlobal
            ? layout.full
            : 'sparse';
      out = { skip: `sparse tensors (${name}) are not supported` };
      break;
    }
    case `${REBUILD}_rebuild_meta_tensor_no_storage`:
      out = { skip: 'a meta tensor holds no data' };
      break;
    case `${REBUILD}_rebuild_wrapper_subclass`:
      out = { skip: 'tensor subclasses without storage (wrapper subclasses) are not supported' };
      break;
    case `${REBUILD}_rebuild_device_tensor_from_numpy`:
      out = { skip: 'tensors rebuilt from numpy arrays are not supported' };
      break;
    default:
      out = null;
  }
  v.result = out;
  return out;
}

/** Globals PyTorch's weights-only unpickler allows that are not tensors (torch.device, dtypes, layouts...). */
export function isAllowedGlobal(g: PyGlobal): boolean {
  const f = g.full;
  if (f.startsWith(REBUILD + '_rebuild_') || f === 'torch._tensor._rebuild_from_type_v2') return true;
  if (
    [
      'collections.OrderedDict',
      'collections.Counter',
      'torch.nn.parameter.Parameter',
      'torch.serialization._get_layout',
      'torch.Size',
      'torch.Tensor',
      'torch.device',
      '_codecs.encode',
      'builtins.bytearray',
      'builtins.set',
      'builtins.complex',
    ].includes(f)
  )
    return true;
  if (g.module === 'torch' && (DTYPES[g.name] || STORAGE_TYPES[g.name] || g.name.startsWith('per_') || /^u?int[1-7]$/.test(g.name)))
    return true;
  return false;
}
