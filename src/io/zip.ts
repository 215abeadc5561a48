/**
 * A zip reader for .npz: end record (and its zip64 form), central directory, local headers.
 *
 * The whole archive is bounded before anything is inflated: members may not overlap each other
 * or the central directory (overlapping entries are how a small zip bomb reuses one deflate
 * stream many times; Python's zipfile refuses them as "Overlapped entries"), no deflated member
 * may declare more than deflate can produce from its compressed bytes, and the declared sizes
 * together may not exceed what deflate can produce from the whole file.
 *
 * Stored members are byte windows into the archive (no copy). Deflated members are inflated as
 * a stream, only as far as the bytes asked for, with the declared size as a running budget: the
 * stream is stopped as soon as it produces one byte more than declared. CRC-32 is checked for
 * both whenever a member has been read to its end (see storedSource for why not before).
 */
import { createInflateRaw } from 'node:zlib';
import type { InflateRaw } from 'node:zlib';
import { ByteSource, ReaderError } from './types';
import { allocate, checkRange, markFresh } from './byteSource';
import { crc32 } from './crc32';

const SIG_EOCD = 0x06054b50;
const SIG_Z64_LOCATOR = 0x07064b50;
const SIG_Z64_EOCD = 0x06064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;
const EOCD_SIZE = 22;
const MAX_COMMENT = 0xffff;
/**
 * Deflate codes a match of at most 258 bytes in at least 2 bits, so one compressed byte never
 * inflates to more than 1032 bytes (Mark Adler's bound); a member that declares more is lying.
 */
const MAX_RATIO = 1032;
/** Block headers and a first literal: what a tiny member may add on top of the ratio. */
const MEMBER_SLACK = 4096;
const ARCHIVE_SLACK = 1024 * 1024;
/** Members up to this size are inflated whole on first touch, so their size and CRC are checked before their header is parsed. */
const SMALL_MEMBER = 1024 * 1024;
/** Output bytes from the start of a member kept after a read (the .npy header is read twice). */
const HEAD_KEEP = 4096;
/** Compressed bytes per read from the archive: small first (a header), doubling up to the most (streaming rows). */
const IN_CHUNK_FIRST = 64 * 1024;
const IN_CHUNK_MAX = 4 * 1024 * 1024;
/** Output bytes per zlib step. */
const OUT_CHUNK = 256 * 1024;
/** A member read out of order this often is inflated whole once instead of from its start again. */
const MAX_RESTARTS = 2;

/**
 * A problem with the archive itself (overlaps, a bomb, corrupt or lying data, a bad directory):
 * it fails the whole file. A plain ReaderError from a member (its .npy header, an unsupported
 * compression method) only makes that member unreadable.
 */
export class ZipArchiveError extends ReaderError {}

