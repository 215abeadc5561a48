/**
 * PyTorch files (torch.save) read without running any code: `.pt`, `.pth`, `.bin`, `.ckpt`.
 *
 * - The zip format (PyTorch >= 1.6): `<stem>/data.pkl` (the object), `<stem>/data/<key>` (one
 *   member per storage, stored, 64-byte aligned, ZIP64 when large), `<stem>/byteorder`
 *   ("little" or "big"; little when absent). Members are read through src/io/zip.ts.
 * - The legacy format (`_use_new_zipfile_serialization=False`): five things back to back: a
 *   pickled magic number, the protocol version, system info (byte order), the object, the list
 *   of storage keys; then each storage's raw bytes, preceded by its element count (int64 LE),
 *   in the order of that list.
 *
 * The pickles go through the restricted machine in pickle.ts; tensors are found and named in
 * walk.ts; each tensor is checked against its storage when the file is opened (a storage or view
 * pointing past the archive fails the file), and read lazily by rows.
 */
import { ArrayEntry, ByteSource, Checkpoint, ReaderError, SkippedEntry } from '../types';
import { sliceByteSource } from '../byteSource';
import { ZipMember, listZip, memberSource } from '../zip';
import { normalizeMetadata } from '../metadata';
import { PickleError, PickleTruncated, PyCall, PyDict, PyList, PyPersistent, PyTuple, PyValue, unpickle } from './pickle';
import { StorageRef, storagePid } from './rebuild';
import { StorageBytes, tensorEntry } from './tensor';
import { walk } from './walk';

/** Resolves a persistent id to its storage, the first reference of each key kept (tied tensors share it). */
function storageRegistry(storages: Map<string, StorageRef>): (pid: PyValue) => StorageRef {
  return (pid) => {
    const ref = storagePid(pid);
    const prev = storages.get(ref.key);
    if (prev) return prev;
    storages.set(ref.key, ref);
    return ref;
  };
}

/** data.pkl (or the legacy object pickle) larger than this is refused: real ones are a few MB. */
export const MAX_PICKLE = 256 * 1024 * 1024;

/** The first bytes of a legacy torch.save file: PROTO 2, LONG1 of 10 bytes, the magic number 0x1950a86a20f9469cfc6c. */
export const LEGACY_MAGIC = Uint8Array.from([0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19]);
const PROTOCOL_VERSION = 1001;

export function hasLegacyMagic(head: Uint8Array): boolean {
  if (head.length < LEGACY_MAGIC.length) return false;
  return LEGACY_MAGIC.every((b, i) => head[i] === b);
}

export function isZipHead(b: Uint8Array): boolean {
  return b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6));
}

/** Whether a zip's first local header names `<folder>/data.pkl` (cheap: 30 bytes and a name). */
export async function firstMemberIsDataPkl(src: ByteSource): Promise<boolean> {
  if (src.size < 30) return false;
  const h = await src.read(0, 30);
  if (!isZipHead(h)) return false;
  const n = (h[26] as number) | ((h[27] as number) << 8);
  if (n === 0 || 30 + n > src.size) return false;
  const name = new TextDecoder('latin1').decode(await src.read(30, n));
  return /^[^/]+\/data\.pkl$/.test(name);
}

function stemOf(path: string): string {
  const base = path.split(/[\\/]/).pop() ?? path;
  const dot = base.indexOf('.');
  return dot > 0 ? base.slice(0, dot) : base || 'tensor';
}

function pickleFailure(file: string, e: unknown, what: string): never {
  if (e instanceof PickleError) throw new ReaderError(file, `${what}: ${e.message}`);
  throw e;
}

/** Reads a PyTorch file (zip or legacy), checking its magic. */
export async function readPytorch(src: ByteSource): Promise<Checkpoint> {
  const file = src.name;
  const head = await src.read(0, Math.min(src.size, LEGACY_MAGIC.length));
  if (head.length >= 4 && isZipHead(head)) return readZipFormat(src);
  if (hasLegacyMagic(head)) return readLegacy(src);
  throw new ReaderError(file, 'not a PyTorch file: neither a torch.save zip archive nor a legacy torch.save pickle (wrong magic)');
}

