/**
 * Where a host's bundle finds the eigenvalue thread's script (scripts/build.mjs writes
 * dist/eigen-thread.js beside dist/cli.js and dist/worker.js); undefined when run from the sources,
 * where the engine then solves on its own thread (src/engine/linalg/eigenThread.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function bundledEigenThread(dir: string = __dirname): string | undefined {
  const path = join(dir, 'eigen-thread.js');
  return existsSync(path) ? path : undefined;
}
