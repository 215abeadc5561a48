/**
 * Float64 tile buffers kept between the row-tile loops of one job and the next (the Grams of the
 * spectra, linear CKA's cross products). Fresh memory is dear: a page fault costs about 20 us on
 * the VMs measured (bench/RESULTS.md), so filling a fresh 32 MB tile took 135 ms where a touched one
 * took 11 ms. A buffer is leased, never shared: a caller that asks while every pooled buffer is out
 * (two jobs of the compute process interleave at each await) gets a fresh array. The pool is
 * dropped after IDLE_MS unused, so an idle compute process gives the memory back.
 */

/** at most this many buffers are kept (linear CKA leases two at once) */
const POOL_SIZE = 2;
/** larger requests (a GPU placement's tiles) get fresh arrays and are not kept */
export const SCRATCH_MAX_ELEMENTS = 1 << 22;
const IDLE_MS = 10_000;

const free: Float64Array[] = [];
let idle: ReturnType<typeof setTimeout> | undefined;

export interface Float64Lease {
  /** at least the size asked for; its contents are whatever the last user left */
  readonly data: Float64Array;
  /** gives the buffer back (again is a no-op); the caller must not touch `data` after it */
  release(): void;
}

/** a float64 buffer of at least `size` elements, from the pool where one is free */
export function leaseFloat64(size: number): Float64Lease {
  if (idle !== undefined) clearTimeout(idle);
  idle = undefined;
  if (size > SCRATCH_MAX_ELEMENTS) return { data: new Float64Array(size), release: () => undefined };
  // the smallest free buffer that fits; else a new one that replaces the smallest (it is grown, not added)
  let pick = -1;
  for (let i = 0; i < free.length; i++) {
    const b = free[i] as Float64Array;
    if (b.length >= size && (pick < 0 || b.length < (free[pick] as Float64Array).length)) pick = i;
  }
  let data: Float64Array;
  if (pick >= 0) data = free.splice(pick, 1)[0] as Float64Array;
  else {
    if (free.length > 0) free.splice(indexOfSmallest(), 1);
    data = new Float64Array(size);
  }
  let out = true;
  return {
    data,
    release: () => {
      if (!out) return;
      out = false;
      free.push(data);
      if (free.length > POOL_SIZE) free.splice(indexOfSmallest(), 1);
      if (idle !== undefined) clearTimeout(idle);
      idle = setTimeout(dropScratch, IDLE_MS);
      idle.unref?.();
    },
  };
}

function indexOfSmallest(): number {
  let k = 0;
  for (let i = 1; i < free.length; i++) if ((free[i] as Float64Array).length < (free[k] as Float64Array).length) k = i;
  return k;
}

/** forgets every pooled buffer (after IDLE_MS unused; tests call it) */
export function dropScratch(): void {
  free.length = 0;
  if (idle !== undefined) clearTimeout(idle);
  idle = undefined;
}

/** the pooled buffers' sizes, for tests */
export function pooledSizes(): number[] {
  return free.map((b) => b.length);
}
