/**
 * Where a .json checkpoint names each array: the line and column of its key, so a Problems entry
 * about a modality opens the text at that array instead of "Ln 1, Col 1". (Binary checkpoints
 * have no lines; their entries reach the card through the entry's link instead.) Pure text work,
 * no vscode, so it is tested on its own.
 */

export interface KeySpan {
  /** zero-based, as vscode.Range takes them */
  line: number;
  character: number;
  /** the quoted key's length, quotes included */
  length: number;
}

/** Checkpoints larger than this are not scanned on the extension host (their entries stay at the top). */
export const MAX_SCANNED_BYTES = 16 * 1024 * 1024;

/**
 * The first place each name stands as an object key ("name" then optional white space and a
 * colon); names not found are left out. A key written with other escapes than JSON.stringify's
 * is not found, which only costs the better position.
 */
export function keySpans(text: string, names: readonly string[]): Map<string, KeySpan> {
  const out = new Map<string, KeySpan>();
  for (const name of names) {
    const quoted = JSON.stringify(name);
    let at = text.indexOf(quoted);
    while (at >= 0) {
      let k = at + quoted.length;
      while (k < text.length && /\s/.test(text[k] as string)) k++;
      if (text[k] === ':') break;
      at = text.indexOf(quoted, at + 1);
    }
    if (at < 0) continue;
    const before = text.lastIndexOf('\n', at - 1);
    let line = 0;
    for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
    out.set(name, { line, character: at - (before + 1), length: quoted.length });
  }
  return out;
}