function assemble(
  src: ByteSource,
  root: PyValue,
  bytes: (s: StorageRef) => StorageBytes,
  littleEndian: boolean,
  format: string,
  storage: (pid: PyValue) => StorageRef,
): Checkpoint {
  const file = src.name;
  let result;
  try {
    result = walk(root, storage, stemOf(file));
  } catch (e) {
    pickleFailure(file, e, 'data.pkl');
  }
  const entries: ArrayEntry[] = [];
  const skipped: SkippedEntry[] = [...result.skipped];
  for (const f of result.tensors) {
    const out = tensorEntry(file, f, bytes, littleEndian);
    if ('readRows' in out) entries.push(out);
    else skipped.push(out);
  }
  const cp: Checkpoint = {
    path: file,
    format: 'pytorch',
    entries,
    metadata: normalizeMetadata({ ...result.metadata, layout: format, ...(littleEndian ? {} : { byteorder: 'big' }) }),
  };
  if (skipped.length) cp.skipped = skipped;
  return cp;
}

async function readZipFormat(src: ByteSource): Promise<Checkpoint> {
  const file = src.name;
  const members = await listZip(src);
  const pkls = members.filter((m) => /^[^/]+\/data\.pkl$/.test(m.name));
  if (pkls.length === 0) {
    throw new ReaderError(file, 'zip archive without <name>/data.pkl: not a torch.save file (a .npz or another zip?)');
  }
  if (pkls.length > 1)
    throw new ReaderError(file, `zip archive holds ${pkls.length} data.pkl members (${pkls.map((m) => m.name).join(', ')}): ambiguous`);
  const pkl = pkls[0] as ZipMember;
  const prefix = pkl.name.slice(0, -'data.pkl'.length);
  const byName = new Map(members.map((m) => [m.name, m]));

  let littleEndian = true;
  const bo = byName.get(`${prefix}byteorder`);
  if (bo) {
    if (bo.uncompressedSize > 16)
      throw new ReaderError(`${file}:${bo.name}`, `byteorder member is ${bo.uncompressedSize} bytes, not "little" or "big"`);
    const ms = await memberSource(src, bo);
    const text = new TextDecoder('latin1').decode(await ms.read(0, ms.size)).trim();
    if (text !== 'little' && text !== 'big')
      throw new ReaderError(`${file}:${bo.name}`, `byteorder is ${JSON.stringify(text)}, not "little" or "big"`);
    littleEndian = text === 'little';
  }

  if (pkl.uncompressedSize > MAX_PICKLE) {
    throw new ReaderError(`${file}:${pkl.name}`, `data.pkl is ${pkl.uncompressedSize} bytes, over the ${MAX_PICKLE}-byte limit`);
  }
  const ps = await memberSource(src, pkl);
  const bytes = await ps.read(0, ps.size);
  let root: PyValue;
  try {
    root = unpickle(bytes).value;
  } catch (e) {
    pickleFailure(file, e, 'data.pkl');
  }

  const storages = new Map<string, StorageRef>();
  const storage = storageRegistry(storages);
  const where = (s: StorageRef): StorageBytes => {
    const m = byName.get(`${prefix}data/${s.key}`);
    if (!m) throw new ReaderError(file, `storage ${JSON.stringify(s.key)} is missing: the archive has no ${prefix}data/${s.key}`);
    return { size: m.uncompressedSize, open: () => memberSource(src, m) };
  };
  return assemble(src, root, where, littleEndian, 'zip', storage);
}

/** Every persistent id in an object, containers and recorded calls included, each container once. */
function persistentIds(root: PyValue): PyPersistent[] {
  const out: PyPersistent[] = [];
  const seen = new Set<object>();
  const todo: PyValue[] = [root];
  while (todo.length) {
    const v = todo.pop() as PyValue;
    if (v === null || typeof v !== 'object' || v instanceof Uint8Array || seen.has(v)) continue;
    seen.add(v);
    if (v instanceof PyPersistent) out.push(v);
    else if (v instanceof PyList || v instanceof PyTuple) for (const x of v.items) todo.push(x);
    else if (v instanceof PyDict) for (let i = 0; i < v.values.length; i++) todo.push(v.values[i] as PyValue);
    else if (v instanceof PyCall) {
      for (const a of v.args) todo.push(a);
      for (const x of [v.state, v.dictItems, v.listItems]) if (x !== undefined) todo.push(x);
    } else if ('set' in v) for (const x of v.set) todo.push(x);
  }
  return out;
}

