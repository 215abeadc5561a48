/**
 * `--json` output: the same text as JSON.stringify(value, null, 2), printed in pieces. One string
 * of a report with many pairs (or a run of many checkpoints) can pass V8's string limit
 * ("Invalid string length"); here no piece is bigger than one array element of the top two levels.
 */

const isPlainContainer = (v: unknown): v is object =>
  typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON !== 'function';

/**
 * Yields the lines of JSON.stringify(value, null, 2) in groups (each group is whole lines, no
 * trailing newline). Objects and arrays are opened up to `depth` levels; deeper values are
 * stringified whole and indented.
 */
export function* jsonPieces(value: unknown, depth = 3, indent = '', prefix = '', suffix = ''): Generator<string> {
  const inner = `${indent}  `;
  if (depth <= 0 || !isPlainContainer(value)) {
    const text = JSON.stringify(value, null, 2);
    if (text === undefined) return; // undefined or a function: JSON.stringify leaves it out
    yield `${indent}${prefix}${text.replace(/\n/g, `\n${indent}`)}${suffix}`;
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield `${indent}${prefix}[]${suffix}`;
      return;
    }
    yield `${indent}${prefix}[`;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const comma = i < value.length - 1 ? ',' : '';
      // as JSON.stringify: an element that has no JSON (undefined, a function) is null
      const item = v === undefined || typeof v === 'function' || typeof v === 'symbol' ? null : v;
      yield* jsonPieces(item, depth - 1, inner, '', comma);
    }
    yield `${indent}]${suffix}`;
    return;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
  if (entries.length === 0) {
    yield `${indent}${prefix}{}${suffix}`;
    return;
  }
  yield `${indent}${prefix}{`;
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i] as [string, unknown];
    yield* jsonPieces(v, depth - 1, inner, `${JSON.stringify(k)}: `, i < entries.length - 1 ? ',' : '');
  }
  yield `${indent}}${suffix}`;
}

/** Prints JSON.stringify(value, null, 2) through print (one call per piece, each ending a line). */
export function printJson(print: (text: string) => void, value: unknown): void {
  for (const piece of jsonPieces(value)) print(piece);
}
