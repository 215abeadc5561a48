/**
 * `dagr embed`: run an ONNX encoder over an input array in batches and write the embeddings as
 * .safetensors. Input rows are read batch by batch (the reader's byte ranges), so only the output
 * is held whole. An existing output file is never overwritten.
 */
import { basename } from 'node:path';
import { openCheckpoint, pathExists, writeSafetensors } from '../io';
import type { ArrayEntry } from '../io/types';
import { ReaderError } from '../io/types';
import type { EmbedRequest, EmbedResult, JobControl } from './types';
import { throwIfAborted } from './types';
import { disableOrtTelemetry } from '../engine/ortTelemetry';

export const DEFAULT_BATCH_SIZE = 256;

export async function embedWithOnnx(req: EmbedRequest & { array?: string }, ctl?: JobControl): Promise<EmbedResult> {
  const batchSize = req.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ReaderError(req.model, `batch size must be a positive integer, got ${batchSize}`);
  // Fail before any work: finding out after an hour of inference that --out exists helps nobody.
  if (await pathExists(req.out)) throw new ReaderError(req.out, 'already exists; refusing to overwrite it (choose another --out)');

  const entry = pickInputArray(await openCheckpoint(req.input), req.input, req.array);
  const rows = entry.shape[0] ?? 0;
  if (rows < 1) throw new ReaderError(req.input, `array "${entry.name}" has zero rows`);
  const featureShape = entry.shape.slice(1);
  const featureSize = featureShape.reduce((a, b) => a * b, 1);

  disableOrtTelemetry();
  const ort = await import('onnxruntime-node');
  let session: Awaited<ReturnType<typeof ort.InferenceSession.create>>;
  try {
    session = await ort.InferenceSession.create(req.model);
  } catch (e) {
    throw new ReaderError(req.model, `cannot load the ONNX model: ${firstLine(e)}`);
  }
  try {
    const inputName = req.inputName ?? session.inputNames[0];
    const outputName = req.outputName ?? session.outputNames[0];
    if (inputName === undefined || !session.inputNames.includes(inputName)) {
      throw new ReaderError(req.model, `no model input named "${inputName ?? ''}" (inputs: ${session.inputNames.join(', ')})`);
    }
    if (outputName === undefined || !session.outputNames.includes(outputName)) {
      throw new ReaderError(req.model, `no model output named "${outputName ?? ''}" (outputs: ${session.outputNames.join(', ')})`);
    }

    let out: Float32Array | undefined;
    let dim = 0;
    for (let start = 0; start < rows; start += batchSize) {
      throwIfAborted(ctl?.signal);
      ctl?.onProgress?.(start / rows, `embedding rows ${start}..${Math.min(rows, start + batchSize)} of ${rows}`);
      const end = Math.min(rows, start + batchSize);
      const data = await entry.readRows(start, end);
      const x = data instanceof Float32Array ? data : Float32Array.from(data);
      const feeds = { [inputName]: new ort.Tensor('float32', x, [end - start, ...featureShape]) };
      let result: Awaited<ReturnType<typeof session.run>>;
      try {
        result = await session.run(feeds, [outputName]);
      } catch (e) {
        throw new ReaderError(req.model, `inference failed on rows ${start}..${end} of ${req.input}: ${firstLine(e)}`);
      }
      const y = result[outputName];
      if (!y || !(y.data instanceof Float32Array)) throw new ReaderError(req.model, `output "${outputName}" is not a float32 tensor`);
      const b = end - start;
      if (y.dims[0] !== b || y.data.length % b !== 0) {
        throw new ReaderError(req.model, `output "${outputName}" has shape [${y.dims.join(', ')}] for a batch of ${b} rows`);
      }
      const rowDim = y.data.length / b;
      if (!out) {
        dim = rowDim;
        out = new Float32Array(rows * dim);
      } else if (rowDim !== dim) {
        throw new ReaderError(req.model, `output width changed between batches (${dim} then ${rowDim})`);
      }
      out.set(y.data, start * dim);
    }
    if (!out) throw new ReaderError(req.input, 'no rows');
    throwIfAborted(ctl?.signal);
    ctl?.onProgress?.(1, 'writing');
    await writeSafetensors(req.out, [{ name: req.name ?? 'embeddings', dtype: 'float32', shape: [rows, dim], data: out }], {
      model: basename(req.model),
      input: basename(req.input),
      featureSize: String(featureSize),
    });
    return { out: req.out, rows, dim };
  } finally {
    await session.release();
  }
}

/** The array to embed: the one named, else the file's only float array. */
function pickInputArray(cp: { entries: ArrayEntry[] }, file: string, name?: string): ArrayEntry {
  const isFloat = (e: ArrayEntry): boolean => e.dtype.startsWith('float') || e.dtype === 'bfloat16';
  if (name !== undefined) {
    const e = cp.entries.find((x) => x.name === name);
    if (!e) throw new ReaderError(file, `no array named "${name}" (arrays: ${cp.entries.map((x) => x.name).join(', ')})`);
    return e;
  }
  const floats = cp.entries.filter(isFloat);
  const only = floats[0];
  if (floats.length !== 1 || !only) {
    throw new ReaderError(
      file,
      floats.length === 0
        ? 'no float array to embed'
        : `has ${floats.length} float arrays (${floats.map((x) => x.name).join(', ')}); choose one with --array`,
    );
  }
  if (only.shape.length < 1) throw new ReaderError(file, `array "${only.name}" is a scalar`);
  return only;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}
