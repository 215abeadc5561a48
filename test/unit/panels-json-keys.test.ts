// The Problems entry of a .json checkpoint's warning points at its modality's key (src/panels/jsonKeys.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keySpans } from '../../src/panels/jsonKeys';

void test('each name is found where it is a key, not where it is a value or part of another name', () => {
  const text = [
    '{',
    '  "__metadata__": {"note": "audio"},',
    '  "audio_x": [[1, 2]],',
    '  "audio" : [[1, 2],',
    '    [3, 4]],',
    '"visual":[[5,6]]}',
  ].join('\n');
  const spans = keySpans(text, ['audio', 'visual', 'text', 'a "quoted" name']);
  assert.deepEqual(spans.get('audio'), { line: 3, character: 2, length: 7 });
  assert.deepEqual(spans.get('visual'), { line: 5, character: 0, length: 8 });
  assert.equal(spans.has('text'), false);
  assert.equal(spans.has('a "quoted" name'), false);
  // a name with characters JSON escapes is found as JSON writes it
  assert.deepEqual(keySpans('{"a \\"b\\"": [[1]]}', ['a "b"']).get('a "b"'), { line: 0, character: 1, length: 9 });
});
