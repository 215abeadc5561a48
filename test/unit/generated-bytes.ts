/**
 * The check behind the kept WebAssembly bytes (src/engine/linalg/kernelBytes.ts, eigenSmallBytes.ts):
 * each constant the file keeps must be what the builders assemble now, byte for byte; with the
 * environment variable `rewrite` set to 1 the file is written again first, from `header` and the
 * builders' bytes.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function checkKeptBytes(o: {
  /** the generated file, under src/engine/linalg */
  file: string;
  /** its doc comment's lines, without the comment marks */
  header: string[];
  /** the name of the environment variable that rewrites it */
  rewrite: string;
  /** the test file that checks it, for the message */
  testFile: string;
  /** each constant's bytes as the builders assemble them now, base64 */
  built: Record<string, string>;
  /** the constants as the file keeps them */
  kept: () => Promise<Record<string, unknown>>;
}): Promise<void> {
  const path = join(__dirname, '..', '..', 'src', 'engine', 'linalg', o.file);
  if (process.env[o.rewrite] === '1') {
    writeFileSync(
      path,
      [
        '/**',
        ...o.header.map((l) => ` * ${l}`),
        ' */',
        ...Object.entries(o.built).map(([name, b64]) => `export const ${name} =\n  '${b64}';`),
        '',
      ].join('\n'),
    );
  }
  return o.kept().then((kept) => {
    for (const [name, b64] of Object.entries(o.built)) {
      assert.equal(
        kept[name],
        b64,
        `${name} in ${o.file} is not what the builders assemble: ${o.rewrite}=1 node --import tsx --test test/unit/${o.testFile}`,
      );
    }
  });
}
