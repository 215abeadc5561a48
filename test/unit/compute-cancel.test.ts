// Cancelling a running job in the real compute process (src/worker/main.ts through the compute
// client, as the extension runs it): an inspect of 20000 rows × 512 columns per modality takes
// ~15 s with onnxruntime here; a cancel in the middle of its metrics is answered by the process
// itself (not by the client's grace timer, which would replace the process) within a second, the
// process stops computing, keeps its pid, serves the next job with the same numbers as before, and
// holds no more file descriptors than it did before the cancelled job.
// The plain-JS engine gets 20000 × 32: its tiles have the same number of entries whatever the
// width, and at 512 columns one tile runs ~10 s without looking at the cancel (the client then
// replaces the process after its grace time), so a prompt cancel there needs narrower rows.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ComputeClient } from '../../src/compute/client';
import { writeNoisePair } from '../fixtures/big-checkpoint';
import { ComputeError } from '../../src/protocol/messages';
import type { EngineChoice } from '../../src/protocol/jobs';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../../src/protocol/report';
import type { GeometryReport } from '../../src/protocol/report';

const root = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'dagr-cancel-'));
const healthy = join(root, 'examples', 'healthy.safetensors');
const logs: string[] = [];
// the grace time after which the client gives up on the process and replaces it: a cancel the
// process does not answer in that time shows up as a new pid and an "ignored cancel" log line
const GRACE_MS = 5000;
const client = new ComputeClient({
  workerPath: join(root, 'src', 'worker', 'main.ts'),
  execArgv: ['--import', 'tsx'],
  cancelGraceMs: GRACE_MS,
  log: (l) => logs.push(l),
});
after(() => {
  client.dispose();
  rmSync(dir, { recursive: true, force: true });
});

/** CPU seconds (user + system) the process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after the command name (which may hold spaces): utime and stime are the 12th and 13th
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
}

/**
 * The open descriptors as "fd -> what it points to" (a file's path, socket:[inode], anon_inode:[eventfd]),
 * so a failure says what was left open. onnxruntime's telemetry client used to open an eventfd and
 * sockets for a moment whenever it tried an upload, from a thread of its own at times of its own; a
 * check that fell on one of those saw an "extra" descriptor (once, on a loaded machine: fd 33). The
 * compute process now starts onnxruntime with telemetry off (src/engine/ortTelemetry.ts), so the
 * comparison stays exact, and the check below that no telemetry store is open keeps it so.
 */
const openFds = (pid: number): string[] =>
  readdirSync(`/proc/${pid}/fd`)
    .map((fd) => {
      try {
        return `${fd} -> ${readlinkSync(`/proc/${pid}/fd/${fd}`)}`;
      } catch {
        return `${fd} -> (closed while listed)`;
      }
    })
    .filter((l) => !TSX_CACHE.test(l));
/**
 * tsx's compile cache folder (<tmp>/tsx-<uid>): this test runs the compute process from the
 * TypeScript sources through tsx (the shipped one is a bundle), and tsx holds that folder open for a
 * moment whenever it compiles a module imported lazily; a full CI run once listed it before the job
 * and not after. It is the test harness's descriptor, not the compute process's.
 */
