/**
 * The loop every reader fuzz shares: seeded mutations of real files, each read through
 * readCheckpoint and every entry decoded; an outcome is a Checkpoint whose rows decode within a
 * bound, or a one-line ReaderError naming the (fake) file. A case that never settles fails after
 * the deadline, naming the case, instead of hanging the suite. Not a test file itself.
 */
import assert from 'node:assert/strict';
import { memoryByteSource, readCheckpoint, ReaderError } from '../../src/io';
import type { FileFormat } from '../../src/io/open';
import { mulberry32 } from '../../src/engine/random';

export type Mutator = (b: Uint8Array, r: () => number) => Uint8Array;

/** an integer in [0, n) from the generator */
export const int = (r: () => number, n: number): number => Math.floor(r() * n);

export interface FuzzPlan {
  cases: number;
  seed: number;
  /** real files to mutate */
  seeds: { file: string; bytes: Uint8Array }[];
  mutators: Record<string, Mutator>;
  /** the name the mutated bytes go by; every error must start with it */
  name: string;
  format: FileFormat;
  /** most values one entry may decode from a mutated file of this many bytes */
  maxValues(bytes: number): number;
  deadlineMs: number;
}

async function withDeadline<T>(p: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no outcome after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function assertOneLine(err: unknown, plan: FuzzPlan, label: string): void {
  assert.ok(err instanceof ReaderError, `${label}: threw ${err instanceof Error ? err.stack : String(err)}`);
  assert.ok(!/[\r\n]/.test(err.message), `${label}: ${err.message}`);
  assert.ok(err.message.startsWith(plan.name), `${label}: ${err.message}`);
}

/** Runs the plan; returns how many cases opened, failed to open, and had an entry fail to decode. */
export async function fuzzReader(plan: FuzzPlan): Promise<{ read: number; failed: number; rowsFailed: number }> {
  const r = mulberry32(plan.seed);
  const names = Object.keys(plan.mutators);
  const outcomes = { read: 0, failed: 0, rowsFailed: 0 };
  for (let c = 0; c < plan.cases; c++) {
    const seed = plan.seeds[c % plan.seeds.length] as FuzzPlan['seeds'][number];
    const how = names[int(r, names.length)] as string;
    const bytes = (plan.mutators[how] as Mutator)(seed.bytes, r);
    const label = `case ${c} (${how} of ${seed.file})`;
    const t0 = performance.now();
    try {
      const cp = await withDeadline(readCheckpoint(memoryByteSource(plan.name, bytes), plan.format), plan.deadlineMs, label);
      for (const e of cp.entries) {
        try {
          const v = await withDeadline(e.readRows(), plan.deadlineMs, `${label} ${e.name}`);
          assert.ok(v.length <= plan.maxValues(bytes.length), `${label}: ${e.name} decoded ${v.length} values from ${bytes.length} bytes`);
        } catch (err) {
          assertOneLine(err, plan, `${label}: readRows of ${e.name}`);
          outcomes.rowsFailed++;
        }
      }
      outcomes.read++;
    } catch (err) {
      assertOneLine(err, plan, label);
      outcomes.failed++;
    }
    const ms = performance.now() - t0;
    assert.ok(ms < plan.deadlineMs, `${label} took ${ms.toFixed(0)} ms`);
  }
  return outcomes;
}
