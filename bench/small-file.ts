/**
 * How fast a small file opens (issue 11): `dagr inspect examples/collapsed.safetensors` (2000 x 64)
 * as a CLI process (the bundle, bin/dagr.js: wall and CPU seconds, the floor of `node -e 0` and
 * `dagr --version` beside it), where the in-process time goes (imports, backend start, load,
 * computeGeometry's stages), and a warm compute process (dist/worker.js, the editor's): request
 * to report, first and then warm. Wall time on a shared machine moves with the load; CPU time
 * (user + sys) is printed too because it does not. Needs `npm run build` first.
 * --before DIR: the same CLI and compute-process rows for another checkout's build (e.g. a
 * `git archive` of an older commit with node_modules linked and `node scripts/build.mjs` run),
 * interleaved run by run with this one's, so both see the same load; the in-process steps are skipped.
 * --kernels: the in-process WebAssembly kernels against onnxruntime's, first call (in this process)
 * and warm: the float64 Gram (linalg/crossWasm.ts; where SMALL_PRODUCT_MACS comes from) and the
 * pairwise dispersive and retrieval tiles (wasmBackend.ts; where SMALL_JOB_WORK comes from).
 * Usage: npx tsx bench/small-file.ts [--file examples/collapsed.safetensors] [--runs 5] [--before DIR] [--kernels]
 */
