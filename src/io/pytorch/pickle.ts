/**
 * A restricted pickle machine: it reads the opcodes PyTorch's weights-only unpickler reads
 * (torch/_weights_only_unpickler.py) and nothing else, and it never imports, calls or executes
 * anything. A GLOBAL becomes a PyGlobal naming it; REDUCE, NEWOBJ and BUILD only record what was
 * asked for (PyCall), so the allowed rebuild functions are interpreted afterwards, by name, in
 * rebuild.ts; any other global stays an inert record.
 *
 * Bounded on hostile input: every length is checked against the bytes left before anything is
 * allocated; the machine is one loop over the opcodes (no recursion), each opcode costs O(1) or
 * pops what earlier opcodes pushed, so time and memory are linear in the pickle's size; the memo
 * holds references (a memo bomb shares objects, it never copies them).
 *
 * Why not the npm package `pickleparser` (0.2.1): it implements every opcode of protocols 0-4
 * (INST, OBJ, EXT*, STACK_GLOBAL, ...) with no way to refuse one, builds dicts as plain objects
 * (a `__proto__` key reaches the prototype), calls a `__setstate__` found on the object, spreads
 * APPENDS items as call arguments (a long list overflows the stack) and reads LONG1 unsigned.
 * Confining it to the weights-only set would mean forking it, so this machine is ours: about
 * 300 lines, the allowed set only.
 */

/** Thrown for any malformed or refused pickle: the caller turns it into a ReaderError. */
export class PickleError extends Error {}

export class PyList {
  constructor(readonly items: PyValue[] = []) {}
}
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
/** dict, OrderedDict or Counter: keys in insertion order; a repeated key keeps its place and takes the new value. */
export class PyDict {
  readonly keys: PyValue[] = [];
  readonly values: PyValue[] = [];
  private readonly index = new Map<string, number>();
  constructor(readonly type: string = 'dict') {}
  set(k: PyValue, v: PyValue): void {
    const id = keyId(k);
    const at = id === null ? undefined : this.index.get(id);
    if (at !== undefined) {
      this.values[at] = v;
      return;
    }
    if (id !== null) this.index.set(id, this.keys.length);
    this.keys.push(k);
    this.values.push(v);
  }
  get(k: string): PyValue | undefined {
    const at = this.index.get(keyId(k) as string);
    return at === undefined ? undefined : this.values[at];
  }
}
/** A global named by the pickle (module.name): only a name, never resolved to anything. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get full(): string {
    return `${this.module}.${this.name}`;
  }
}
/** `callee(*args)` as REDUCE or NEWOBJ asked for it, never performed; BUILD's state is kept beside it. */
export class PyCall {
  state: PyValue | undefined;
  /** items SETITEM(S) / APPEND(S) put into the object, kept, never applied */
  dictItems: PyDict | undefined;
  listItems: PyList | undefined;
  /** what rebuild.ts made of it, once interpreted */
  result: unknown;
  constructor(
    readonly callee: PyValue,
    readonly args: PyValue[],
    readonly how: 'REDUCE' | 'NEWOBJ',
  ) {}
}
/** BINPERSID: a storage reference ('storage', type, key, location, numel[, view]). */
export class PyPersistent {
  constructor(readonly pid: PyValue) {}
}

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyList
  | PyTuple
  | PyDict
  | PyGlobal
  | PyCall
  | PyPersistent
  | { readonly set: PyValue[] };

function keyId(k: PyValue): string | null {
  if (typeof k === 'string') return `s${k}`;
  if (typeof k === 'number') return Number.isInteger(k) ? `i${k}` : `f${k}`;
  if (typeof k === 'bigint') return `i${k}`;
  if (typeof k === 'boolean') return `i${k ? 1 : 0}`;
  if (k === null) return 'n';
  return null;
}

/**
 * Modules PyTorch never allows even when a user allowlists them (sys, os, posix, nt), and others
 * whose only use in a pickle is to run something: asking for one refuses the whole file. Nothing
 * is imported either way; this only makes the message plain.
 */
