/**
 * A zip reader for .npz: end record (and its zip64 form), central directory, local headers.
 * Stored members become byte windows into the archive (no copy); deflated members are inflated
 * with their declared size as a hard limit, so a crafted archive cannot inflate without bound.
 */
import { constants as zconst, inflateRawSync } from 'node:zlib';
import { constants as bconst } from 'node:buffer';
import { ByteSource, ReaderError } from './types';
import { checkRange, sliceByteSource } from './byteSource';
import { crc32 } from './crc32';

const SIG_EOCD = 0x06054b50;
const SIG_Z64_LOCATOR = 0x07064b50;
const SIG_Z64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/** A deflated member may declare at most this many bytes per compressed byte (plus MAX_SLACK). */
const MAX_RATIO = 1000;
const MAX_SLACK = 64 * 1024 * 1024;
/** Compressed bytes inflated to peek at a member's header without inflating all of it. */
const PREFIX_BYTES = 16384;

export interface ZipMember {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(file: string, dv: DataView, at: number, what: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ReaderError(file, `zip ${what} ${v} is too large`);
  return Number(v);
}

interface EndRecord {
  entries: number;
  cdSize: number;
  cdOffset: number;
}

/** Finds the end record in the last `tailLen` bytes. */
async function searchEnd(src: ByteSource, tailLen: number): Promise<{ dv: DataView; at: number; tailStart: number; exact: boolean } | null> {
  const tailStart = src.size - tailLen;
  const tail = await src.read(tailStart, tailLen);
  const dv = view(tail);
  // The end record normally ends the file exactly; a comment that happens to contain the
  // signature is why the exact match is preferred over the first signature found.
  let at = -1;
  let loose = -1;
  for (let p = tailLen - EOCD_SIZE; p >= 0; p--) {
    if (dv.getUint32(p, true) !== SIG_EOCD) continue;
    const end = p + EOCD_SIZE + dv.getUint16(p + 20, true);
    if (end === tailLen) { at = p; break; }
    if (end < tailLen && loose < 0) loose = p;
  }
  const exact = at >= 0;
  if (at < 0) at = loose;
  return at < 0 ? null : { dv, at, tailStart, exact };
}

async function findEnd(src: ByteSource): Promise<EndRecord> {
  const file = src.name;
  if (src.size < EOCD_SIZE) throw new ReaderError(file, `truncated file: ${src.size} bytes, too short for a zip archive`);
  // Most archives have no comment: look near the end first, then as far back as a comment can reach.
  let found = await searchEnd(src, Math.min(src.size, EOCD_SIZE + 1024));
  if (!found?.exact && src.size > EOCD_SIZE + 1024) found = await searchEnd(src, Math.min(src.size, EOCD_SIZE + MAX_COMMENT));
  if (!found) throw new ReaderError(file, 'wrong magic: no zip end-of-central-directory record (not a zip/.npz file, or truncated)');
  const { dv, at, tailStart } = found;
  const disk = dv.getUint16(at + 4, true);
  const cdDisk = dv.getUint16(at + 6, true);
  let entries = dv.getUint16(at + 10, true);
  let cdSize = dv.getUint32(at + 12, true);
  let cdOffset = dv.getUint32(at + 16, true);
  const eocdAbs = tailStart + at;
  let zip64 = false;
  if (eocdAbs >= 20) {
    const loc = await src.read(eocdAbs - 20, 20);
    const ldv = view(loc);
    if (ldv.getUint32(0, true) === SIG_Z64_LOCATOR) {
      zip64 = true;
      const recAt = u64(file, ldv, 8, 'zip64 end record offset');
      if (recAt + 56 > eocdAbs - 20) throw new ReaderError(file, `zip64 end record offset ${recAt} runs past the end of the file`);
      const rec = view(await src.read(recAt, 56));
      if (rec.getUint32(0, true) !== SIG_Z64_EOCD) throw new ReaderError(file, 'zip64 end record has the wrong signature');
      if (rec.getUint32(16, true) !== 0 || rec.getUint32(20, true) !== 0) throw new ReaderError(file, 'multi-part zip archives are not supported');
      entries = u64(file, rec, 32, 'entry count');
      cdSize = u64(file, rec, 40, 'central directory size');
      cdOffset = u64(file, rec, 48, 'central directory offset');
    }
  }
  if (!zip64) {
    if (disk !== 0 || cdDisk !== 0) throw new ReaderError(file, 'multi-part zip archives are not supported');
    if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
      throw new ReaderError(file, 'zip64 archive without its zip64 end record locator');
    }
  }
  if (cdOffset + cdSize > eocdAbs) {
    throw new ReaderError(file, `zip central directory (${cdOffset}+${cdSize}) runs past the end record at ${eocdAbs}`);
  }
  if (entries * 46 > cdSize) throw new ReaderError(file, `zip central directory (${cdSize} bytes) is too small for ${entries} entries`);
  return { entries, cdSize, cdOffset };
}

