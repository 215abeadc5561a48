/**
 * Saves and loads named float32 arrays in the TensorFlow.js weights format: a JSON file with a
 * weightsManifest plus one weights.bin (tf.io.encodeWeights / decodeWeights), so the model can be
 * read by TF.js tooling without tfjs-node. Also used for the optimizer state kept for resume.
 */
import { mkdir, readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { NamedArray } from './model';
import { writeFileAtomic, writeJson } from './runfolder';
import { tf } from './tf';

export interface WeightsFile {
  format: string;
  generatedBy: string;
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  userDefinedMetadata?: Record<string, unknown>;
}

/** Writes `<dir>/<jsonName>` and `<dir>/<binName>`; the bin goes first so the JSON never points at a missing file. */
export async function saveWeights(
  dir: string,
  jsonName: string,
  binName: string,
  arrays: NamedArray[],
  meta: { format: string; modelTopology: unknown; userDefinedMetadata?: Record<string, unknown> },
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const map: tf.NamedTensorMap = {};
  for (const a of arrays) map[a.name] = tf.tensor(a.data, a.shape, 'float32');
  try {
    const { data, specs } = await tf.io.encodeWeights(map);
    await writeFileAtomic(path.join(dir, binName), new Uint8Array(data));
    const file: WeightsFile = {
      format: meta.format,
      generatedBy: `DAGR Lens (TensorFlow.js ${tf.version_core})`,
      modelTopology: meta.modelTopology,
      weightsManifest: [{ paths: [binName], weights: specs }],
      ...(meta.userDefinedMetadata ? { userDefinedMetadata: meta.userDefinedMetadata } : {}),
    };
    await writeJson(path.join(dir, jsonName), file);
  } finally {
    tf.dispose(Object.values(map));
  }
}

export async function loadWeights(dir: string, jsonName: string): Promise<{ file: WeightsFile; arrays: NamedArray[] }> {
  const file = JSON.parse(await readFile(path.join(dir, jsonName), 'utf8')) as WeightsFile;
  const group = file.weightsManifest[0];
  const binName = group?.paths[0];
  if (!group || !binName) throw new Error(`${path.join(dir, jsonName)}: no weightsManifest`);
  const buf = await readFile(path.join(dir, binName));
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  const map = tf.io.decodeWeights(ab, group.weights);
  try {
    // read without blocking (tfjs-webgpu has no synchronous read in Node); copies, as before
    const entries = Object.entries(map);
    const data = await Promise.all(entries.map(([, t]) => t.data()));
    const arrays = entries.map(([name, t], i) => ({ name, shape: t.shape.slice(), data: Float32Array.from(data[i] as Float32Array) }));
    return { file, arrays };
  } finally {
    tf.dispose(Object.values(map));
  }
}
