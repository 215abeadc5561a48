/** Benchmark (not a test): one 768 x 768 matrix's Gram (backend.gram) and eigenvalues (symmetricEigenvaluesFast), one onnxruntime thread, three repeats. npx tsx bench/weights-split.ts */
import { createBackend } from '../src/engine';
import { symmetricEigenvaluesFast } from '../src/engine/linalg/eigenBand';
void (async () => {
  const b = await createBackend('onnxruntime', { threads: 1 });
  const n = 768;
  const a = new Float64Array(n * n);
  let s = 1;
  for (let i = 0; i < a.length; i++) {
    s = (s * 16807) % 2147483647;
    a[i] = (s / 2147483647 - 0.5) * 0.04;
  }
  for (let rep = 0; rep < 3; rep++) {
    let t = performance.now();
    const g = await b.gram(a, n, n);
    const tg = performance.now() - t;
    t = performance.now();
    await symmetricEigenvaluesFast(g, n, b);
    const te = performance.now() - t;
    console.log(`768x768: gram ${(tg / 1000).toFixed(3)} s, eigenvalues ${(te / 1000).toFixed(3)} s`);
  }
  await b.dispose();
})();