const BLOCKED_MODULES = new Set([
  'sys',
  'os',
  'posix',
  'nt',
  'subprocess',
  'runpy',
  'importlib',
  'ctypes',
  'shutil',
  'socket',
  'pty',
  'code',
  'codeop',
  'pickle',
  '_pickle',
  'marshal',
  'webbrowser',
  'commands',
  'pdb',
  'platform',
  'multiprocessing',
]);
const BLOCKED_BUILTINS = new Set([
  'eval',
  'exec',
  'compile',
  '__import__',
  'getattr',
  'setattr',
  'delattr',
  'open',
  'input',
  'breakpoint',
  'globals',
  'locals',
  'vars',
  'apply',
  'execfile',
  'memoryview',
]);

function refuseBlocked(module: string, name: string, at: number): void {
  const root = module.split('.')[0] ?? module;
  const builtin = (module === 'builtins' || module === '__builtin__') && BLOCKED_BUILTINS.has(name);
  if (BLOCKED_MODULES.has(root) || builtin) {
    throw new PickleError(
      `refused: the pickle asks for ${module}.${name} (GLOBAL at byte ${at}), which can run code; nothing was imported or called`,
    );
  }
}

/** The few allowed constructors whose result other opcodes then fill (OrderedDict, Counter, set) or read (torch.Size). */
function construct(f: PyGlobal, args: PyValue[]): PyValue | null {
  switch (f.full) {
    case 'collections.OrderedDict':
    case 'collections.Counter': {
      const d = new PyDict(f.name);
      const init = args[0];
      if (init instanceof PyList || init instanceof PyTuple) {
        for (const kv of init.items)
          if (kv instanceof PyTuple && kv.items.length === 2) d.set(kv.items[0] as PyValue, kv.items[1] as PyValue);
      }
      return args.length <= 1 ? d : null;
    }
    case 'torch.Size': {
      const t = args[0];
      return t instanceof PyTuple || t instanceof PyList ? new PyTuple([...t.items]) : null;
    }
    case 'builtins.set':
      return { set: args[0] instanceof PyList ? [...args[0].items] : [] };
    default:
      return null;
  }
}

/** Names of the opcodes outside the allowed set, for the error message. */
const OTHER_OPS: Record<number, string> = {
  0x30: 'POP',
  0x31: 'POP_MARK',
  0x32: 'DUP',
  0x46: 'FLOAT',
  0x49: 'INT',
  0x4c: 'LONG',
  0x50: 'PERSID',
  0x53: 'STRING',
  0x54: 'BINSTRING',
  0x56: 'UNICODE',
  0x64: 'DICT',
  0x67: 'GET',
  0x69: 'INST',
  0x6c: 'LIST',
  0x6f: 'OBJ',
  0x70: 'PUT',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x8b: 'LONG4',
  0x8c: 'SHORT_BINUNICODE',
  0x8d: 'BINUNICODE8',
  0x8e: 'BINBYTES8',
  0x90: 'ADDITEMS',
  0x91: 'FROZENSET',
  0x92: 'NEWOBJ_EX',
  0x93: 'STACK_GLOBAL',
  0x94: 'MEMOIZE',
  0x95: 'FRAME',
  0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
  0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES',
};

export interface PickleResult {
  value: PyValue;
  /** offset just past STOP */
  end: number;
  protocol: number;
}

/** Signals that the buffer ended before STOP, so a caller holding only a prefix can read more. */
export class PickleTruncated extends PickleError {}

const utf8 = new TextDecoder('utf-8');
const latin1 = new TextDecoder('latin1');

/**
 * Runs one pickle from `start` in `b` to its STOP. `complete` says whether `b` holds everything
 * after `start` (a truncation is then the file's problem, not a short read).
 */
