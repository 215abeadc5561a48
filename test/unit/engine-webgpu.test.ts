/**
 * The WebGPU side of the device choice: the adapter probe's answers (no Vulkan loader or driver, Dawn's
 * own reason, a named adapter), that no kernel graph moves int64 data (WebGPU truncates it to
 * 32 bits), and `--device webgpu` on a machine with no adapter: exit 2 with the reason.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as Ort from 'onnxruntime-node';
import { crossGraph, dispersiveRowsGraph, dispersiveSumsGraph, gramGraph, retrievalCountsGraph } from '../../src/engine/onnx/graphs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dawnBackendName, probeWebGpu, vulkanDriverPlaces, type ProbeDeps } from '../../src/engine/webgpuProbe';
import { vulkanDriverListed } from '../../src/engine/ortBackend';
import { runCli } from '../fixtures/cli/run';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ort = require('onnxruntime-node') as typeof Ort;

function deps(over: Partial<ProbeDeps>): ProbeDeps {
  return { platform: 'linux', loaderFinds: () => true, runChild: () => Promise.reject(new Error('not expected')), ...over };
}

void test('no Vulkan loader on Linux: no adapter, and no child process is started', async () => {
  const p = await probeWebGpu(new Uint8Array(), deps({ loaderFinds: (f) => f !== 'libvulkan.so.1' }));
  assert.match(p.reason ?? '', /^no Vulkan loader on this machine \(libvulkan\.so\.1 not found/);
});

void test('a Vulkan loader with no driver manifest: no adapter, and no child process is started', async () => {
  const p = await probeWebGpu(new Uint8Array(), deps({ vulkanDrivers: () => false }));
  assert.match(p.reason ?? '', /^no Vulkan driver on this machine \(the Vulkan loader finds no driver manifest/);
  // a manifest found: the child is asked (and says what Dawn found)
  const asked = await probeWebGpu(
    new Uint8Array(),
    deps({ vulkanDrivers: () => true, runChild: () => Promise.resolve({ stdout: '{"ok":true,"adapter":"NVIDIA"}', stderr: '' }) }),
  );
  assert.deepEqual(asked, { adapter: 'NVIDIA (Vulkan)' });
});

void test("the loader's driver manifest places: VK_DRIVER_FILES replaces the search, the XDG folders otherwise", () => {
  const given = vulkanDriverPlaces({ VK_DRIVER_FILES: '/x/nvidia_icd.json:/y', VK_ADD_DRIVER_FILES: '/z.json' }, '/home/u');
  assert.deepEqual(given, { places: ['/x/nvidia_icd.json', '/y', '/z.json'], replaced: true });
  assert.deepEqual(vulkanDriverPlaces({ VK_ICD_FILENAMES: '/old.json' }, '/home/u').places, ['/old.json']);
  const search = vulkanDriverPlaces({}, '/home/u');
  assert.equal(search.replaced, false);
  assert.deepEqual(search.places, [
    '/etc/xdg/vulkan/icd.d',
    '/etc/vulkan/icd.d',
    '/home/u/.local/share/vulkan/icd.d',
    '/usr/local/share/vulkan/icd.d',
    '/usr/share/vulkan/icd.d',
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'dagr-icd-'));
  try {
    assert.equal(vulkanDriverListed([dir, join(dir, 'absent')]), false, 'an empty icd.d lists no driver');
    writeFileSync(join(dir, 'lvp_icd.x86_64.json'), '{}');
    assert.equal(vulkanDriverListed([join(dir, 'absent'), dir]), true);
    assert.equal(vulkanDriverListed([join(dir, 'lvp_icd.x86_64.json')]), true, 'a manifest named as a file');
    assert.equal(vulkanDriverListed([join(dir, 'other.json')]), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test("Dawn's warning becomes the reason (Mesa's software Vulkan lacks a required feature)", async () => {
  const stderr =
    'Warning: Vulkan shaderUniformBufferArrayDynamicIndexing feature required.\n    at CheckVkSupport (/build/dawn/PhysicalDeviceVk.cpp:120)\n';
  const stdout = JSON.stringify({
    ok: false,
    error: '/onnxruntime_src/webgpu_context.cc:136 ... was false. Failed to get a WebGPU adapter: No supported adapters',
  });
  const p = await probeWebGpu(new Uint8Array(), deps({ runChild: () => Promise.resolve({ stdout, stderr }) }));
  assert.equal(
    p.reason,
    'Failed to get a WebGPU adapter: No supported adapters (Vulkan: Warning: Vulkan shaderUniformBufferArrayDynamicIndexing feature required.)',
  );
});

void test('an adapter is named with its native backend; a silent child is a reason, not a crash', async () => {
  const ok = await probeWebGpu(
    new Uint8Array(),
    deps({
      platform: 'darwin',
      loaderFinds: () => false,
      runChild: () => Promise.resolve({ stdout: '{"ok":true,"adapter":"Apple M3"}\n', stderr: '' }),
    }),
  );
  assert.deepEqual(ok, { adapter: 'Apple M3 (Metal)' });
  const unnamed = await probeWebGpu(new Uint8Array(), deps({ runChild: () => Promise.resolve({ stdout: '{"ok":true}', stderr: '' }) }));
  assert.deepEqual(unnamed, { adapter: 'an unnamed adapter (Vulkan)' });
  const silent = await probeWebGpu(
    new Uint8Array(),
    deps({ runChild: () => Promise.resolve({ stdout: '', stderr: 'Segmentation fault' }) }),
  );
  assert.equal(silent.reason, 'the probe process gave no answer (Segmentation fault)');
  assert.equal(dawnBackendName('win32'), 'D3D12');
});

void test('no kernel graph takes or gives int64 (WebGPU would truncate it); only the Gram graphs are float64', async () => {
  const graphs = {
    dispersiveRowsGraph: dispersiveRowsGraph(true),
    dispersiveShifted: dispersiveRowsGraph(false),
    dispersiveSumsGraph: dispersiveSumsGraph(),
    retrieval: retrievalCountsGraph(false),
    retrievalMasked: retrievalCountsGraph(true),
    gram: gramGraph(),
    cross: crossGraph(),
    dispersiveDiagonal: dispersiveRowsGraph(true, true),
    shiftedDiagonal: dispersiveRowsGraph(false, true),
    sumsDiagonal: dispersiveSumsGraph(true),
  };
  for (const [name, g] of Object.entries(graphs)) {
    const s = await ort.InferenceSession.create(g, { executionProviders: ['cpu'] });
    const types = [...s.inputMetadata, ...s.outputMetadata].map((m) => (m.isTensor ? m.type : 'non-tensor'));
    await s.release();
    assert.ok(!types.includes('int64'), `${name}: ${types.join(',')}`);
    assert.equal(types.includes('float64'), name === 'gram' || name === 'cross', `${name}: ${types.join(',')}`);
  }
});

void test('the real install: --device webgpu exits 2 with the reason when this machine has no adapter', async (t) => {
  const auto = await runCli(['engine', '--json']);
  assert.equal(auto.code, 0, auto.stderr);
  const info = JSON.parse(auto.stdout) as { device: string; note?: string };
  if (info.device !== 'cpu') {
    t.skip(`this machine computes on ${info.device}`);
    return;
  }
  const r = await runCli(['engine', '--device', 'webgpu']);
  if (r.code === 0) {
    t.skip(`a WebGPU adapter exists here: ${r.stdout.trim()}`);
    return;
  }
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.match(
    r.stderr,
    /^dagr: device webgpu requested but not usable: (no WebGPU adapter|WebGPU provider failed to start|this onnxruntime-node build has no WebGPU).+\n$/,
  );
  assert.doesNotMatch(r.stderr, /\n./, 'one line, no Dawn warnings on stderr');
});
