/**
 * glibc malloc tunables for the processes that compute (the compute process, and a CLI run on a
 * big input). They are read when a process starts, so they are set in a child's environment;
 * glibc before 2.35 ignores hugetlb, and other C libraries ignore them all.
 * - `glibc.malloc.hugetlb=1`: malloc asks the kernel for 2 MB pages, so the engine's large buffers
 *   (files read, row tiles, onnxruntime's intermediates) fault once per 2 MB instead of once per
 *   4 KB. Filling 128 MB took 567 ms with 4 KB pages and 301 ms with huge pages (session 5).
 * - `glibc.malloc.mmap_threshold` (32 MiB) and `glibc.malloc.trim_threshold` (256 MiB): a freed
 *   tile stays in the heap for the next one instead of going back to the kernel. Without them a
 *   16-32 MB block is mmap'd and unmapped again, and every reuse faults fresh zeroed pages: the
 *   kernel's page clearing was a fifth of an 8192 x 768 inspect's CPU time (perf, session 6). A
 *   long-lived process keeps at most 256 MiB of freed memory at the top of its heap.
 */
/** the two that keep freed blocks in the heap (keepsFreedMemory asks for these values or larger) */
const THRESHOLDS: readonly [name: string, value: string][] = [
  ['glibc.malloc.mmap_threshold', String(32 * 2 ** 20)],
  ['glibc.malloc.trim_threshold', String(256 * 2 ** 20)],
];
const TUNABLES: readonly [name: string, value: string][] = [['glibc.malloc.hugetlb', '1'], ...THRESHOLDS];

function tunable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const found = (env.GLIBC_TUNABLES ?? '').split(':').find((t) => t.startsWith(`${name}=`));
  return found?.slice(name.length + 1);
}

function hasTunable(env: NodeJS.ProcessEnv, name: string): boolean {
  return tunable(env, name) !== undefined;
}

/**
 * Whether this process's malloc keeps freed tiles for reuse: on Linux, started with mmap and trim
 * thresholds at least ours. Then onnxruntime's sessions can do without an arena each (their
 * blocks go back to the heap and serve the next run); without them a freed 16-44 MB block goes
 * back to the kernel and every run faults it in again (an 8192 x 768 inspect without arenas:
 * 5.1-6.3 s in-process, against 3.4-4.2 s with them).
 */
export function keepsFreedMemory(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  glibc: () => boolean = onGlibc,
): boolean {
  if (platform !== 'linux') return false;
  // glibc asked last: only a process started with the thresholds pays for the report (about 12 ms)
  return THRESHOLDS.every(([name, min]) => Number(tunable(env, name)) >= Number(min)) && glibc();
}

let glibcRuntime: boolean | undefined;

/** whether this process runs on glibc: musl (Alpine) and others ignore GLIBC_TUNABLES; Node's report names glibc's version */
function onGlibc(): boolean {
  if (glibcRuntime === undefined) {
    const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: unknown } } | undefined;
    glibcRuntime = typeof report?.header?.glibcVersionRuntime === 'string';
  }
  return glibcRuntime;
}

/** whether the environment already says something about huge pages (the user's choice, or ours) */
export function hasHugePagesTunable(env: NodeJS.ProcessEnv): boolean {
  return hasTunable(env, 'glibc.malloc.hugetlb');
}

/**
 * `env` with each of the tunables above that it does not set yet added after the user's own (Linux
 * only; a value the user chose for one of them wins)
 */
export function withMallocTunables(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  if (platform !== 'linux') return env;
  const missing = TUNABLES.filter(([name]) => !hasTunable(env, name)).map(([name, value]) => `${name}=${value}`);
  if (missing.length === 0) return env;
  const mine = env.GLIBC_TUNABLES ? [env.GLIBC_TUNABLES] : [];
  return { ...env, GLIBC_TUNABLES: [...mine, ...missing].join(':') };
}
