/**
 * Records keyed by user names (modality, tensor and pair names come from files). A plain
 * `o[name] = v` with name "__proto__" sets the object's prototype instead of adding a key, and
 * `o[name]` / `name in o` find Object.prototype's "constructor", "toString", ... when the name is
 * absent. These helpers define and read own properties only, so every name is an ordinary key and
 * the JSON of the record is the same as for any other name. No vscode, DOM or node imports.
 */

/** A plain object (JSON-compatible, Object.prototype) with the entries as own properties. */
export function recordOf<V>(entries: Iterable<readonly [string, V]>): Record<string, V> {
  // Object.fromEntries defines properties (CreateDataProperty), it never calls the __proto__ setter
  return Object.fromEntries(entries) as Record<string, V>;
}

/** o[key] = value as an own property, whatever the key. */
export function setOwn<V>(o: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/** o[key] when o has it as an own property, else undefined (never an inherited member). */
export function getOwn<V>(o: Readonly<Record<string, V>> | null | undefined, key: string): V | undefined {
  return o !== null && o !== undefined && Object.prototype.hasOwnProperty.call(o, key) ? o[key] : undefined;
}

/** `key in o` restricted to own properties. */
export function hasOwnKey(o: object | null | undefined, key: string): boolean {
  return o !== null && o !== undefined && Object.prototype.hasOwnProperty.call(o, key);
}