export interface ZipMember {
  name: string;
  method: number;
  flags: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  /** The byte where the next member's local header (or the central directory) starts: this member's data must end by then. */
  endLimit: number;
  /** The member that starts at endLimit, or null for the central directory. */
  nextName: string | null;
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function u64(file: string, dv: DataView, at: number, what: string): number {
  const v = dv.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipArchiveError(file, `zip ${what} ${v} is too large`);
  return Number(v);
}

interface EndRecord {
  entries: number;
  cdSize: number;
  cdOffset: number;
}

/** Finds the end record in the last `tailLen` bytes. */
async function searchEnd(
  src: ByteSource,
  tailLen: number,
): Promise<{ dv: DataView; at: number; tailStart: number; exact: boolean } | null> {
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
    if (end === tailLen) {
      at = p;
      break;
    }
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
      if (rec.getUint32(16, true) !== 0 || rec.getUint32(20, true) !== 0)
        throw new ReaderError(file, 'multi-part zip archives are not supported');
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

interface Span {
  m: ZipMember;
  start: number;
  /** end of the local header (with the central directory's name length) plus the data: a lower bound until the local header is read */
  end: number;
}

const range = (a: number, b: number): string => `bytes ${a}..${b}`;

/**
 * Refuses members that overlap each other or the central directory, and sets each member's
 * endLimit (memberSource checks the exact data range against it once the local header is read).
 * Sorted by start, an entry that overlaps any later one overlaps the next one, so neighbours suffice.
 */
function checkLayout(file: string, spans: Span[], end: EndRecord): void {
  spans.sort((a, b) => a.start - b.start || a.end - b.end);
  const cdEnd = end.cdOffset + end.cdSize;
  for (let i = 0; i < spans.length; i++) {
    const s = spans[i] as Span;
    const next = spans[i + 1];
    if (next && s.end > next.start) {
      const how =
        s.start === next.start
          ? `both start at the local header at offset ${s.start}`
          : `${range(s.start, s.end)} and ${range(next.start, next.end)}`;
      throw new ZipArchiveError(
        file,
        `zip members "${s.m.name}" and "${next.m.name}" overlap (${how}): overlapping entries are how a zip bomb reuses its data`,
      );
    }
    if (s.end > end.cdOffset) {
      throw new ZipArchiveError(
        file,
        s.start < cdEnd
          ? `zip member "${s.m.name}" (${range(s.start, s.end)}) overlaps the central directory (${range(end.cdOffset, cdEnd)})`
          : `zip member "${s.m.name}" (${range(s.start, s.end)}) lies past the central directory at ${end.cdOffset}`,
      );
    }
    s.m.endLimit = next ? next.start : end.cdOffset;
    s.m.nextName = next ? next.m.name : null;
  }
}

/** Lists the members of a zip archive from its central directory, after checking the archive's layout and declared sizes. */
export async function listZip(src: ByteSource): Promise<ZipMember[]> {
  const file = src.name;
  const end = await findEnd(src);
  const cd = await src.read(end.cdOffset, end.cdSize);
  const dv = view(cd);
  const members: ZipMember[] = [];
  const spans: Span[] = [];
  let declared = 0;
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
    const where = `${file}:${name}`;
    // zip64 sizes live in extra field 0x0001, only for the fields set to 0xffffffff, in this order.
    let e = p + 46 + nameLen;
    const extraEnd = e + extraLen;
    while (e + 4 <= extraEnd) {
      const id = dv.getUint16(e, true);
      const len = dv.getUint16(e + 2, true);
      if (e + 4 + len > extraEnd) throw new ZipArchiveError(where, 'zip extra field runs past its entry');
      if (id === 0x0001) {
        let q = e + 4;
        const take = (): number => {
          if (q + 8 > e + 4 + len) throw new ZipArchiveError(where, 'zip64 extra field is too short');
          const v = u64(where, dv, q, 'zip64 size');
          q += 8;
          return v;
        };
        if (usize === 0xffffffff) usize = take();
        if (csize === 0xffffffff) csize = take();
        if (offset === 0xffffffff) offset = take();
      }
      e += 4 + len;
    }
    if (escapes(name)) throw new ReaderError(where, 'zip member escapes its folder');
    if (method === 8 && usize > MAX_RATIO * csize + MEMBER_SLACK) {
      throw new ZipArchiveError(
        where,
        `inflates without bound: declares ${usize} bytes from ${csize} compressed (deflate gives at most ${MAX_RATIO} bytes per compressed byte)`,
      );
    }
    if (method === 0 && csize !== usize) {
      throw new ZipArchiveError(where, `stored member declares ${usize} bytes but holds ${csize}`);
    }
    if (method === 0 || method === 8) declared += usize;
    const m: ZipMember = {
      name,
      method,
      flags,
      crc,
      compressedSize: csize,
      uncompressedSize: usize,
      localHeaderOffset: offset,
      endLimit: end.cdOffset,
      nextName: null,
    };
    members.push(m);
    spans.push({ m, start: offset, end: offset + 30 + nameLen + csize });
    p = next;
  }
  checkLayout(file, spans, end);
  // Implied by the two rules above unless many tiny members each use their slack; cheap to state outright.
  const bound = MAX_RATIO * src.size + ARCHIVE_SLACK;
  if (declared > bound) {
    throw new ZipArchiveError(
      file,
      `zip members declare ${declared} bytes in all, more than deflate can produce from a ${src.size}-byte file (at most ${MAX_RATIO} bytes per byte): a zip bomb`,
    );
  }
  return members;
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;

function crcMismatch(name: string, got: number, want: number): ZipArchiveError {
  return new ZipArchiveError(
    name,
    `CRC mismatch: the member is corrupt (its bytes give CRC-32 ${hex(got)}, the archive records ${hex(want)})`,
  );
}

/**
 * A stored member: a window into the archive whose CRC-32 is checked once every byte of it has
 * been read in order from the start (reading a whole array does that: its header, then all its
 * rows). A read of a few rows from the middle cannot be checked: CRC-32 covers the whole member,
 * so checking it would mean reading every byte before those rows too, gigabytes of a large
 * stored member for a sample of rows. Such reads are served unchecked.
 */
function storedSource(name: string, src: ByteSource, dataStart: number, m: ZipMember): ByteSource {
  const size = m.uncompressedSize;
  let checked = 0;
  let crc = 0;
  let corrupt: ZipArchiveError | null = null;
  return {
    name,
    size,
    async read(off: number, len: number): Promise<Uint8Array> {
      checkRange(name, size, off, len);
      if (corrupt) throw corrupt;
      const b = await src.read(dataStart + off, len);
      if (off <= checked && off + len > checked) {
        crc = crc32(b.subarray(checked - off), crc);
        checked = off + len;
        if (checked === size && crc !== m.crc) {
          corrupt = crcMismatch(name, crc, m.crc);
          throw corrupt;
        }
      }
      return b;
    },
  };
}

/** Resolves when a stream wants more input, or has been closed (so a stopped feeder never hangs). */
function drained(z: InflateRaw): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      z.off('drain', done);
      z.off('close', done);
      resolve();
    };
    z.on('drain', done);
    z.on('close', done);
  });
}

