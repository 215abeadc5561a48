/** The compute process's environment: huge pages asked of glibc on Linux, the user's tunables kept. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeEnv } from '../../src/compute/env';

void test('Linux: glibc.malloc.hugetlb=1 is added, after any tunables the user set', () => {
  assert.equal(computeEnv({ PATH: '/bin' }, {}, 'linux').GLIBC_TUNABLES, 'glibc.malloc.hugetlb=1');
  assert.equal(
    computeEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' }, {}, 'linux').GLIBC_TUNABLES,
    'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1',
  );
  assert.equal(computeEnv({ GLIBC_TUNABLES: '' }, {}, 'linux').GLIBC_TUNABLES, 'glibc.malloc.hugetlb=1');
});

void test('a hugetlb tunable the user set wins; other platforms are left alone; the rest of the environment is kept', () => {
  assert.equal(computeEnv({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }, {}, 'linux').GLIBC_TUNABLES, 'glibc.malloc.hugetlb=0');
  assert.equal(
    computeEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2' }, {}, 'linux').GLIBC_TUNABLES,
    'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2',
  );
  for (const platform of ['darwin', 'win32'] as const)
    assert.equal('GLIBC_TUNABLES' in computeEnv({ PATH: '/bin' }, {}, platform), false, platform);
  const env = computeEnv({ PATH: '/bin', A: '1' }, { A: '2', B: '3' }, 'linux');
  assert.deepEqual([env.PATH, env.A, env.B, env.ELECTRON_RUN_AS_NODE], ['/bin', '2', '3', '1']);
});
