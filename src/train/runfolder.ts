/**
 * The run folder: created fresh per run (never overwritten: "-2", "-3" suffixes), with small
 * atomic writers (temp file + rename) so a crash or cancel never leaves a half-written file.
 */
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { EpochMetrics } from '../protocol/train';

export const FILES = {
  config: 'config.json',
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  checkpoints: 'checkpoints',
  model: 'model',
  state: 'state',
} as const;

function timestamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `run-${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** Makes `<outDir>/<name or timestamp>`, adding -2, -3, ... when taken; mkdir without recursive is the atomic claim. */
export async function createRunDir(outDir: string, name?: string, withCheckpoints = true): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const base = name ?? timestamp();
  for (let k = 1; k < 10000; k++) {
    const dir = path.join(outDir, k === 1 ? base : `${base}-${k}`);
    try {
      await mkdir(dir);
      if (withCheckpoints) await mkdir(path.join(dir, FILES.checkpoints));
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  throw new Error(`could not create a run folder under ${outDir}`);
}

export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  await writeFile(tmp, data);
  await rename(tmp, file);
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

export async function appendMetrics(runDir: string, m: EpochMetrics): Promise<void> {
  await appendFile(path.join(runDir, FILES.metrics), JSON.stringify(m) + '\n');
}

export async function readMetrics(runDir: string): Promise<EpochMetrics[]> {
  let text: string;
  try {
    text = await readFile(path.join(runDir, FILES.metrics), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EpochMetrics);
}

/** Keeps only epochs <= lastEpoch (a resume drops lines of an epoch whose state was never saved). */
export async function trimMetrics(runDir: string, lastEpoch: number): Promise<EpochMetrics[]> {
  const kept = (await readMetrics(runDir)).filter((m) => m.epoch <= lastEpoch);
  await writeFileAtomic(path.join(runDir, FILES.metrics), kept.map((m) => JSON.stringify(m) + '\n').join(''));
  return kept;
}

export function checkpointPath(runDir: string, epoch: number): string {
  return path.join(runDir, FILES.checkpoints, `epoch_${String(epoch).padStart(2, '0')}.safetensors`);
}
