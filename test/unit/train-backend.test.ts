// Backend choice and its reporting: the fallback chain on a machine without the native packages,
// and the plain "GPU not used" note when tfjs-node-gpu loads without CUDA 11.2 / cuDNN 8.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gpuNote, probeSharedLibrary, selectBackend, type BackendDeps } from '../../src/train/backend';
import { tf } from '../../src/train/tf';

const missingNative: BackendDeps = {
  requireModule: (id) => {
    if (id.includes('tfjs-node')) throw new Error(`Cannot find module '${id}'`);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(id);
  },
  probeLibrary: () => false,
};

void test('auto falls back to wasm and names what was skipped', async () => {
  const info = await selectBackend('auto', missingNative);
  assert.equal(info.name, 'tfjs-wasm');
  assert.equal(info.device, 'cpu');
  assert.ok(info.threads >= 1);
  // tfjs-webgpu is tried too (a hardware adapter only); on Linux the missing Vulkan loader says no before Dawn loads
  assert.match(
    info.note ?? '',
    /^tfjs-node-gpu not installed; tfjs-webgpu (no Vulkan loader \(libvulkan\.so\.1 not found\)|not installed|no WebGPU adapter); tfjs-node not installed$/,
  );
  assert.equal(tf.getBackend(), 'wasm');
});

void test('wasm failing falls back to the pure-JS cpu backend', async () => {
  const deps: BackendDeps = {
    requireModule: () => {
      throw new Error('boom');
    },
    probeLibrary: () => false,
  };
  const info = await selectBackend('auto', deps);
  assert.equal(info.name, 'tfjs-cpu');
  assert.match(
    info.note ?? '',
    /^tfjs-node-gpu boom; tfjs-webgpu (no Vulkan loader \(libvulkan\.so\.1 not found\)|boom); tfjs-node boom; tfjs-wasm boom$/,
  );
  assert.equal(tf.getBackend(), 'cpu');
});

void test('the real machine reports a backend (native packages are optional)', async () => {
  const info = await selectBackend('auto');
  assert.match(info.name, /^tfjs-(node-gpu|webgpu|node|wasm|cpu)$/);
});

void test('tfjs-node-gpu without CUDA 11.2 says plainly that the GPU is not used', async () => {
  // Stand in for tfjs-node-gpu: it registers a "tensorflow" backend (here the CPU one).
  const fakeGpu: BackendDeps = {
    requireModule: (id) => {
      if (id === '@tensorflow/tfjs-node-gpu') {
        if (!tf.findBackend('tensorflow')) tf.registerBackend('tensorflow', tf.findBackendFactory('cpu')!);
        return {};
      }
      throw new Error(`Cannot find module '${id}'`);
    },
    probeLibrary: (f) => f === 'libcudart.so.12',
  };
  try {
    const info = await selectBackend('auto', fakeGpu);
    assert.equal(info.name, 'tfjs-node-gpu');
    assert.equal(info.device, 'cpu (GPU not used)');
    // tfjs-webgpu was tried before keeping tfjs-node-gpu on the CPU, and says why it was not used
    assert.match(
      info.note ?? '',
      /^GPU not used: tfjs-node-gpu needs CUDA 11\.2 and cuDNN 8\.1; found CUDA runtime 12 \(missing libcudart\.so\.11\.0, libcudnn\.so\.8\); computing on the CPU; tfjs-webgpu (no Vulkan loader \(libvulkan\.so\.1 not found\)|not installed)$/,
    );
  } finally {
    await tf.setBackend('cpu');
    tf.removeBackend('tensorflow');
  }
});

void test('gpuNote is null when CUDA 11 and cuDNN 8 load; the loader probe tells present from missing', () => {
  assert.equal(
    gpuNote(() => true),
    null,
  );
  assert.match(gpuNote(() => false) ?? '', /found no CUDA runtime/);
  assert.equal(probeSharedLibrary('libc.so.6'), true);
  assert.equal(probeSharedLibrary('libdagr-does-not-exist.so.1'), false);
});

