/**
 * Byte sources: the only way readers touch bytes, so a reader asks for exactly the ranges it
 * needs and tests can count them.
 */
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { ByteSource, ReaderError } from './types';

/** Buffers a source made for one read and holds no reference to: a decoder may reuse them in place. */
const fresh = new WeakSet<Uint8Array>();

export function markFresh(b: Uint8Array): Uint8Array {
  fresh.add(b);
  return b;
}

/** True when `b` is a whole, unshared buffer (so decoding can skip a copy of a multi-GB matrix). */
export function isFresh(b: Uint8Array): boolean {
  return fresh.has(b) && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && b.buffer instanceof ArrayBuffer;
}

/** fs.read takes at most 2 GiB per call, so bigger ranges are read in pieces. */
const MAX_CHUNK = 1 << 30;

/** A byte buffer, or a ReaderError (not a RangeError) when it cannot exist in this process. */
export function allocate(name: string, length: number): Uint8Array {
  try {
    return new Uint8Array(length);
  } catch {
    throw new ReaderError(name, `cannot hold ${length} bytes in memory at once; read fewer rows at a time`);
  }
}

export function checkRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new ReaderError(name, `invalid byte range ${offset}+${length}`);
  }
  if (offset + length > size) {
    throw new ReaderError(name, `truncated file: needs bytes ${offset}..${offset + length} but the file has ${size} bytes`);
  }
}

/**
 * A file read by ranges. The handle is opened while reads are in flight and closed when none
 * are, so a Checkpoint that nobody closes never leaks a file descriptor, and concurrent reads
 * (e.g. the columns of a Fortran-order array) share one handle.
 */
export async function fileByteSource(path: string): Promise<ByteSource> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new ReaderError(path, 'not a regular file');
    size = st.size;
  } catch (e) {
    if (e instanceof ReaderError) throw e;
    throw new ReaderError(path, `cannot open: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  let handle: Promise<FileHandle> | null = null;
  let inFlight = 0;

  const acquire = (): Promise<FileHandle> => {
    inFlight++;
    if (!handle) handle = open(path, 'r');
    return handle;
  };
  const release = async (): Promise<void> => {
    inFlight--;
    if (inFlight === 0 && handle) {
      const h = handle;
      handle = null;
      try {
        await (await h).close();
      } catch {
        /* already failed to open or close: nothing held */
      }
    }
  };

  return {
    name: path,
    size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      checkRange(path, size, offset, length);
      const out = allocate(path, length);
      if (length === 0) return out;
      let fh: FileHandle;
      try {
        fh = await acquire();
      } catch (e) {
        await release();
        throw new ReaderError(path, `cannot open: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      }
      try {
        let done = 0;
        while (done < length) {
          const want = Math.min(MAX_CHUNK, length - done);
          const { bytesRead } = await fh.read(out, done, want, offset + done);
          if (bytesRead === 0) {
            throw new ReaderError(
              path,
              `truncated file: it ended at byte ${offset + done} while reading bytes ${offset}..${offset + length} (it shrank after opening?)`,
            );
          }
          done += bytesRead;
        }
      } catch (e) {
        if (e instanceof ReaderError) throw e;
        throw new ReaderError(path, `read failed: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      } finally {
        await release();
      }
      return markFresh(out);
    },
    async close(): Promise<void> {
      /* nothing is held between reads */
    },
  };
}

/** Bytes already in memory; reads are views, not copies. */
export function memoryByteSource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    size: bytes.length,
    read(offset: number, length: number): Promise<Uint8Array> {
      try {
        checkRange(name, bytes.length, offset, length);
      } catch (e) {
        return Promise.reject(e);
      }
      return Promise.resolve(bytes.subarray(offset, offset + length));
    },
  };
}

/** A window [offset, offset+length) of another source, e.g. a stored zip member. */
export function sliceByteSource(name: string, parent: ByteSource, offset: number, length: number): ByteSource {
  checkRange(parent.name, parent.size, offset, length);
  return {
    name,
    size: length,
    async read(off: number, len: number): Promise<Uint8Array> {
      checkRange(name, length, off, len);
      return parent.read(offset + off, len);
    },
  };
}