import { execFileSync, fork, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { ComputeToHost } from '../src/protocol/messages';
import { DEFAULT_OPTIONS, DEFAULT_THRESHOLDS } from '../src/protocol/report';
import { flag } from './args';

const ROOT = join(__dirname, '..');
const file = flag('file', 'examples/collapsed.safetensors');
const runs = Number(flag('runs', '5'));
const before = flag('before', '');

/** wall and CPU seconds of a child process (CPU from /usr/bin/time's user + sys) */
function timed(cmd: string[]): { wall: number; cpu: number } {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S', ...cmd], { cwd: ROOT, encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0 && r.status !== 3) throw new Error(`${cmd.join(' ')}: exit ${r.status}: ${r.stderr}`);
  const [u, s] = (r.stderr.trim().split('\n').pop() ?? '0 0').split(' ').map(Number);
  return { wall, cpu: (u ?? 0) + (s ?? 0) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

function line(label: string, ts: { wall: number; cpu: number }[]): void {
  console.log(
    `| ${label} | ${median(ts.map((t) => t.wall)).toFixed(3)} | ${Math.min(...ts.map((t) => t.wall)).toFixed(3)} | ${median(ts.map((t) => t.cpu)).toFixed(2)} |`,
  );
}

function row(label: string, cmd: string[]): void {
  line(
    label,
    Array.from({ length: runs }, () => timed(cmd)),
  );
}

/** the same command from `before`'s build and this one's, run in turn (the same load for both) */
function pairedRow(label: string, args: string[]): void {
  const old: { wall: number; cpu: number }[] = [];
  const now: { wall: number; cpu: number }[] = [];
  for (let r = 0; r < runs; r++) {
    old.push(timed(['node', join(before, 'bin', 'dagr.js'), ...args]));
    now.push(timed(['node', 'bin/dagr.js', ...args]));
  }
  line(`${label} (before: ${before})`, old);
  line(`${label} (this build)`, now);
}

async function inProcess(): Promise<void> {
  const cpu0 = process.cpuUsage();
  const mark = (): [number, number] => {
    const c = process.cpuUsage(cpu0);
    return [performance.now(), (c.user + c.system) / 1000];
  };
  const rows: [string, number, number][] = [];
  let [w, c] = mark();
  const step = (label: string): void => {
    const [w2, c2] = mark();
    rows.push([label, w2 - w, c2 - c]);
    [w, c] = [w2, c2];
  };
  const engine = await import('../src/engine');
  const io = await import('../src/io');
  step('import engine + io');
  const backend = await engine.createBackend('onnxruntime');
  step(`createBackend (${backend.info.device}, ${backend.info.threads} threads)`);
  const cp = await io.openCheckpoint(join(ROOT, file));
  const { modalities } = io.selectModalities(cp);
  const mats = [];
  for (const m of modalities) mats.push(await io.loadMatrix(m));
  step('open + load');
  for (const round of ['first', 'second']) {
    let stage = 'start';
    await engine.computeGeometry(mats, DEFAULT_OPTIONS, DEFAULT_THRESHOLDS, backend, {
      onProgress: (_f, s) => {
        if (s !== stage) {
          step(`${round}: ${stage}`);
          stage = s;
        }
      },
    });
    step(`${round}: ${stage}`);
  }
  await backend.dispose();
  console.log('\n| in-process step | wall ms | CPU ms |\n|---|---|---|');
  for (const [label, wall, cpu] of rows) console.log(`| ${label} | ${wall.toFixed(1)} | ${cpu.toFixed(1)} |`);
}

/** user + system CPU ms of a process so far (Linux /proc; 10 ms ticks), or NaN elsewhere */
function cpuMsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** A compute process (dist/worker.js of `root`) and a way to send it the inspect request. */
async function computeProcess(root: string): Promise<{ label: string; request(id: number): Promise<[number, number]>; kill(): void }> {
  const child = fork(join(root, 'dist', 'worker.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], serialization: 'advanced' });
  const inbox: ComputeToHost[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (m: ComputeToHost) => {
    inbox.push(m);
    wake?.();
  });
  const next = async (pred: (m: ComputeToHost) => boolean): Promise<ComputeToHost> => {
    for (;;) {
      const i = inbox.findIndex(pred);
      if (i >= 0) return inbox.splice(i, 1)[0] as ComputeToHost;
      await new Promise<void>((r) => (wake = r));
    }
  };
  const t0 = performance.now();
  await next((m) => m.type === 'ready');
  const label = `${join(root, 'dist', 'worker.js')}, ready after ${(performance.now() - t0).toFixed(0)} ms`;
  return {
    label,
    /** request to report: wall ms and the process's CPU ms */
    async request(id) {
      const c = cpuMsOf(child.pid);
      const t = performance.now();
      child.send({
        type: 'job',
        id,
        kind: 'inspect',
        params: { path: join(ROOT, file), options: DEFAULT_OPTIONS, thresholds: DEFAULT_THRESHOLDS },
      });
      const m = await next((x) => 'id' in x && x.id === id && (x.type === 'result' || x.type === 'error'));
      if (m.type === 'error') throw new Error(JSON.stringify(m.error));
      return [performance.now() - t, cpuMsOf(child.pid) - c];
    },
    kill: () => child.kill(),
  };
}

/** request to report in warm compute processes: this build's, and `before`'s when given, in turn */
async function warmComputeProcess(): Promise<void> {
  const procs = [...(before ? [await computeProcess(before)] : []), await computeProcess(ROOT)];
  console.log(`\ncompute processes: ${procs.map((p) => p.label).join('; ')}`);
  console.log(
    `\n| request | ${procs.map((_, k) => (before && k === 0 ? 'before: wall / CPU ms' : 'this build: wall / CPU ms')).join(' | ')} |`,
  );
  console.log(`|---|${procs.map(() => '---|').join('')}`);
  const warm: [number, number][][] = procs.map(() => []);
  for (let id = 1; id <= 1 + runs; id++) {
    const cells: string[] = [];
    for (const [k, p] of procs.entries()) {
      const [w, c] = await p.request(id);
      if (id > 1) warm[k]?.push([w, c]);
      cells.push(`${w.toFixed(0)} / ${c.toFixed(0)}`);
    }
    console.log(`| ${id === 1 ? 'first (cold engine)' : `warm ${id - 1}`} | ${cells.join(' | ')} |`);
  }
  const med = (xs: number[]): string => median(xs).toFixed(0);
  console.log(`| warm median | ${warm.map((w) => `${med(w.map((x) => x[0]))} / ${med(w.map((x) => x[1]))}`).join(' | ')} |`);
  for (const p of procs) p.kill();
}

/** CPU ms of one call (this process's user + system) */
async function cpuMs(f: () => Promise<unknown>): Promise<number> {
  const c0 = process.cpuUsage();
  await f();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

async function kernels(): Promise<void> {
  const { createBackend } = await import('../src/engine');
  const { createWasmBackend } = await import('../src/engine/wasmBackend');
  const { crossWasmSwitch, wasmCross } = await import('../src/engine/linalg/crossWasm');
  const { mulberry32 } = await import('../src/engine/random');
  const rand = mulberry32(1);
  const ort = await createBackend('onnxruntime', { device: 'cpu' });
  const wasm = createWasmBackend();
  const warmOf = async (f: () => Promise<unknown>): Promise<number> => {
    const xs: number[] = [];
    for (let r = 0; r < runs; r++) xs.push(await cpuMs(f));
    return median(xs);
  };
  console.log(
    `\n| float64 Gram, rows x d | wasm first / warm CPU ms | onnxruntime (${ort.info.threads} threads) first / warm CPU ms |\n|---|---|---|`,
  );
  for (const [rows, d] of [
    [2000, 64],
    [2000, 128],
    [2000, 256],
    [8192, 256],
  ] as const) {
    const a = new Float64Array(rows * d).map(() => rand() - 0.5);
    const wf = await cpuMs(async () => wasmCross(a, undefined, rows, d, d));
    const ww = await warmOf(async () => wasmCross(a, undefined, rows, d, d));
    // onnxruntime's own graph: its backend hands small products to wasmCross unless switched off
    crossWasmSwitch.enabled = false;
    const of = await cpuMs(() => ort.gram(a, rows, d));
    const ow = await warmOf(() => ort.gram(a, rows, d));
    crossWasmSwitch.enabled = true;
    console.log(`| ${rows} x ${d} | ${wf.toFixed(1)} / ${ww.toFixed(1)} | ${of.toFixed(1)} / ${ow.toFixed(1)} |`);
  }
  console.log(
    `\n| pairwise tile, N x N x d | wasm dispersive / retrieval, warm CPU ms | onnxruntime dispersive / retrieval, warm CPU ms |\n|---|---|---|`,
  );
  for (const [n, d] of [
    [2000, 64],
    [4096, 64],
    [2048, 768],
  ] as const) {
    const z = new Float32Array(n * d).map(() => rand() - 0.5);
    const sq = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += (z[i * d + k] as number) ** 2;
      const inv = 1 / Math.sqrt(s);
      for (let k = 0; k < d; k++) z[i * d + k] = (z[i * d + k] as number) * inv;
      sq[i] = 1;
    }
    const cells = [];
    for (const b of [wasm, ort]) {
      const disp = await warmOf(() => b.dispersiveRows(z, sq, n, z, sq, n, d, 2, 0, false));
      const retr = await warmOf(() => b.retrievalCounts(z, n, z, n, d, sq, sq));
      cells.push(`${disp.toFixed(1)} / ${retr.toFixed(1)}`);
    }
    console.log(`| ${n} x ${n} x ${d} | ${cells.join(' | ')} |`);
  }
  await ort.dispose();
}

async function main(): Promise<void> {
  const git = execFileSync('git', ['log', '-1', '--format=%h'], { cwd: ROOT, encoding: 'utf8' }).trim();
  console.log(
    `# ${file}: ${cpus().length} x ${cpus()[0]?.model ?? 'CPU'} (shared; load average ${loadavg()[0]?.toFixed(1)} at start), node ${process.version}, commit ${git}, ${runs} runs\n`,
  );
  if (process.argv.includes('--kernels')) {
    await kernels();
    return;
  }
  console.log('| command | median wall s | best wall s | median CPU s (user + sys) |\n|---|---|---|---|');
  row('node -e 0', ['node', '-e', '0']);
  if (before) {
    pairedRow('dagr --version', ['--version']);
    pairedRow(`dagr inspect ${file}`, ['inspect', file]);
    await warmComputeProcess();
    console.log(`\nload average at the end: ${loadavg()[0]?.toFixed(1)}`);
    return;
  }
  row('dagr --version', ['node', 'bin/dagr.js', '--version']);
  row(`dagr inspect ${file}`, ['node', 'bin/dagr.js', 'inspect', file]);
  row(`dagr inspect ${file} --engine js`, ['node', 'bin/dagr.js', 'inspect', file, '--engine', 'js']);
  await inProcess();
  await warmComputeProcess();
  console.log(`\nload average at the end: ${loadavg()[0]?.toFixed(1)}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : String(e));
  process.exit(1);
});