/**
 * One pass of zlib's streaming inflate over a member, from its start. Compressed bytes are read
 * from the archive in chunks (64 KiB first, doubling to 4 MiB) as output is consumed (stream
 * backpressure), so memory stays at a few chunks whatever the ratio; the declared size is a
 * running budget.
 */
class Inflation {
  /** output bytes consumed so far */
  pos = 0;
  /** output bytes taken from zlib so far (pos plus the unconsumed rest of `pending`) */
  private pulled = 0;
  private crc = 0;
  private pending: Uint8Array | null = null;
  private stopped = false;
  private readonly z: InflateRaw;
  private readonly it: AsyncIterator<Buffer>;

  constructor(
    private readonly name: string,
    private readonly src: ByteSource,
    private readonly dataStart: number,
    private readonly m: ZipMember,
  ) {
    this.z = createInflateRaw({ chunkSize: OUT_CHUNK });
    // Errors reach the consumer through the iterator; this keeps a late one (after close) from being unhandled.
    this.z.on('error', () => undefined);
    this.it = this.z[Symbol.asyncIterator]();
    void this.feed();
  }

  private async feed(): Promise<void> {
    const csize = this.m.compressedSize;
    try {
      let chunk = IN_CHUNK_FIRST;
      for (let fed = 0; fed < csize && !this.stopped;) {
        const take = Math.min(chunk, csize - fed);
        chunk = Math.min(2 * chunk, IN_CHUNK_MAX);
        const c = await this.src.read(this.dataStart + fed, take);
        fed += take;
        if (this.stopped || this.z.destroyed) return;
        if (!this.z.write(c)) await drained(this.z);
      }
      if (!this.stopped && !this.z.destroyed) this.z.end();
    } catch (e) {
      this.z.destroy(e instanceof Error ? e : new Error(String(e)));
    }
  }