const TSX_CACHE = / -> .*\/tsx-\d+(\/|$)/;
/** onnxruntime's telemetry event store and debug log: open only while its telemetry is on */
const TELEMETRY = /onnxruntime\.db|mat-debug-/;
const threads = (pid: number): number => Number(/^Threads:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

const inspect = (path: string, engine: EngineChoice): Promise<GeometryReport> =>
  client.request('inspect', { path, options: DEFAULT_OPTIONS, thresholds: DEFAULT_THRESHOLDS, engine }) as Promise<GeometryReport>;

/** The report without its timing, for equality. */
const timeless = (r: GeometryReport): GeometryReport => ({ ...r, seconds: 0 });

const NOT_LINUX = process.platform !== 'linux' && 'reads /proc to see the process stop computing (Linux only)';
for (const [engine, d] of [
  ['onnxruntime', 512],
  ['js', 32],
] as const) {
  void test(
    `${engine}, 20000 × ${d}: a cancel mid-inspect stops the job in the real compute process, which stays usable and leaks nothing`,
    { skip: NOT_LINUX },
    async (t) => {
      const big = join(dir, `big-${d}.safetensors`);
      await writeNoisePair(big, 20_000, d);
      // a first small job: the process is started and the engine's modules are loaded
      const before = await inspect(healthy, engine);
      const pid = client.pid;
      assert.ok(pid !== undefined);
      const fdsBefore = openFds(pid);
      assert.deepEqual(
        fdsBefore.filter((f) => TELEMETRY.test(f)),
        [],
        'onnxruntime telemetry is off in the compute process',
      );
      const threadsBefore = threads(pid);

      const ac = new AbortController();
      const stages: string[] = [];
      // when each tile of the dispersive loss reported: a cancel is read between two tiles
      const tiles: number[] = [];
      let abortedAt = 0;
      const job = client.request(
        'inspect',
        { path: big, options: DEFAULT_OPTIONS, thresholds: DEFAULT_THRESHOLDS, engine },
        {
          signal: ac.signal,
          // wait for the process's own answer to the cancel (the client would otherwise reject at once)
          cooperativeCancel: true,
          onProgress: (_f, stage) => {
            stages.push(stage);
            if (stage.startsWith('dispersive loss')) tiles.push(Date.now());
            // mid-way: a few tiles into the O(N²) metrics, long before the job can end
            if (tiles.length === 4 && abortedAt === 0) {
              abortedAt = Date.now();
              ac.abort();
            }
          },
        },
      );
      const outcome = await job.then(
        () => 'finished',
        (e: unknown) => e,
      );
      const settledMs = Date.now() - abortedAt;
      const tileMs = Math.max(...tiles.slice(1, 4).map((x, i) => x - (tiles[i] as number)));
      t.diagnostic(`settled ${settledMs} ms after the cancel; a tile took up to ${tileMs} ms; stages: ${[...new Set(stages)].join(', ')}`);
      assert.ok(abortedAt > 0, `the job was cancelled mid-way (stages seen: ${[...new Set(stages)].join(', ')})`);
      // the process's own AbortError (a ComputeError from its answer), not the client's stand-in
      assert.ok(outcome instanceof ComputeError, `the process answered the cancel: ${String(outcome)}`);
      assert.equal(outcome.name, 'AbortError');
      // read at the end of the tile running when it came: at most about one tile's time
      assert.ok(settledMs <= 1.5 * tileMs + 250, `settled ${settledMs} ms after the cancel; a tile takes ${tileMs} ms`);
      assert.equal(client.pid, pid, 'the same process: it was not replaced for ignoring the cancel');
      assert.deepEqual(
        logs.filter((l) => /ignored cancel|ended/.test(l)),
        [],
      );
      assert.equal(client.busy, false);

      // the job stopped computing: the process is idle (a running metric uses every core)
      await new Promise((r) => setTimeout(r, 300));
      const cpu0 = cpuSeconds(pid);
      await new Promise((r) => setTimeout(r, 1000));
      const busy = cpuSeconds(pid) - cpu0;
      assert.ok(busy <= 0.1, `the process used ${busy.toFixed(2)} s of CPU in the second after the cancel`);

      // still usable: the next job in the same process gives the same report as before the cancel
      const next = await inspect(healthy, engine);
      assert.equal(client.pid, pid);
      assert.deepEqual(timeless(next), timeless(before));
      // and nothing the cancelled job opened (the file, engine sessions, threads' handles) is left open;
      // listed with their targets, so a failure names the file, pipe or socket kept
      assert.deepEqual(openFds(pid), fdsBefore, 'open file descriptors of the compute process');
      assert.equal(threads(pid), threadsBefore, 'threads of the compute process (an engine session keeps a pool)');
    },
  );
}
