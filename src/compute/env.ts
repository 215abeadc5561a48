/**
 * The compute process's environment. On Linux it asks glibc's malloc for transparent huge pages
 * (the `glibc.malloc.hugetlb=1` tunable, glibc 2.35 and later; older ones ignore it): the engine's
 * large buffers (files read, row tiles, onnxruntime's arena) are touched once per 2 MB instead of
 * once per 4 KB, and a page fault costs about 20 us on the VMs measured. An 8192 x 768 inspect went
 * from 4.4 to 3.5 s with it (bench/RESULTS.md, session 5). A tunable the user set wins.
 */
const HUGE_PAGES = 'glibc.malloc.hugetlb=1';

export function computeEnv(
  base: NodeJS.ProcessEnv,
  extra: NodeJS.ProcessEnv = {},
  platform: NodeJS.Platform = process.platform,
): NodeJS.ProcessEnv {
  // ELECTRON_RUN_AS_NODE: in desktop VS Code process.execPath is Electron, which must act as plain Node here
  const env: NodeJS.ProcessEnv = { ...base, ...extra, ELECTRON_RUN_AS_NODE: '1' };
  if (platform !== 'linux') return env;
  const tunables = env.GLIBC_TUNABLES ?? '';
  if (/(^|:)glibc\.malloc\.hugetlb=/.test(tunables)) return env;
  env.GLIBC_TUNABLES = tunables ? `${tunables}:${HUGE_PAGES}` : HUGE_PAGES;
  return env;
}
