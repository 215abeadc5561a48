/** The compute process's environment: the host's, the caller's additions, plain Node, glibc malloc tunables (../shared/mallocTunables). */
import { withMallocTunables } from '../shared/mallocTunables';

export function computeEnv(
  base: NodeJS.ProcessEnv,
  extra: NodeJS.ProcessEnv = {},
  platform: NodeJS.Platform = process.platform,
): NodeJS.ProcessEnv {
  // ELECTRON_RUN_AS_NODE: in desktop VS Code process.execPath is Electron, which must act as plain Node here
  return withMallocTunables({ ...base, ...extra, ELECTRON_RUN_AS_NODE: '1' }, platform);
}
