/** Whether fresh pages are dear (src/shared/freshPages): the user's word first, then a measurement of this machine. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEAR_PAGES_MS_PER_MB, freshPageMsPerMb, pagesAreDear } from '../../src/shared/freshPages';

void test('DAGR_HUGE_PAGES=1 or 0 decides without measuring; otherwise the measurement against the threshold', () => {
  let asked = 0;
  const costs = (ms: number) => (): number => (asked++, ms);
  assert.equal(pagesAreDear({ DAGR_HUGE_PAGES: '1' }, costs(0)), true);
  assert.equal(pagesAreDear({ DAGR_HUGE_PAGES: '0' }, costs(100)), false);
  assert.equal(asked, 0, 'the user said: nothing measured');
  assert.equal(pagesAreDear({}, costs(DEAR_PAGES_MS_PER_MB)), true, 'at the threshold');
  assert.equal(pagesAreDear({}, costs(4.4)), true, 'the VM of sessions 5-6');
  assert.equal(pagesAreDear({}, costs(0.38)), false, 'the VM of session 8');
  assert.equal(pagesAreDear({ DAGR_HUGE_PAGES: 'yes' }, costs(0.1)), false, 'any other value: measured');
  assert.equal(asked, 4);
});

void test('freshPageMsPerMb measures this machine: a positive, finite cost per MB', () => {
  const ms = freshPageMsPerMb(4);
  assert.ok(Number.isFinite(ms) && ms > 0, String(ms));
});