export function unpickle(b: Uint8Array, start = 0): PickleResult {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let p = start;
  let stack: PyValue[] = [];
  const metastack: PyValue[][] = [];
  const memo = new Map<number, PyValue>();
  let protocol = 0;

  const need = (n: number, what: string): void => {
    if (p + n > b.length) throw new PickleTruncated(`pickle ends inside ${what} at byte ${p} (needs ${n} more, ${b.length - p} left)`);
  };
  const pop = (op: string): PyValue => {
    if (stack.length === 0) throw new PickleError(`malformed pickle: ${op} at byte ${p - 1} on an empty stack`);
    return stack.pop() as PyValue;
  };
  const top = (op: string): PyValue => {
    if (stack.length === 0) throw new PickleError(`malformed pickle: ${op} at byte ${p - 1} on an empty stack`);
    return stack[stack.length - 1] as PyValue;
  };
  const popMark = (op: string): PyValue[] => {
    const items = stack;
    const prev = metastack.pop();
    if (!prev) throw new PickleError(`malformed pickle: ${op} at byte ${p - 1} without a MARK`);
    stack = prev;
    return items;
  };
  // An object of a class outside the allowed set may be filled like a dict or list (a dict
  // subclass such as Lightning's AttributeDict): the items are kept inertly beside the record.
  const listOf = (l: PyValue, opName: string): PyList => {
    if (l instanceof PyList) return l;
    if (l instanceof PyCall) return (l.listItems ??= new PyList());
    throw new PickleError(`refused: ${opName} at byte ${p - 1} to something that is not a list`);
  };
  const dictOf = (d: PyValue, opName: string): PyDict => {
    if (d instanceof PyDict) return d;
    if (d instanceof PyCall) return (d.dictItems ??= new PyDict());
    throw new PickleError(`refused: ${opName} at byte ${p - 1} on something that is not a dict`);
  };
  const line = (what: string): string => {
    const nl = b.indexOf(0x0a, p);
    if (nl < 0 || nl - p > 1024) {
      if (nl < 0) throw new PickleTruncated(`pickle ends inside ${what} at byte ${p}`);
      throw new PickleError(`malformed pickle: ${what} at byte ${p} is longer than 1024 bytes`);
    }
    const s = utf8.decode(b.subarray(p, nl));
    p = nl + 1;
    return s;
  };

  for (;;) {
    need(1, 'an opcode');
    const op = b[p++] as number;
    switch (op) {
      case 0x80: // PROTO
        need(1, 'PROTO');
        protocol = b[p++] as number;
        break;
      case 0x2e: {
        // STOP
        const v = pop('STOP');
        return { value: v, end: p, protocol };
      }
      case 0x28: // MARK
        metastack.push(stack);
        stack = [];
        break;
      case 0x4e:
        stack.push(null);
        break; // NONE
      case 0x88:
        stack.push(true);
        break; // NEWTRUE
      case 0x89:
        stack.push(false);
        break; // NEWFALSE
      case 0x29:
        stack.push(new PyTuple([]));
        break; // EMPTY_TUPLE
      case 0x5d:
        stack.push(new PyList());
        break; // EMPTY_LIST
      case 0x7d:
        stack.push(new PyDict());
        break; // EMPTY_DICT
      case 0x8f:
        stack.push({ set: [] });
        break; // EMPTY_SET
      case 0x4a: // BININT
        need(4, 'BININT');
        stack.push(dv.getInt32(p, true));
        p += 4;
        break;
      case 0x4b: // BININT1
        need(1, 'BININT1');
        stack.push(b[p++] as number);
        break;
      case 0x4d: // BININT2
        need(2, 'BININT2');
        stack.push(dv.getUint16(p, true));
        p += 2;
        break;
      case 0x47: // BINFLOAT (big-endian)
        need(8, 'BINFLOAT');
        stack.push(dv.getFloat64(p, false));
        p += 8;
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement
        need(1, 'LONG1');
        const n = b[p++] as number;
        need(n, 'LONG1');
        let v = 0n;
        for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[p + k] as number);
        if (n > 0 && (b[p + n - 1] as number) & 0x80) v -= 1n << BigInt(8 * n);
        p += n;
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x58: {
        // BINUNICODE
        need(4, 'BINUNICODE');
        const n = dv.getUint32(p, true);
        p += 4;
        if (n > b.length - p) {
          throw new PickleTruncated(`BINUNICODE at byte ${p - 5} declares ${n} bytes but only ${b.length - p} remain`);
        }
        stack.push(utf8.decode(b.subarray(p, p + n)));
        p += n;
        break;
      }
      case 0x55: {
        // SHORT_BINSTRING (bytes of a protocol-2 str: latin-1, as torch reads it)
        need(1, 'SHORT_BINSTRING');
        const n = b[p++] as number;
        need(n, 'SHORT_BINSTRING');
        stack.push(latin1.decode(b.subarray(p, p + n)));
        p += n;
        break;
      }
      case 0x71: {
        // BINPUT
        need(1, 'BINPUT');
        memo.set(b[p++] as number, top('BINPUT'));
        break;
      }
      case 0x72: {
        // LONG_BINPUT
        need(4, 'LONG_BINPUT');
        const i = dv.getUint32(p, true);
        p += 4;
        memo.set(i, top('LONG_BINPUT'));
        break;
      }
      case 0x68:
      case 0x6a: {
        // BINGET, LONG_BINGET
        const long = op === 0x6a;
        need(long ? 4 : 1, 'BINGET');
        const i = long ? dv.getUint32(p, true) : (b[p] as number);
        p += long ? 4 : 1;
        if (!memo.has(i)) throw new PickleError(`malformed pickle: memo entry ${i} read at byte ${p} was never stored`);
        stack.push(memo.get(i) as PyValue);
        break;
      }
      case 0x74: {
        // TUPLE (popMark replaces `stack`, so it runs before the push is looked up)
        const items = popMark('TUPLE');
        stack.push(new PyTuple(items));
        break;
      }
      case 0x85:
        stack.push(new PyTuple([pop('TUPLE1')]));
        break; // TUPLE1
      case 0x86: {
        // TUPLE2
        const y = pop('TUPLE2');
        const x = pop('TUPLE2');
        stack.push(new PyTuple([x, y]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const z = pop('TUPLE3');
        const y = pop('TUPLE3');
        const x = pop('TUPLE3');
        stack.push(new PyTuple([x, y, z]));
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop('APPEND');
        const l = top('APPEND');
        listOf(l, 'APPEND').items.push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark('APPENDS');
        const l = top('APPENDS');
        const target = listOf(l, 'APPENDS');
        for (const v of items) target.items.push(v);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop('SETITEM');
        const k = pop('SETITEM');
        const d = top('SETITEM');
        dictOf(d, 'SETITEM').set(k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark('SETITEMS');
        const d = top('SETITEMS');
        const target = dictOf(d, 'SETITEMS');
        if (items.length % 2) throw new PickleError(`malformed pickle: SETITEMS at byte ${p - 1} with an odd number of items`);
        for (let k = 0; k < items.length; k += 2) target.set(items[k] as PyValue, items[k + 1] as PyValue);
        break;
      }
      case 0x63: {
        // GLOBAL
        const module = line('GLOBAL');
        const name = line('GLOBAL');
        refuseBlocked(module, name, p);
        stack.push(new PyGlobal(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop('REDUCE');
        const f = pop('REDUCE');
        if (!(args instanceof PyTuple))
          throw new PickleError(`malformed pickle: REDUCE at byte ${p - 1} with arguments that are not a tuple`);
        if (!(f instanceof PyGlobal)) throw new PickleError(`refused: REDUCE at byte ${p - 1} calls something that is not a named global`);
        stack.push(construct(f, args.items) ?? new PyCall(f, args.items, 'REDUCE'));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop('NEWOBJ');
        const cls = pop('NEWOBJ');
        if (!(args instanceof PyTuple))
          throw new PickleError(`malformed pickle: NEWOBJ at byte ${p - 1} with arguments that are not a tuple`);
        if (!(cls instanceof PyGlobal)) throw new PickleError(`refused: NEWOBJ at byte ${p - 1} on something that is not a named class`);
        stack.push(new PyCall(cls, args.items, 'NEWOBJ'));
        break;
      }
      case 0x62: {
        // BUILD: kept beside the object, never applied
        const state = pop('BUILD');
        const inst = top('BUILD');
        if (inst instanceof PyCall) inst.state = state;
        else if (!(inst instanceof PyDict)) throw new PickleError(`refused: BUILD at byte ${p - 1} on something that is not an object`);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(new PyPersistent(pop('BINPERSID')));
        break;
      default: {
        const name = OTHER_OPS[op];
        throw new PickleError(
          name
            ? `refused: pickle opcode ${name} at byte ${p - 1} is outside the set PyTorch's weights-only unpickler allows`
            : `malformed pickle: unknown opcode 0x${op.toString(16).padStart(2, '0')} at byte ${p - 1}`,
        );
      }
    }
  }
}
