/**
 * The compute process's environment: the host's, the caller's additions, plain Node, and glibc malloc
 * tunables (../shared/mallocTunables) where fresh pages are dear on this machine (../shared/freshPages).
 */
import { freshPageMsPerMb, pagesAreDear } from '../shared/freshPages';
import { withMallocTunables } from '../shared/mallocTunables';

/** the extension host is long-lived: a block under glibc's largest dynamic mmap threshold (32 MB) may come back warm */
const HOST_PROBE_MB = 40;

export function computeEnv(
  base: NodeJS.ProcessEnv,
  extra: NodeJS.ProcessEnv = {},
  platform: NodeJS.Platform = process.platform,
  dear: (env: NodeJS.ProcessEnv) => boolean = (env) => pagesAreDear(env, freshPageCost),
): NodeJS.ProcessEnv {
  // ELECTRON_RUN_AS_NODE: in desktop VS Code process.execPath is Electron, which must act as plain Node here
  const env = { ...base, ...extra, ELECTRON_RUN_AS_NODE: '1' };
  return platform === 'linux' && dear(env) ? withMallocTunables(env, platform) : env;
}

/** measured once per host: a restarted compute process gets the same environment */
let measured: number | undefined;
function freshPageCost(): number {
  return (measured ??= freshPageMsPerMb(HOST_PROBE_MB));
}