/** Reads one pickle starting at `at`, reading more of the file as needed (up to MAX_PICKLE). */
async function pickleAt(src: ByteSource, at: number, what: string): Promise<{ value: PyValue; end: number }> {
  let len = Math.min(src.size - at, 64 * 1024);
  for (;;) {
    const buf = await src.read(at, len);
    try {
      const r = unpickle(buf);
      return { value: r.value, end: at + r.end };
    } catch (e) {
      if (e instanceof PickleTruncated && at + len < src.size && len < MAX_PICKLE) {
        len = Math.min(src.size - at, len * 4, MAX_PICKLE);
        continue;
      }
      if (e instanceof PickleTruncated && len >= MAX_PICKLE)
        throw new ReaderError(src.name, `${what}: longer than the ${MAX_PICKLE}-byte limit, or truncated`);
      pickleFailure(src.name, e, what);
    }
  }
}

async function readLegacy(src: ByteSource): Promise<Checkpoint> {
  const file = src.name;
  const magic = await pickleAt(src, 0, 'legacy magic number');
  const proto = await pickleAt(src, magic.end, 'legacy protocol version');
  if (proto.value !== PROTOCOL_VERSION)
    throw new ReaderError(
      file,
      `legacy torch.save protocol version ${String(proto.value)} is not supported (expected ${PROTOCOL_VERSION})`,
    );
  const sys = await pickleAt(src, proto.end, 'legacy system info');
  let littleEndian = true;
  if (sys.value instanceof PyDict && sys.value.get('little_endian') === false) littleEndian = false;
  const obj = await pickleAt(src, sys.end, 'the pickled object');
  const keysP = await pickleAt(src, obj.end, 'the storage key list');
  const keyList = keysP.value;
  if (!(keyList !== null && typeof keyList === 'object' && 'items' in keyList && Array.isArray(keyList.items))) {
    throw new ReaderError(file, 'the legacy storage key list is not a list');
  }

  // storages named by the object: each root key once, with its element type
  const storages = new Map<string, StorageRef>();
  const storage = storageRegistry(storages);
  // the storages are named while walking, so the walk runs first with lazily resolved bytes
  const located = new Map<string, { offset: number; size: number }>();
  let locatedAll = false;
  const locate = async (): Promise<void> => {
    let at = keysP.end;
    for (const k of keyList.items as PyValue[]) {
      if (typeof k !== 'string') throw new ReaderError(file, 'a legacy storage key is not a string');
      const ref = storages.get(k);
      if (at + 8 > src.size)
        throw new ReaderError(file, `truncated file: storage ${JSON.stringify(k)} starts at ${at}, past the end (${src.size} bytes)`);
      const nb = await src.read(at, 8);
      const numel = new DataView(nb.buffer, nb.byteOffset, 8).getBigInt64(0, true);
      const itemsize = ref?.elem?.itemsize ?? 1;
      if (!ref) throw new ReaderError(file, `storage ${JSON.stringify(k)} is listed but no tensor uses it, so its element size is unknown`);
      const bytes = numel * BigInt(itemsize);
      if (numel < 0n || bytes > BigInt(src.size - at - 8)) {
        throw new ReaderError(
          file,
          `storage ${JSON.stringify(k)} declares ${numel} elements at ${at}, past the end of the file (${src.size} bytes)`,
        );
      }
      located.set(k, { offset: at + 8, size: Number(bytes) });
      at += 8 + Number(bytes);
    }
    locatedAll = true;
  };

  // pass 1: walk to learn the storages; pass 2 (assemble) checks each tensor against its located bytes
  try {
    walk(obj.value, storage, 'x');
  } catch (e) {
    pickleFailure(file, e, 'the pickled object');
  }
  // storages only placeholders use (a sparse tensor's indices) still take their place in the file
  for (const pid of persistentIds(obj.value)) {
    try {
      storage(pid);
    } catch (e) {
      pickleFailure(file, e, 'the pickled object');
    }
  }
  for (const [k, ref] of storages) {
    if (ref.view) throw new ReaderError(file, `storage ${JSON.stringify(k)} is a legacy storage view, which is not supported`);
  }
  await locate();
  if (!locatedAll) throw new ReaderError(file, 'legacy storages could not be located');
  const where = (s: StorageRef): StorageBytes => {
    const loc = located.get(s.key);
    if (!loc) throw new ReaderError(file, `storage ${JSON.stringify(s.key)} is not in the legacy storage key list`);
    return { size: loc.size, open: () => Promise.resolve(sliceByteSource(`${file}:storage ${s.key}`, src, loc.offset, loc.size)) };
  };
  return assemble(src, obj.value, where, littleEndian, 'legacy', storage);
}
