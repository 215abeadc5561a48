export { findAssetRoot, jsonForScript, renderStandaloneHtml } from './standalone';
export type { StandaloneOptions } from './standalone';
