/**
 * Whether this machine's fresh memory pages are dear enough for glibc's huge pages and malloc
 * thresholds (./mallocTunables) to pay. Measured, because it differs from machine to machine and
 * the two answers are opposite (bench/RESULTS.md, issue 11 session 8):
 * - on a VM whose 4 KB page faults cost 2.7-4.4 ms per MB (the dev VM of sessions 5-6), huge pages
 *   filled 128 MB in 301 ms against 567 and an 8192 x 768 inspect went from 3.7 to 3.2 s;
 * - on a VM whose 4 KB faults cost 0.38 ms per MB (session 8), fresh 2 MB pages cost 0.2-2.6 ms per
 *   MB (the hypervisor backs never-touched guest memory lazily, and huge pages come from there), and
 *   the same inspect took 2.98 s relaunched with the tunables against 2.60 s without.
 * Fresh huge pages cost about 2.5 ms per MB on both, so they win only where 4 KB faults cost more.
 */

/** 4 KB page faults at or above this many milliseconds per MB make the tunables worth their cost */
export const DEAR_PAGES_MS_PER_MB = 1.5;

/**
 * Milliseconds per MB to fault in `mb` MB of memory no one has touched: one write per 4 KB page of
 * a buffer malloc maps afresh. In a long-lived process pass more than 32 MB: glibc's dynamic mmap
 * threshold can grow to 32 MB there, and a smaller block may come back from the heap, warm.
 */
export function freshPageMsPerMb(mb = 16): number {
  const bytes = mb * 2 ** 20;
  const buf = Buffer.allocUnsafeSlow(bytes);
  const t0 = performance.now();
  for (let i = 0; i < bytes; i += 4096) buf[i] = 1;
  return (performance.now() - t0) / mb;
}

/**
 * The user's word (DAGR_HUGE_PAGES=1 always, 0 never), else the measurement: true where fresh
 * pages cost DEAR_PAGES_MS_PER_MB or more.
 */
export function pagesAreDear(env: NodeJS.ProcessEnv = process.env, measure: () => number = freshPageMsPerMb): boolean {
  if (env.DAGR_HUGE_PAGES === '1') return true;
  if (env.DAGR_HUGE_PAGES === '0') return false;
  return measure() >= DEAR_PAGES_MS_PER_MB;
}