  /** The next output chunk, or null at the end of the deflate stream; enforces the declared size. */
  private async pull(): Promise<Uint8Array | null> {
    const usize = this.m.uncompressedSize;
    let r: IteratorResult<Buffer>;
    try {
      r = await this.it.next();
    } catch (e) {
      this.close();
      if (e instanceof ReaderError) throw e;
      throw new ZipArchiveError(this.name, `deflate data is corrupt (${e instanceof Error ? e.message : String(e)})`);
    }
    if (r.done) {
      if (this.pulled < usize) {
        this.close();
        throw new ZipArchiveError(this.name, `truncated member: inflates to ${this.pulled} bytes but declares ${usize}`);
      }
      return null;
    }
    const chunk = r.value;
    this.pulled += chunk.length;
    if (this.pulled > usize) {
      this.close();
      throw new ZipArchiveError(this.name, `inflates without bound: more than the declared ${usize} bytes`);
    }
    this.crc = crc32(chunk, this.crc);
    return chunk;
  }

  /**
   * Consumes output up to `upTo`, copying what falls in [destStart, upTo) into dest, and bytes
   * before HEAD_KEEP into head (so the header can be read again without a new pass).
   */
  async advance(upTo: number, dest: Uint8Array | null, destStart: number, head: { bytes: Uint8Array; length: number }): Promise<void> {
    while (this.pos < upTo || (this.pending && this.pos < head.bytes.length)) {
      let chunk = this.pending;
      this.pending = null;
      if (!chunk) {
        chunk = await this.pull();
        if (!chunk)
          throw new ZipArchiveError(
            this.name,
            `truncated member: inflates to ${this.pulled} bytes but declares ${this.m.uncompressedSize}`,
          );
      }
      // Past upTo, only what the head cache keeps is consumed.
      const stop = this.pos < upTo ? upTo : head.bytes.length;
      const take = Math.min(chunk.length, stop - this.pos);
      if (dest) {
        const from = Math.max(this.pos, destStart);
        const to = Math.min(this.pos + take, destStart + dest.length);
        if (to > from) dest.set(chunk.subarray(from - this.pos, to - this.pos), from - destStart);
      }
      const headEnd = Math.min(this.pos + take, head.bytes.length);
      if (this.pos <= head.length && head.length < headEnd) {
        head.bytes.set(chunk.subarray(head.length - this.pos, headEnd - this.pos), head.length);
        head.length = headEnd;
      }
      if (take < chunk.length) this.pending = chunk.subarray(take);
      this.pos += take;
    }
  }

  /** After the last byte: the stream must end here (not one byte more) and match the CRC. */
  async finish(): Promise<void> {
    if (this.pending && this.pending.length > 0) {
      this.close();
      throw new ZipArchiveError(this.name, `inflates without bound: more than the declared ${this.m.uncompressedSize} bytes`);
    }
    while (await this.pull()) {
      /* pull throws as soon as the output passes the declared size */
    }
    this.close();
    if (this.crc !== this.m.crc) throw crcMismatch(this.name, this.crc, this.m.crc);
  }

  close(): void {
    this.stopped = true;
    if (!this.z.destroyed) this.z.destroy();
  }
}