void test('tfjs-node-gpu whose binding reports a GPU device runs on cuda:0', async () => {
  const fakeGpu: BackendDeps = {
    requireModule: (id) => {
      if (id !== '@tensorflow/tfjs-node-gpu') throw new Error(`Cannot find module '${id}'`);
      if (!tf.findBackend('tensorflow')) {
        tf.registerBackend(
          'tensorflow',
          () => Object.assign(tf.findBackendFactory('cpu')!() as object, { isUsingGpuDevice: () => true }) as unknown as tf.KernelBackend,
        );
      }
      return {};
    },
    probeLibrary: () => false,
  };
  try {
    const info = await selectBackend('auto', fakeGpu);
    assert.equal(info.device, 'cuda:0');
    assert.equal(info.note, undefined);
  } finally {
    await tf.setBackend('cpu');
    tf.removeBackend('tensorflow');
  }
});

void test('the GPU flag is also read from the native binding', async () => {
  const fakeGpu: BackendDeps = {
    requireModule: (id) => {
      if (id !== '@tensorflow/tfjs-node-gpu') throw new Error(`Cannot find module '${id}'`);
      if (!tf.findBackend('tensorflow')) {
        tf.registerBackend(
          'tensorflow',
          () =>
            Object.assign(tf.findBackendFactory('cpu')!() as object, {
              binding: { isUsingGpuDevice: false },
            }) as unknown as tf.KernelBackend,
        );
      }
      return {};
    },
    probeLibrary: () => true,
  };
  try {
    const info = await selectBackend('auto', fakeGpu);
    assert.equal(info.device, 'cpu (GPU not used)');
    assert.equal(info.note, 'GPU not used: tfjs-node-gpu loaded but TensorFlow reports no GPU device; tfjs-webgpu not installed');
  } finally {
    await tf.setBackend('cpu');
    tf.removeBackend('tensorflow');
  }
});

/**
 * Stands in for Dawn (the `webgpu` package) with one adapter, and for tfjs-backend-webgpu: it
 * registers a "webgpu" backend (the CPU one) so tf.setBackend('webgpu') succeeds.
 */
function fakeDawn(adapter: { info: Record<string, unknown> } | null): BackendDeps {
  return {
    requireModule: (id) => {
      if (id === 'webgpu') return { create: () => ({ requestAdapter: () => Promise.resolve(adapter) }), globals: {} };
      if (id === '@tensorflow/tfjs-backend-webgpu') {
        if (!tf.findBackend('webgpu')) tf.registerBackend('webgpu', tf.findBackendFactory('cpu')!);
        return {};
      }
      throw new Error(`Cannot find module '${id}'`);
    },
    probeLibrary: (f) => f === 'libvulkan.so.1',
    vulkanDrivers: () => true,
    webgpu: { dawn: [], allowSoftware: false },
  };
}

void test('auto takes tfjs-webgpu on a hardware adapter (the trainer reads asynchronously), before wasm', async () => {
  try {
    const info = await selectBackend('auto', fakeDawn({ info: { vendor: 'nvidia', architecture: 'hopper', device: 'H200' } }));
    assert.equal(info.name, 'tfjs-webgpu');
    assert.match(info.device, /^webgpu \(nvidia hopper H200, (vulkan|metal|d3d12)\)$/);
    assert.equal(info.note, 'tfjs-node-gpu not installed');
    assert.equal(tf.getBackend(), 'webgpu');
  } finally {
    await tf.setBackend('cpu');
    tf.removeBackend('webgpu');
  }
});

void test('auto passes over a software adapter and a machine with no Vulkan driver, saying why', async () => {
  try {
    const soft = await selectBackend('auto', fakeDawn({ info: { device: 'llvmpipe (LLVM 15.0.6, 256 bits)' } }));
    assert.equal(soft.name, 'tfjs-cpu', 'wasm is not installed in this fake either');
    assert.match(soft.note ?? '', /; tfjs-webgpu only a software adapter \(llvmpipe \(LLVM 15\.0\.6, 256 bits\)\);/);
    if (process.platform === 'linux') {
      const noDriver = await selectBackend('auto', { ...fakeDawn(null), vulkanDrivers: () => false });
      assert.match(noDriver.note ?? '', /; tfjs-webgpu no Vulkan driver \(no driver manifest/);
    }
  } finally {
    await tf.setBackend('cpu');
    if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  }
});
