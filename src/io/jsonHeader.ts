/**
 * A strict JSON parser for file headers (safetensors). Unlike JSON.parse it keeps what a header
 * reader must see to apply the format's rules:
 * - objects keep every member in order, duplicates included (JSON.parse lets the last one win and
 *   silently drops a tensor);
 * - numbers keep their source text, so `4.0`, `1e0`, `-0` and integers beyond 2^53 can be refused
 *   by name instead of being rounded into something that looks valid.
 * It accepts exactly RFC 8259 JSON (no comments, no trailing commas, no control characters in
 * strings, no lone surrogate escapes), nests at most MAX_DEPTH deep, and never recurses on input
 * it has not bounded, so a hostile header cannot overflow the stack.
 */

/** A JSON number as written in the source. */
export class JsonNumber {
  constructor(readonly raw: string) {}
  get value(): number {
    return Number(this.raw);
  }
}

/** A JSON object: its members in source order, duplicates kept. */
export class JsonObject {
  constructor(readonly members: [string, JsonValue][]) {}
}

export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;

/** A syntax error: `reason` says what was expected, `at` is the character index in the text. */
export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly at: number,
  ) {
    super(`${reason} at character ${at}`);
    this.name = 'JsonSyntaxError';
  }
}

/** serde_json's limit too: deeper headers are refused rather than risking the stack. */
export const MAX_DEPTH = 128;

const WS = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const DIGIT = (c: number): boolean => c >= 0x30 && c <= 0x39;

/** How to quote one character of the input in an error message. */
function showChar(c: number | undefined): string {
  if (c === undefined || Number.isNaN(c)) return 'the end of the header';
  if (c < 0x20 || c === 0x7f) return `character \\x${c.toString(16).padStart(2, '0')}`;
  return `"${String.fromCharCode(c)}"`;
}

