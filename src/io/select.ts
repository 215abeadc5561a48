/** Choosing the modality arrays and labels of a checkpoint, and loading a matrix from an entry. */
import { ArrayEntry, Checkpoint, Matrix, ReaderError } from './types';
import { formatShape, isFloatDType } from './dtype';
import { narrowToFloat32 } from './narrow';

const EMB_SUFFIX = '.embeddings';
const LABEL_NAMES = ['labels', 'y'];
/** Never picked as modalities unless named: one-hot labels or a split column are 2-D floats too. */
const NOT_MODALITIES = new Set([...LABEL_NAMES, 'split']);

function describe(e: ArrayEntry): string {
  return `${e.name} (${e.dtype} ${formatShape(e.shape)})`;
}

/** at most this many skipped members are quoted in one error line */
const MAX_SKIPPED_LISTED = 5;

function listArrays(cp: Checkpoint): string {
  const arrays = cp.entries.length ? cp.entries.map(describe).join(', ') : '(none)';
  const skipped = cp.skipped ?? [];
  if (skipped.length === 0) return arrays;
  const quoted = skipped
    .slice(0, MAX_SKIPPED_LISTED)
    .map((s) => `${s.name} (${s.reason})`)
    .join(', ');
  const more = skipped.length > MAX_SKIPPED_LISTED ? ` and ${skipped.length - MAX_SKIPPED_LISTED} more` : '';
  return `${arrays}; skipped: ${quoted}${more}`;
}

function is2dFloat(e: ArrayEntry): boolean {
  return e.shape.length === 2 && isFloatDType(e.dtype);
}

function isLabels(e: ArrayEntry): boolean {
  return LABEL_NAMES.includes(e.name) && e.shape.length === 1 && !isFloatDType(e.dtype);
}

/** The same entry under the name users see ("audio" for "audio.embeddings"). */
function renamed(e: ArrayEntry, name: string): ArrayEntry {
  if (name === e.name) return e;
  const out: ArrayEntry = { name, dtype: e.dtype, shape: e.shape, readRows: (s?: number, t?: number) => e.readRows(s, t) };
  if (e.file !== undefined) out.file = e.file;
  return out;
}

export function displayName(name: string): string {
  return name.endsWith(EMB_SUFFIX) && name.length > EMB_SUFFIX.length ? name.slice(0, -EMB_SUFFIX.length) : name;
}

/**
 * The modalities of a checkpoint: the arrays named explicitly (by stored or shown name), else the
 * "<name>.embeddings" arrays if there are any, else every 2-D float array but labels/y/split.
 * They must share one row count; "labels"/"y" (1-D integers) are the labels.
 */
export function selectModalities(cp: Checkpoint, explicit?: string[]): { modalities: ArrayEntry[]; labels?: ArrayEntry } {
  let chosen: ArrayEntry[];
  if (explicit && explicit.length > 0) {
    chosen = [];
    for (const want of explicit) {
      const e = cp.entries.find((x) => x.name === want) ?? cp.entries.find((x) => displayName(x.name) === want);
      const skipped = e ? undefined : cp.skipped?.find((x) => x.name === want || displayName(x.name) === want);
      if (skipped) throw new ReaderError(cp.path, `"${want}" cannot be read: ${skipped.reason}`);
      if (!e) throw new ReaderError(cp.path, `no array named "${want}"; arrays: ${listArrays(cp)}`);
      if (!is2dFloat(e)) throw new ReaderError(cp.path, `"${want}" is not a 2-D float array: ${describe(e)}`);
      if (chosen.includes(e)) throw new ReaderError(cp.path, `"${want}" is named twice`);
      chosen.push(e);
    }
  } else {
    const floats = cp.entries.filter((e) => is2dFloat(e) && !NOT_MODALITIES.has(e.name));
    const emb = floats.filter((e) => e.name.endsWith(EMB_SUFFIX));
    chosen = emb.length > 0 ? emb : floats;
    if (chosen.length === 0) throw new ReaderError(cp.path, `no 2-D float arrays to use as modalities; arrays: ${listArrays(cp)}`);
  }
  const rowCounts = new Set(chosen.map((e) => e.shape[0]));
  if (rowCounts.size > 1) {
    throw new ReaderError(cp.path, `modalities have different row counts: ${chosen.map((e) => `${e.name} ${e.shape[0]}`).join(', ')}`);
  }
  const n = chosen[0]?.shape[0] ?? 0;
  if (n === 0) throw new ReaderError(cp.path, `modalities have zero rows: ${chosen.map(describe).join(', ')}`);
  // Strip ".embeddings" unless that would make two names equal.
  const shown = chosen.map((e) => displayName(e.name));
  const taken = new Set(cp.entries.map((e) => e.name));
  const unique = new Set(shown).size === shown.length && shown.every((s, i) => s === chosen[i]?.name || !taken.has(s));
  const modalities = chosen.map((e, i) => renamed(e, unique ? (shown[i] as string) : e.name));
  const labels = cp.entries.find(isLabels);
  if (labels && labels.shape[0] !== n) {
    throw new ReaderError(cp.path, `"${labels.name}" has ${labels.shape[0]} entries but the modalities have ${n} rows`);
  }
  return labels ? { modalities, labels } : { modalities };
}

/**
 * Reads a 2-D array (all rows, or rows [start, end)) as a float32 matrix: NaN/Inf are refused in
 * the stored dtype, and a range float32 cannot hold is scaled by a power of two (Matrix.scale).
 */
export async function loadMatrix(entry: ArrayEntry, rows?: [number, number]): Promise<Matrix> {
  if (entry.shape.length !== 2) {
    throw new ReaderError(entry.file ?? entry.name, `"${entry.name}" is not a 2-D array: ${describe(entry)}`);
  }
  const n = entry.shape[0] as number;
  const cols = entry.shape[1] as number;
  const [s, e] = rows ?? [0, n];
  const stored = await entry.readRows(s, e);
  const { data, scale, largest } = narrowToFloat32(stored, cols, entry.file ?? entry.name, entry.name, s);
  const m: Matrix = { name: entry.name, rows: e - s, cols, data, largestMagnitude: largest };
  if (scale !== 1) m.scale = scale;
  return m;
}
