/** src/io: checkpoint readers and writers over byte sources (no vscode). See docs/architecture.md. */
export * from './types';
export { fileByteSource, memoryByteSource, sliceByteSource } from './byteSource';
export { writeSafetensors, writeNpy, pathExists } from './write';
export type { WritableDType, WritableData, WritableTensor, WriteOptions } from './write';
export { openCheckpoint, readCheckpoint, sniffFormat, formatFromName } from './open';
export type { FileFormat } from './open';
export { readSafetensors } from './safetensors';
export { readNpy, readNpyArray } from './npy';
export { readNpz } from './npz';
export { listZip } from './zip';
export type { ZipMember } from './zip';
export { readJsonCheckpoint } from './jsonCheckpoint';
export { readNpyFolder } from './npyFolder';
export { listRun, isRunFolder } from './run';
export type { RunCheckpoint } from './run';
export { selectModalities, loadMatrix, displayName } from './select';
export { ITEMSIZE, isFloatDType } from './dtype';
