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
  assert.equal(info.note, 'tfjs-node-gpu not installed; tfjs-node not installed');
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
  assert.equal(info.note, 'tfjs-node-gpu boom; tfjs-node boom; tfjs-wasm boom');
  assert.equal(tf.getBackend(), 'cpu');
});

void test('the real machine reports a backend (native packages are optional)', async () => {
  const info = await selectBackend('auto');
  assert.match(info.name, /^tfjs-(node-gpu|node|wasm|cpu)$/);
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
    assert.equal(
      info.note,
      'GPU not used: tfjs-node-gpu needs CUDA 11.2 and cuDNN 8.1; found CUDA runtime 12 (missing libcudart.so.11.0, libcudnn.so.8); computing on the CPU',
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
    assert.equal(info.note, 'GPU not used: tfjs-node-gpu loaded but TensorFlow reports no GPU device');
  } finally {
    await tf.setBackend('cpu');
    tf.removeBackend('tensorflow');
  }
});
