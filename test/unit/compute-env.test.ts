/** The compute process's environment: glibc malloc tunables on Linux, the user's own tunables kept and winning. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeEnv } from '../../src/compute/env';
import { keepsFreedMemory } from '../../src/shared/mallocTunables';

const HUGE = 'glibc.malloc.hugetlb=1';
const MMAP = 'glibc.malloc.mmap_threshold=33554432';
const TRIM = 'glibc.malloc.trim_threshold=268435456';
/** a machine whose fresh pages are dear (../../src/shared/freshPages), where the tunables are added */
const DEAR = (): boolean => true;

void test('Linux: huge pages and the two malloc thresholds are added, after any tunables the user set', () => {
  assert.equal(computeEnv({ PATH: '/bin' }, {}, 'linux', DEAR).GLIBC_TUNABLES, `${HUGE}:${MMAP}:${TRIM}`);
  assert.equal(
    computeEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, {}, 'linux', DEAR).GLIBC_TUNABLES,
    `glibc.malloc.arena_max=2:${HUGE}:${MMAP}:${TRIM}`,
  );
  assert.equal(computeEnv({ GLIBC_TUNABLES: '' }, {}, 'linux', DEAR).GLIBC_TUNABLES, `${HUGE}:${MMAP}:${TRIM}`);
});

void test('a tunable the user set wins, each on its own; other platforms are left alone; the rest of the environment is kept', () => {
  assert.equal(
    computeEnv({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }, {}, 'linux', DEAR).GLIBC_TUNABLES,
    `glibc.malloc.hugetlb=0:${MMAP}:${TRIM}`,
  );
  assert.equal(
    computeEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2' }, {}, 'linux', DEAR).GLIBC_TUNABLES,
    `glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2:${MMAP}:${TRIM}`,
  );
  const all = `glibc.malloc.trim_threshold=1:${HUGE}:glibc.malloc.mmap_threshold=2`;
  assert.equal(computeEnv({ GLIBC_TUNABLES: all }, {}, 'linux', DEAR).GLIBC_TUNABLES, all, 'all three set: unchanged');
  // a name that merely contains ours is not ours
  assert.equal(
    computeEnv({ GLIBC_TUNABLES: 'x.glibc.malloc.hugetlb=0' }, {}, 'linux', DEAR).GLIBC_TUNABLES,
    `x.glibc.malloc.hugetlb=0:${HUGE}:${MMAP}:${TRIM}`,
  );
  for (const platform of ['darwin', 'win32'] as const)
    assert.equal('GLIBC_TUNABLES' in computeEnv({ PATH: '/bin' }, {}, platform, DEAR), false, platform);
  const env = computeEnv({ PATH: '/bin', A: '1' }, { A: '2', B: '3' }, 'linux', DEAR);
  assert.deepEqual([env.PATH, env.A, env.B, env.ELECTRON_RUN_AS_NODE], ['/bin', '2', '3', '1']);
});

void test('fresh pages cheap on this machine: no tunables at all; the measurement is asked with the environment', () => {
  const seen: NodeJS.ProcessEnv[] = [];
  const env = computeEnv({ PATH: '/bin', GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, { A: '1' }, 'linux', (e) => (seen.push(e), false));
  assert.equal(env.GLIBC_TUNABLES, 'glibc.malloc.arena_max=2', "the user's own tunables only");
  assert.deepEqual([seen.length, seen[0]?.A, seen[0]?.PATH], [1, '1', '/bin']);
  assert.equal(
    keepsFreedMemory(env, 'linux', () => true),
    false,
    "then onnxruntime's arenas stay",
  );
  let asked = 0;
  computeEnv({}, {}, 'darwin', () => (asked++, true));
  assert.equal(asked, 0, 'not measured off Linux');
});

void test("keepsFreedMemory: only a Linux process started with our thresholds or larger (onnxruntime's arenas are dropped only there)", () => {
  const glibc = (): boolean => true;
  assert.equal(keepsFreedMemory(computeEnv({}, {}, 'linux', DEAR), 'linux', glibc), true, 'the compute process');
  assert.equal(
    keepsFreedMemory({ GLIBC_TUNABLES: `${MMAP}:glibc.malloc.trim_threshold=1073741824` }, 'linux', glibc),
    true,
    'larger is fine',
  );
  assert.equal(keepsFreedMemory({}, 'linux'), false, 'a plain process');
  assert.equal(keepsFreedMemory({ GLIBC_TUNABLES: HUGE }, 'linux'), false, 'huge pages alone');
  assert.equal(
    keepsFreedMemory({ GLIBC_TUNABLES: `${HUGE}:glibc.malloc.mmap_threshold=65536:${TRIM}` }, 'linux'),
    false,
    'a smaller threshold',
  );
  assert.equal(keepsFreedMemory({ GLIBC_TUNABLES: `${MMAP}:glibc.malloc.trim_threshold=lots` }, 'linux'), false, 'not a number');
  assert.equal(keepsFreedMemory(computeEnv({}, {}, 'linux', DEAR), 'darwin'), false, 'not Linux');
  assert.equal(
    keepsFreedMemory(computeEnv({}, {}, 'linux', DEAR), 'linux', () => false),
    false,
    'Linux on musl: the tunables are ignored',
  );
  let asked = 0;
  const counted = (): boolean => (asked++, true);
  assert.equal(keepsFreedMemory({}, 'linux', counted), false);
  assert.equal(asked, 0, 'a process without the thresholds does not ask for the report');
  // this machine: Node's own report (glibc here)
  assert.equal(keepsFreedMemory(computeEnv({}, {}, 'linux', DEAR), 'linux'), process.platform === 'linux');
});