/** Describes a parsed value in a message: `the number 1.5`, `a string`, `a list`. */
export function describeJson(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return `the boolean ${String(v)}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v)}`;
  if (v instanceof JsonNumber) return `the number ${v.raw.length > 40 ? `${v.raw.slice(0, 37)}...` : v.raw}`;
  if (Array.isArray(v)) return `a list of ${v.length}`;
  return 'an object';
}

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  fail(reason: string, at = this.i): never {
    throw new JsonSyntaxError(reason, at);
  }

  private ws(): void {
    const s = this.s;
    while (this.i < s.length && WS(s.charCodeAt(this.i))) this.i++;
  }

  parseDocument(): JsonValue {
    this.ws();
    const v = this.value(0);
    this.ws();
    if (this.i < this.s.length) {
      this.fail(`unexpected ${showChar(this.s.charCodeAt(this.i))} after the JSON value (only whitespace may follow it)`);
    }
    return v;
  }

  private value(depth: number): JsonValue {
    const s = this.s;
    const c = s.charCodeAt(this.i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (depth >= MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH} levels`);
      return c === 0x7b ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (c === 0x22 /* " */) return this.string();
    if (c === 0x2d /* - */ || DIGIT(c)) return this.number();
    if (c === 0x74 /* t */ && s.startsWith('true', this.i)) {
      this.i += 4;
      return true;
    }
    if (c === 0x66 /* f */ && s.startsWith('false', this.i)) {
      this.i += 5;
      return false;
    }
    if (c === 0x6e /* n */ && s.startsWith('null', this.i)) {
      this.i += 4;
      return null;
    }
    return this.fail(`expected a value, found ${showChar(c)}`);
  }

  private object(depth: number): JsonObject {
    const s = this.s;
    this.i++; // {
    const members: [string, JsonValue][] = [];
    this.ws();
    if (s.charCodeAt(this.i) === 0x7d) {
      this.i++;
      return new JsonObject(members);
    }
    for (;;) {
      this.ws();
      if (s.charCodeAt(this.i) !== 0x22) this.fail(`expected a quoted key, found ${showChar(s.charCodeAt(this.i))}`);
      const key = this.string();
      this.ws();
      if (s.charCodeAt(this.i) !== 0x3a)
        this.fail(`expected ":" after the key ${JSON.stringify(key)}, found ${showChar(s.charCodeAt(this.i))}`);
      this.i++;
      this.ws();
      members.push([key, this.value(depth)]);
      this.ws();
      const c = s.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x7d) {
        this.i++;
        return new JsonObject(members);
      }
      this.fail(`expected "," or "}" after the value of ${JSON.stringify(key)}, found ${showChar(c)}`);
    }
  }

  private array(depth: number): JsonValue[] {
    const s = this.s;
    this.i++; // [
    const out: JsonValue[] = [];
    this.ws();
    if (s.charCodeAt(this.i) === 0x5d) {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(depth));
      this.ws();
      const c = s.charCodeAt(this.i);
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x5d) {
        this.i++;
        return out;
      }
      this.fail(`expected "," or "]" in a list, found ${showChar(c)}`);
    }
  }

  private hex4(at: number): number {
    let u = 0;
    for (let k = at; k < at + 4; k++) {
      const c = this.s.charCodeAt(k);
      const d = DIGIT(c) ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (d < 0) this.fail('expected 4 hex digits after \\u', at);
      u = u * 16 + d;
    }
    return u;
  }

  private string(): string {
    const s = this.s;
    const start = this.i;
    this.i++; // "
    // Runs between escapes are sliced, not copied a character at a time; parts are joined once.
    const parts: string[] = [];
    let run = this.i;
    for (;;) {
      if (this.i >= s.length) this.fail('unterminated string', start);
      const c = s.charCodeAt(this.i);
      if (c === 0x22) {
        const last = s.slice(run, this.i);
        this.i++;
        if (parts.length === 0) return last;
        parts.push(last);
        return parts.join('');
      }
      if (c < 0x20) this.fail(`raw control ${showChar(c)} in a string (it must be escaped)`);
      if (c !== 0x5c) {
        this.i++;
        continue;
      }
      if (run < this.i) parts.push(s.slice(run, this.i));
      const e = s.charCodeAt(this.i + 1);
      this.i += 2;
      switch (e) {
        case 0x22:
          parts.push('"');
          break;
        case 0x5c:
          parts.push('\\');
          break;
        case 0x2f:
          parts.push('/');
          break;
        case 0x62:
          parts.push('\b');
          break;
        case 0x66:
          parts.push('\f');
          break;
        case 0x6e:
          parts.push('\n');
          break;
        case 0x72:
          parts.push('\r');
          break;
        case 0x74:
          parts.push('\t');
          break;
        case 0x75: {
          const u = this.hex4(this.i);
          this.i += 4;
          if (u >= 0xd800 && u <= 0xdbff) {
            // a high surrogate must be followed by an escaped low one
            const lo = s.startsWith('\\u', this.i) ? this.hex4(this.i + 2) : -1;
            if (lo < 0xdc00 || lo > 0xdfff) this.fail(`lone surrogate \\u${u.toString(16)} in a string`, this.i - 6);
            this.i += 6;
            parts.push(String.fromCharCode(u, lo));
          } else if (u >= 0xdc00 && u <= 0xdfff) {
            this.fail(`lone surrogate \\u${u.toString(16)} in a string`, this.i - 6);
          } else {
            parts.push(String.fromCharCode(u));
          }
          break;
        }
        default:
          this.fail(`invalid escape ${showChar(e)} in a string`, this.i - 1);
      }
      run = this.i;
    }
  }

  private number(): JsonNumber {
    const s = this.s;
    const start = this.i;
    if (s.charCodeAt(this.i) === 0x2d) this.i++;
    const first = s.charCodeAt(this.i);
    if (first === 0x30) {
      this.i++;
    } else if (DIGIT(first)) {
      while (DIGIT(s.charCodeAt(this.i))) this.i++;
    } else {
      this.fail(`expected a digit, found ${showChar(first)}`);
    }
    if (DIGIT(s.charCodeAt(this.i))) this.fail('a number may not have a leading zero', start);
    if (s.charCodeAt(this.i) === 0x2e) {
      this.i++;
      if (!DIGIT(s.charCodeAt(this.i))) this.fail(`expected a digit after ".", found ${showChar(s.charCodeAt(this.i))}`);
      while (DIGIT(s.charCodeAt(this.i))) this.i++;
    }
    const e = s.charCodeAt(this.i);
    if (e === 0x65 || e === 0x45) {
      this.i++;
      const sign = s.charCodeAt(this.i);
      if (sign === 0x2b || sign === 0x2d) this.i++;
      if (!DIGIT(s.charCodeAt(this.i))) this.fail(`expected a digit in the exponent, found ${showChar(s.charCodeAt(this.i))}`);
      while (DIGIT(s.charCodeAt(this.i))) this.i++;
    }
    return new JsonNumber(s.slice(start, this.i));
  }
}

/** Parses one JSON document (whitespace around it allowed); throws JsonSyntaxError. */
export function parseStrictJson(text: string): JsonValue {
  return new Parser(text).parseDocument();
}

/**
 * The integer a number token spells when it is a plain non-negative integer (`0`, `16`; not `-0`,
 * `4.0`, `1e3`), as `{ value }`; `{ tooLarge: true }` when it is one but above 2^53 − 1; null when it
 * is not a non-negative integer at all.
 */
export function nonNegativeInteger(v: JsonValue): { value: number } | { tooLarge: true } | null {
  if (!(v instanceof JsonNumber) || !/^(0|[1-9][0-9]*)$/.test(v.raw)) return null;
  const n = v.value;
  return Number.isSafeInteger(n) ? { value: n } : { tooLarge: true };
}