function escapes(name: string): boolean {
  if (name.includes('\\') || name.includes('\0') || name.startsWith('/') || /^[A-Za-z]:/.test(name)) return true;
  return name.split('/').some((seg) => seg === '..');
}

/** Lists the members of a zip archive from its central directory. */
export async function listZip(src: ByteSource): Promise<ZipMember[]> {
  const file = src.name;
  const end = await findEnd(src);
  const cd = await src.read(end.cdOffset, end.cdSize);
  const dv = view(cd);
  const members: ZipMember[] = [];
  let p = 0;
  for (let k = 0; k < end.entries; k++) {
    if (p + 46 > cd.length) throw new ReaderError(file, `zip central directory is truncated at entry ${k}`);
    if (dv.getUint32(p, true) !== SIG_CENTRAL) throw new ReaderError(file, `zip central directory entry ${k} has the wrong signature`);
    const flags = dv.getUint16(p + 8, true);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let csize = dv.getUint32(p + 20, true);
    let usize = dv.getUint32(p + 24, true);
    const nameLen = dv.getUint16(p + 28, true);
    const extraLen = dv.getUint16(p + 30, true);
    const commentLen = dv.getUint16(p + 32, true);
    let offset = dv.getUint32(p + 42, true);
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > cd.length) throw new ReaderError(file, `zip central directory is truncated at entry ${k}`);
    const nameBytes = cd.subarray(p + 46, p + 46 + nameLen);
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(nameBytes);
    // zip64 sizes live in extra field 0x0001, only for the fields set to 0xffffffff, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (e + 4 + len > extraEnd) throw new ReaderError(`${file}:${name}`, 'zip extra field runs past its entry');
      if (id === 0x0001) {
        let q = e + 4;
        const take = (): number => {
          if (q + 8 > e + 4 + len) throw new ReaderError(`${file}:${name}`, 'zip64 extra field is too short');
          const v = u64(`${file}:${name}`, dv, q, 'zip64 size');
          q += 8;
          return v;
        };
        if (usize === 0xffffffff) usize = take();
        if (csize === 0xffffffff) csize = take();
        if (offset === 0xffffffff) offset = take();
      }
      e += 4 + len;
    }
    if (escapes(name)) throw new ReaderError(`${file}:${name}`, 'zip member escapes its folder');
    members.push({ name, method, flags, crc, compressedSize: csize, uncompressedSize: usize, localHeaderOffset: offset });
    p = next;
  }
  return members;
}

