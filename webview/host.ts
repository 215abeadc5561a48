/**
 * The connection to the extension host. Inside VS Code it wraps acquireVsCodeApi(); in the
 * standalone HTML export there is no host, so posting is a no-op and state lives in memory.
 */
import type { WebviewToHost } from '../src/protocol/webview';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  // provided by VS Code inside webviews only
  function acquireVsCodeApi(): VsCodeApi;
}

export interface Host {
  /** false in the standalone export: host-only controls are not shown */
  readonly connected: boolean;
  post(msg: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}

export function connectHost(): Host {
  if (typeof acquireVsCodeApi === 'function') {
    // acquireVsCodeApi may be called once per page load; keep the handle
    const api = acquireVsCodeApi();
    return {
      connected: true,
      post: (msg) => api.postMessage(msg),
      getState: () => api.getState(),
      setState: (s) => api.setState(s),
    };
  }
  let state: unknown;
  return {
    connected: false,
    post: () => undefined,
    getState: () => state,
    setState: (s) => {
      state = s;
    },
  };
}