function inflatingSource(name: string, src: ByteSource, dataStart: number, m: ZipMember): ByteSource {
  const usize = m.uncompressedSize;
  const head = { bytes: new Uint8Array(Math.min(HEAD_KEEP, usize)), length: 0 };
  let full: WeakRef<Uint8Array> | null = null;
  let cursor: Inflation | null = null;
  let restarts = 0;
  let corrupt: ReaderError | null = null;
  /** Reads run one at a time: they share one stream (concurrent reads of a Fortran array's columns). */
  let queue: Promise<unknown> = Promise.resolve();

  /** Output [off, off+len) into a new buffer, continuing the current pass when it has not gone past off. */
  const inflateRange = async (off: number, len: number): Promise<Uint8Array> => {
    const out = allocate(name, len);
    let from = off;
    // Bytes already passed but kept in head need no new pass.
    if (cursor && off < cursor.pos && cursor.pos <= head.length) {
      out.set(head.bytes.subarray(off, cursor.pos));
      from = cursor.pos;
    }
    if (!cursor || cursor.pos > from) {
      if (cursor) restarts++;
      cursor?.close();
      cursor = new Inflation(name, src, dataStart, m);
    }
    const c = cursor;
    await c.advance(off + len, out, off, head);
    if (off + len === usize) {
      cursor = null;
      await c.finish();
    } else if (c.pos <= HEAD_KEEP) {
      // Only the header was read: do not hold a zlib stream per member (an archive may list thousands).
      cursor = null;
      c.close();
    }
    return markFresh(out);
  };

  const inflateAll = async (): Promise<Uint8Array> => {
    const cached = full?.deref();
    if (cached) return cached;
    cursor?.close();
    cursor = null;
    const out = await inflateRange(0, usize);
    full = new WeakRef(out);
    return out;
  };

  const readOnce = async (off: number, len: number): Promise<Uint8Array> => {
    if (corrupt) throw corrupt;
    try {
      if (off + len <= head.length) return head.bytes.slice(off, off + len);
      const cached = full?.deref();
      if (cached) return cached.subarray(off, off + len);
      // A small member is inflated whole first, so its size and CRC are checked before its header is parsed;
      // one read out of order too often is also served from one whole inflation instead of more passes.
      if (usize <= SMALL_MEMBER || restarts >= MAX_RESTARTS) return (await inflateAll()).subarray(off, off + len);
      return await inflateRange(off, len);
    } catch (e) {
      if (e instanceof ZipArchiveError) corrupt = e;
      throw e;
    }
  };

  return {
    name,
    size: usize,
    read(off: number, len: number): Promise<Uint8Array> {
      try {
        checkRange(name, usize, off, len);
      } catch (e) {
        return Promise.reject(e);
      }
      const p = queue.then(() => readOnce(off, len));
      queue = p.catch(() => undefined);
      return p;
    },
  };
}

/** A byte source over one member's uncompressed bytes, named "archive.npz:member". */
export async function memberSource(src: ByteSource, m: ZipMember): Promise<ByteSource> {
  const name = `${src.name}:${m.name}`;
  if (m.flags & 1) throw new ReaderError(name, 'encrypted zip members are not supported');
  if (m.method !== 0 && m.method !== 8)
    throw new ReaderError(name, `unsupported zip compression method ${m.method} (only stored and deflated members are read)`);
  if (m.localHeaderOffset + 30 > src.size)
    throw new ZipArchiveError(name, `local header offset ${m.localHeaderOffset} runs past the end of the file`);
  const lh = view(await src.read(m.localHeaderOffset, 30));
  if (lh.getUint32(0, true) !== SIG_LOCAL) throw new ZipArchiveError(name, 'zip local header has the wrong signature');
  const dataStart = m.localHeaderOffset + 30 + lh.getUint16(26, true) + lh.getUint16(28, true);
  const dataEnd = dataStart + m.compressedSize;
  if (dataEnd > src.size) {
    throw new ZipArchiveError(
      name,
      `truncated file: member data ${dataStart}+${m.compressedSize} runs past the end of the archive (${src.size} bytes)`,
    );
  }
  if (dataEnd > m.endLimit) {
    const other = m.nextName === null ? 'the central directory' : `member "${m.nextName}"`;
    throw new ZipArchiveError(
      src.name,
      `zip member "${m.name}" (${range(m.localHeaderOffset, dataEnd)}) overlaps ${other}, which starts at ${m.endLimit}`,
    );
  }
  if (m.method === 0) return storedSource(name, src, dataStart, m);
  return inflatingSource(name, src, dataStart, m);
}
