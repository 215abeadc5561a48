/**
 * One WebAssembly memory shared by the in-process kernels (pairWasm.ts, crossWasm.ts,
 * rowsWasm.ts), so a report's steps reuse the same pages instead of each kernel growing a memory
 * of its own. First touching a fresh page is expensive: on the dev VM a page fault costs about
 * 17-20 us (16 MB took 65-90 ms to fill the first time and 1 ms the second), and a small file's
 * report touched some 20 MB, a quarter of its CPU time.
 *
 * Each kernel call is synchronous: it copies its inputs in from RESERVED_BYTES on, computes, and
 * copies its results out before returning, so calls never overlap. The first RESERVED_BYTES hold
 * constants (pairWasm's exp table), written by the hooks kernels register. The memory grows to
 * the largest call and is dropped after KEEP_MS without use (a big job's tiles can make it tens of
 * MB); the next call makes a fresh one and the kernels instantiate against it again.
 */

/** the few WebAssembly calls used here (the project's lib settings leave the global untyped) */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Memory: new (desc: { initial: number }) => WasmMemory;
  Instance: new (mod: object, imports: object) => { exports: Record<string, unknown> };
}
export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
export const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** bytes at the start of the memory kept for constants; kernels lay their data out after them */
export const RESERVED_BYTES = 4096;
const KEEP_MS = 10_000;

let memory: WasmMemory | undefined;
/** bumped whenever a new memory replaces the old one: instances made before it are stale */
let generation = 0;
let timer: ReturnType<typeof setTimeout> | undefined;
const initializers: ((buffer: ArrayBuffer) => void)[] = [];

/** a hook that writes constants into the reserved bytes of every new memory */
export function onNewKernelMemory(init: (buffer: ArrayBuffer) => void): void {
  initializers.push(init);
  if (memory) init(memory.buffer);
}

/** the shared memory (made if there is none) and its generation; the release timer restarts */
export function kernelMemory(): { memory: WasmMemory; generation: number } {
  if (!wasmApi) throw new Error('WebAssembly is not available here');
  if (!memory) {
    memory = new wasmApi.Memory({ initial: 1 });
    generation++;
    for (const init of initializers) init(memory.buffer);
  }
  if (timer) clearTimeout(timer);
  timer = setTimeout(releaseKernelMemory, KEEP_MS);
  timer.unref?.();
  return { memory, generation };
}

/** drops the memory now (its idle timer does this after KEEP_MS); the next call makes a fresh one */
export function releaseKernelMemory(): void {
  if (timer) clearTimeout(timer);
  memory = undefined;
  timer = undefined;
}

/** the shared memory grown to at least RESERVED_BYTES + bytes; take typed-array views after this */
export function kernelHeap(bytes: number): ArrayBuffer {
  const { memory: m } = kernelMemory();
  const pages = Math.ceil((RESERVED_BYTES + bytes) / 65536);
  const now = m.buffer.byteLength / 65536;
  if (now < pages) m.grow(pages - now);
  return m.buffer;
}

/**
 * A module compiled once from its pre-assembled bytes (base64; kernelBytes.ts, eigenSmallBytes.ts),
 * or null where WebAssembly SIMD is missing or the bytes do not validate.
 */
export function compiledModule(prebuilt: string): () => object | null {
  let mod: object | null | undefined;
  return () => {
    if (mod === undefined) {
      mod = null;
      try {
        const bytes = Uint8Array.from(Buffer.from(prebuilt, 'base64'));
        if (wasmApi?.validate(bytes)) mod = new wasmApi.Module(bytes);
      } catch {
        mod = null;
      }
    }
    return mod;
  };
}

/**
 * A compiled kernel module's exports, instantiated against the current shared memory (again
 * after the memory was replaced), or null where WebAssembly SIMD is missing or the bytes do not
 * validate. `prebuilt` is the module's bytes in base64 (kernelBytes.ts: assembling them in a fresh
 * process cost more CPU than compiling them); the unit tests check them against the builders.
 */
export function kernelInstance<T>(prebuilt: string, bind: (exports: Record<string, unknown>) => T): () => T | null {
  const module = compiledModule(prebuilt);
  let made: { generation: number; exports: T } | undefined;
  return () => {
    const mod = module();
    if (mod === null || !wasmApi) return null;
    const current = kernelMemory();
    if (made?.generation !== current.generation) {
      made = { generation: current.generation, exports: bind(new wasmApi.Instance(mod, { env: { memory: current.memory } }).exports) };
    }
    return made.exports;
  };
}

/** an instance with a memory of its own, held by one caller until release() */
export interface HeldInstance<E> {
  readonly memory: WasmMemory;
  readonly exports: E;
  /** done with it: a kept instance may serve the next caller */
  release(): void;
}

/**
 * Instances of `module` with memories of their own (the eigensolvers', whose solves yield between
 * columns and so cannot share the synchronous kernels' memory), one of them kept between uses:
 * a fresh memory is page-faulted in on first touch, which on some machines cost as much as a
 * whole d = 768 reduction (50-100 ms for 4.7 MB on the dev VM), and the spectra solve several
 * problems of one size in a row. The kept one grows to the largest size asked for and is dropped
 * after KEEP_MS unused; a caller that finds it held (two async solves interleaving) gets a fresh
 * instance, not kept. Null where the module is.
 */
export function keptInstance<E>(
  module: () => object | null,
  bind: (exports: Record<string, unknown>) => E,
): (pages: number) => HeldInstance<E> | null {
  let kept: { memory: WasmMemory; exports: E; held: boolean } | undefined;
  let keptTimer: ReturnType<typeof setTimeout> | undefined;
  const instantiate = (mod: object, api: WasmApi, pages: number): { memory: WasmMemory; exports: E; held: boolean } => {
    const memory = new api.Memory({ initial: pages });
    return { memory, exports: bind(new api.Instance(mod, { env: { memory } }).exports), held: false };
  };
  return (pages) => {
    const mod = module();
    if (mod === null || !wasmApi) return null;
    if (kept?.held) {
      const own = instantiate(mod, wasmApi, pages);
      return { memory: own.memory, exports: own.exports, release: () => undefined };
    }
    if (!kept) kept = instantiate(mod, wasmApi, pages);
    const have = kept.memory.buffer.byteLength / 65536;
    if (have < pages) kept.memory.grow(pages - have);
    if (keptTimer) clearTimeout(keptTimer);
    keptTimer = setTimeout(() => {
      kept = undefined;
      keptTimer = undefined;
    }, KEEP_MS);
    keptTimer.unref?.();
    const inst = kept;
    inst.held = true;
    return { memory: inst.memory, exports: inst.exports, release: () => void (inst.held = false) };
  };
}
