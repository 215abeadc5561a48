/** Picks a reader by extension (checking the magic bytes), or by magic when the extension is unknown. */
import { stat } from 'node:fs/promises';
import { ByteSource, Checkpoint, ReaderError } from './types';
import { fileByteSource } from './byteSource';
import { readSafetensors } from './safetensors';
import { readNpy } from './npy';
import { readNpz } from './npz';
import { readJsonCheckpoint } from './jsonCheckpoint';
import { readNpyFolder } from './npyFolder';
import { hasNpyMagic } from './npyHeader';
import { firstMemberIsDataPkl, hasLegacyMagic, readPytorch } from './pytorch';
import { indexForShard, isIndexName, openShardSet, readSharded } from './sharded';
import { hasParquetMagic, readParquet } from './parquet';

export type FileFormat = Exclude<Checkpoint['format'], 'npy-folder'>;

export function formatFromName(path: string): FileFormat | null {
  const m = /\.([A-Za-z]+)$/.exec(path);
  const ext = m ? (m[1] as string).toLowerCase() : '';
  if (ext === 'safetensors') return 'safetensors';
  if (ext === 'npy') return 'npy';
  if (ext === 'npz') return 'npz';
  if (ext === 'json') return isIndexName(path) ? 'sharded' : 'json';
  // .bin (pytorch_model.bin) is also the extension of many files that are not PyTorch: it is
  // sniffed by its magic instead (a torch.save zip or legacy pickle, or any other known format)
  if (ext === 'pt' || ext === 'pth' || ext === 'ckpt') return 'pytorch';
  if (ext === 'parquet') return 'parquet';
  return null;
}

function isZipMagic(b: Uint8Array): boolean {
  return b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 3 && b[3] === 4) || (b[2] === 5 && b[3] === 6));
}

/** Guesses the format from the first bytes. */
export async function sniffFormat(src: ByteSource): Promise<FileFormat | null> {
  const head = await src.read(0, Math.min(16, src.size));
  if (head.length >= 6 && hasNpyMagic(head)) return 'npy';
  if (head.length >= 4 && isZipMagic(head)) return (await firstMemberIsDataPkl(src)) ? 'pytorch' : 'npz';
  if (hasLegacyMagic(head)) return 'pytorch';
  if (hasParquetMagic(head)) return 'parquet';
  if (head.length >= 9 && head[8] === 0x7b && head[6] === 0 && head[7] === 0) return 'safetensors';
  const first = head.find((c) => c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09);
  if (first === 0x7b) return 'json';
  return null;
}

/** Reads a checkpoint from any byte source in the given format (the magic is still checked). */
export async function readCheckpoint(src: ByteSource, format: FileFormat): Promise<Checkpoint> {
  switch (format) {
    case 'safetensors':
      return readSafetensors(src);
    case 'npy':
      return readNpy(src);
    case 'npz': {
      const head = await src.read(0, Math.min(4, src.size));
      if (head.length < 4 || !isZipMagic(head)) throw new ReaderError(src.name, 'wrong magic: not a zip/.npz file (expected "PK")');
      return readNpz(src);
    }
    case 'json':
      return readJsonCheckpoint(src);
    case 'pytorch':
      return readPytorch(src);
    case 'sharded':
      return readSharded(src);
    case 'parquet':
      return readParquet(src);
  }
}

export async function openCheckpoint(path: string): Promise<Checkpoint> {
  let isDir: boolean;
  try {
    isDir = (await stat(path)).isDirectory();
  } catch (e) {
    throw new ReaderError(path, `cannot open: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (isDir) return readNpyFolder(path);
  // one shard of a Hugging Face set opens the whole set (its index names it)
  const index = await indexForShard(path);
  if (index) return openShardSet(path, index);
  const src = await fileByteSource(path);
  const format = formatFromName(path) ?? (await sniffFormat(src));
  if (!format) {
    throw new ReaderError(
      path,
      'unknown checkpoint format (expected .safetensors, .npy, .npz, .json, a PyTorch .pt/.pth/.bin/.ckpt, a *.index.json of shards, .parquet, or a folder of .npy files)',
    );
  }
  return readCheckpoint(src, format);
}
