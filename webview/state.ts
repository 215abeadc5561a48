/**
 * Versioned persisted state (vscode setState/getState). Pure, so unit tests import it.
 * The host's serializer reads `source` after a window reload to recompute the view; the webview
 * renders the saved `view` at once so the user never sees an empty panel while that runs.
 */
import { readPersistedState } from '../src/protocol/viewState';

/** Saving and reading the state live in src/protocol/viewState.ts: the host reads it with the same function. */
export { makeState, sourceOf } from '../src/protocol/viewState';

/**
 * Brings whatever getState() returned to the current version, or undefined when it cannot be
 * used (see readPersistedState: the host's serializer reads saved state with it too).
 */
export const migrateState = readPersistedState;