function inflatingSource(name: string, src: ByteSource, dataStart: number, m: ZipMember): ByteSource {
  const usize = m.uncompressedSize;
  const csize = m.compressedSize;
  let prefix: Uint8Array | null = null;
  let full: WeakRef<Uint8Array> | null = null;

  const inflateAll = async (): Promise<Uint8Array> => {
    const cached = full?.deref();
    if (cached) return cached;
    const comp = await src.read(dataStart, csize);
    let out: Uint8Array;
    try {
      // maxOutputLength must be >= 1; one spare byte also tells "too long" from "exactly right".
      out = inflateRawSync(comp, { maxOutputLength: usize + 1 });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
        throw new ReaderError(name, `inflates without bound: more than the declared ${usize} bytes`);
      }
      throw new ReaderError(name, `deflate data is corrupt (${e instanceof Error ? e.message : String(e)})`);
    }
    if (out.length > usize) throw new ReaderError(name, `inflates without bound: more than the declared ${usize} bytes`);
    if (out.length < usize) throw new ReaderError(name, `truncated member: inflates to ${out.length} bytes but declares ${usize}`);
    if (crc32(out) !== m.crc) throw new ReaderError(name, 'CRC mismatch: the member is corrupt');
    full = new WeakRef(out);
    return out;
  };

  const inflatePrefix = async (): Promise<Uint8Array> => {
    if (prefix) return prefix;
    // A small member is inflated whole, so its sizes and CRC are checked before its header is parsed.
    if (csize <= PREFIX_BYTES) return inflateAll();
    const take = PREFIX_BYTES;
    const comp = await src.read(dataStart, take);
    try {
      // Z_SYNC_FLUSH: return what the partial input decodes to instead of failing on its end.
      prefix = inflateRawSync(comp, { finishFlush: zconst.Z_SYNC_FLUSH, maxOutputLength: Math.min(usize, 1100 * take + 1024) + 1 });
    } catch {
      prefix = new Uint8Array(0); // let the full inflate report the problem
    }
    return prefix;
  };

  return {
    name,
    size: usize,
    async read(off: number, len: number): Promise<Uint8Array> {
      checkRange(name, usize, off, len);
      if (off + len <= PREFIX_BYTES) {
        const p = await inflatePrefix();
        if (off + len <= p.length && p.length <= usize) return p.subarray(off, off + len);
      }
      return (await inflateAll()).subarray(off, off + len);
    },
  };
}

/** A byte source over one member's uncompressed bytes, named "archive.npz:member". */
export async function memberSource(src: ByteSource, m: ZipMember): Promise<ByteSource> {
  const name = `${src.name}:${m.name}`;
  if (m.flags & 1) throw new ReaderError(name, 'encrypted zip members are not supported');
  if (m.method !== 0 && m.method !== 8) throw new ReaderError(name, `unsupported zip compression method ${m.method}`);
  if (m.localHeaderOffset + 30 > src.size) throw new ReaderError(name, `local header offset ${m.localHeaderOffset} runs past the end of the file`);
  const lh = view(await src.read(m.localHeaderOffset, 30));
  if (lh.getUint32(0, true) !== SIG_LOCAL) throw new ReaderError(name, 'zip local header has the wrong signature');
  const dataStart = m.localHeaderOffset + 30 + lh.getUint16(26, true) + lh.getUint16(28, true);
  if (dataStart + m.compressedSize > src.size) {
    throw new ReaderError(name, `truncated file: member data ${dataStart}+${m.compressedSize} runs past the end of the archive (${src.size} bytes)`);
  }
  if (m.method === 0) {
    if (m.compressedSize !== m.uncompressedSize) {
      throw new ReaderError(name, `stored member declares ${m.uncompressedSize} bytes but holds ${m.compressedSize}`);
    }
    return sliceByteSource(name, src, dataStart, m.compressedSize);
  }
  if (m.uncompressedSize > MAX_RATIO * m.compressedSize + MAX_SLACK) {
    throw new ReaderError(name, `inflates without bound: declares ${m.uncompressedSize} bytes from ${m.compressedSize} compressed`);
  }
  if (m.uncompressedSize >= bconst.MAX_LENGTH) {
    throw new ReaderError(name, `member of ${m.uncompressedSize} bytes is too large to inflate in memory`);
  }
  return inflatingSource(name, src, dataStart, m);
}
