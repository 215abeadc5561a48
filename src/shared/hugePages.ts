/**
 * glibc's transparent huge pages for the processes that compute (the compute process, and a CLI
 * run on a big input). With the `glibc.malloc.hugetlb=1` tunable (glibc 2.35 and later; older ones
 * and other C libraries ignore it) malloc asks the kernel for 2 MB pages, so the engine's large
 * buffers (files read, row tiles, onnxruntime's arena) fault once per 2 MB instead of once per 4 KB.
 * A page fault costs about 20 us on the VMs measured: filling 128 MB took 567 ms with 4 KB pages and
 * 301 ms with huge pages, and an 8192 x 768 inspect 4.4 -> 3.5 s (bench/RESULTS.md, session 5).
 * The tunable is read when a process starts, so it is set in a child's environment.
 */
const HUGE_PAGES = 'glibc.malloc.hugetlb=1';

/** whether the environment already says something about huge pages (the user's choice, or ours) */
export function hasHugePagesTunable(env: NodeJS.ProcessEnv): boolean {
  return /(^|:)glibc\.malloc\.hugetlb=/.test(env.GLIBC_TUNABLES ?? '');
}

/** `env` with the tunable added after any the user set (Linux only; a hugetlb tunable already there wins) */
export function withHugePages(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  if (platform !== 'linux' || hasHugePagesTunable(env)) return env;
  const tunables = env.GLIBC_TUNABLES ?? '';
  return { ...env, GLIBC_TUNABLES: tunables ? `${tunables}:${HUGE_PAGES}` : HUGE_PAGES };
}
